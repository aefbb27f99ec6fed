"""Docs that are generated from code stay true, every job has its pages, and the course path holds together."""

import re
from pathlib import Path
from xml.etree import ElementTree

from lab.config.settings import ROOT
from lab.course.drills import DRILLS
from lab.course.exercises import HINTS
from lab.spark.jobs import available
from streamlab import schemas


def test_schema_doc_lists_every_field():
    text = (ROOT / "docs" / "schemas.md").read_text()
    for schema in schemas.SCHEMAS.values():
        assert f"## `{schema.topic_key}`" in text
        for field in schema.fields:
            assert f"| `{field.name}` | {field.type} | {'yes' if field.required else 'no'} | {field.doc} |" in text


def test_every_job_has_a_docstring_with_its_command_and_pages_in_english_and_spanish():
    for job in available():
        source = (ROOT / "jobs" / f"{job}.py").read_text()
        assert f"make submit JOB={job}" in source.split('"""')[1], f"{job}: the docstring must give the command"
        for lang in ("docs/jobs", "docs/es/jobs"):
            page = ROOT / lang / f"{job}.md"
            assert page.exists(), f"missing {page.relative_to(ROOT)}"
            assert f"make submit JOB={job}" in page.read_text()


# The course path (docs/es/curso/ and docs/course/): the index, one page per block of the course
# session, in its order, the exercises, the closing step and the after-class analysis, in Spanish
# (the course's language) and English. Each row: the Spanish page, the English one.
COURSE = {"es": ROOT / "docs" / "es" / "curso", "en": ROOT / "docs" / "course"}
COURSE_PAGES = (
    ("README.md", "README.md"),
    ("01-introduccion.md", "01-introduction.md"),
    ("02-fuentes-y-sinks.md", "02-sources-and-sinks.md"),
    ("03-operaciones.md", "03-operations.md"),
    ("04-monitoreo-y-optimizacion.md", "04-monitoring-and-optimization.md"),
    ("ejercicios.md", "exercises.md"),
    ("cierre.md", "closing.md"),
    ("analisis-en-tiempo-real.md", "real-time-analysis.md"),
)
BLOCK_PAGES = slice(1, 5)
# The pages a learner reads in class (all but the after-class analysis), each giving its steps' minutes.
CLASS_PAGES = slice(0, 7)
# Beside the path (no previous/next links): the instructor guide and the glossary.
SIDE_PAGES = (("guia-docente.md", "instructor-guide.md"), ("glosario.md", "glossary.md"))
# One "going further" page per block, with what the block page leaves out of class.
GOING_FURTHER = {"es": COURSE["es"] / "profundizar", "en": COURSE["en"] / "going-further"}
# The course's four blocks (sesion-5-spark-structured-streaming.md, "Contenido"), in order.
BLOCK_TITLES = {
    "es": ("Introducción al Streaming", "Fuentes y Sinks", "Operaciones de Streaming", "Monitoreo y Optimización"),
    "en": ("Introduction to Streaming", "Sources and Sinks", "Streaming Operations", "Monitoring and Optimization"),
}
JOB_PAGES = {"es": ROOT / "docs" / "es" / "jobs", "en": ROOT / "docs" / "jobs"}
EXERCISE_PAGE = {"es": "ejercicios.md", "en": "exercises.md"}
GUIDE = {"es": COURSE["es"] / SIDE_PAGES[0][0], "en": COURSE["en"] / SIDE_PAGES[0][1]}
WRONG_ANSWERS = ROOT / "instructors" / "wrong-answers"
FIGURES = ROOT / "docs" / "course" / "figures"

FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.S | re.M)  # fenced blocks, indented in lists too
CODE_SPAN = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def course_pages(lang: str) -> list[Path]:
    return [COURSE[lang] / pair[0 if lang == "es" else 1] for pair in COURSE_PAGES]


def going_further_pages(lang: str) -> list[Path]:
    """The block pages' "going further" twins: the same file names, in their own folder."""
    return [GOING_FURTHER[lang] / page.name for page in course_pages(lang)[BLOCK_PAGES]]


def all_pages(lang: str) -> list[Path]:
    """The course's pages, the side pages (the instructor guide, the glossary) and the going-further pages."""
    side = [COURSE[lang] / pair[0 if lang == "es" else 1] for pair in SIDE_PAGES]
    return [*course_pages(lang), *side, *going_further_pages(lang)]


def linked(pages: list[Path]) -> set[Path]:
    """Every file the pages link to."""
    return {resolve(page, t)[0] for page in pages for t in links(page.read_text())}


def prose(text: str) -> str:
    """The Markdown without code: a link inside a code block or span is not a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def code(text: str) -> str:
    """Only the code: fenced blocks and inline spans, where commands are written."""
    return "\n".join(FENCE.findall(text) + CODE_SPAN.findall(FENCE.sub("", text)))


def links(text: str) -> list[str]:
    """The relative link targets in Markdown text (web addresses left out)."""
    return [t for t in LINK.findall(prose(text)) if not re.match(r"[a-z]+:", t)]


def resolve(page: Path, target: str) -> tuple[Path, str]:
    path, _, anchor = target.partition("#")
    return ((page.parent / path).resolve() if path else page), anchor


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_course_has_the_same_pages_in_spanish_and_english():
    for lang, folder in COURSE.items():
        assert folder.is_dir(), f"missing {folder.relative_to(ROOT)}"
        found = {p for p in folder.rglob("*.md")}
        assert found == set(all_pages(lang)), f"{lang}: pages differ from the course's list"
    for es, en in zip(all_pages("es"), all_pages("en"), strict=True):
        for page, other in ((es, en), (en, es)):
            head = page.read_text().split("\n## ")[0]
            targets = [resolve(page, t)[0] for t in links(head)]
            assert other in targets[:1], f"{page.relative_to(ROOT)} must link {other.name} at the top"


def test_the_block_pages_follow_the_courses_four_blocks_in_order():
    for lang, titles in BLOCK_TITLES.items():
        pages = course_pages(lang)
        for page, title in zip(pages[BLOCK_PAGES], titles, strict=True):
            first = page.read_text().splitlines()[0]
            assert first.startswith("# ") and title in first, f"{page.relative_to(ROOT)}: the title must be {title!r}"
        index = pages[0]
        missing = [page.name for page in pages[1:] if page not in linked([index])]
        assert not missing, f"{index.relative_to(ROOT)} must link every page of the path: {missing}"
        plan = [target for _, _, _, target, _, _ in plan_rows(index) if target]
        blocks = [page for page, _ in plan if page in pages[BLOCK_PAGES]]
        assert blocks == pages[BLOCK_PAGES], f"{index.relative_to(ROOT)}: the plan must list the blocks in order"


def test_each_course_page_links_the_previous_and_the_next_at_the_bottom():
    for lang in COURSE:
        pages = course_pages(lang)
        for i, page in enumerate(pages):
            bottom = page.read_text().rsplit("\n---\n", 1)[-1]
            targets = {resolve(page, t)[0] for t in links(bottom)}
            wanted = {pages[j] for j in (i - 1, i + 1) if 0 <= j < len(pages)}
            assert wanted <= targets, f"{page.relative_to(ROOT)}: the bottom must link {sorted(p.name for p in wanted)}"


def test_every_job_is_linked_from_the_course_in_each_language():
    for lang in COURSE:
        found = linked([*course_pages(lang), *going_further_pages(lang)])
        missing = [job for job in available() if (JOB_PAGES[lang] / f"{job}.md").resolve() not in found]
        assert not missing, f"{lang}: the course pages never link these jobs' pages: {missing}"


def test_every_job_page_links_the_course():
    for lang in COURSE:
        for job in available():
            page = JOB_PAGES[lang] / f"{job}.md"
            linked = {resolve(page, t)[0] for t in links(page.read_text())}
            assert linked & set(course_pages(lang)), f"{page.relative_to(ROOT)} does not link the course"


def test_every_relative_link_in_the_course_and_the_job_pages_resolves():
    broken = []
    for lang in COURSE:
        for page in [*all_pages(lang), *sorted(JOB_PAGES[lang].glob("*.md"))]:
            for target in links(page.read_text()):
                path, anchor = resolve(page, target)
                if not path.exists():
                    broken.append(f"{page.relative_to(ROOT)}: {target}")
                elif anchor:
                    # Code spans in a heading stay in its anchor, as on GitHub: only fences go.
                    headings = [slug(h) for h in re.findall(r"^#+ (.+)$", FENCE.sub("", path.read_text()), re.M)]
                    if anchor not in headings:
                        broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, broken


def test_each_exercise_page_names_the_four_checks():
    for lang, name in EXERCISE_PAGE.items():
        text = (COURSE[lang] / name).read_text()
        for n in (1, 2, 3, 4):
            assert f"make check EXERCISE={n}" in text, f"{lang}/{name}: `make check EXERCISE={n}` is missing"


def test_every_make_command_in_the_course_exists():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    drills = set(DRILLS) | {"all"}
    # The capstone's file runs as a job too (its `main`): make submit JOB=capstone, make report JOB=capstone.
    # So does exercise 4's script (make submit JOB=pipeline).
    scripts = {"capstone": ROOT / "exercises" / "capstone.py", "pipeline": ROOT / "exercises" / "ex4_pipeline.py"}
    jobs = set(available()) | {job for job, path in scripts.items() if path.exists()}
    wrong = []
    for lang in COURSE:
        for page in all_pages(lang):
            commands = code(page.read_text())
            for kind, pattern, known in (
                ("make", r"\bmake ([a-z][\w-]*)", targets),
                ("JOB=", r"\bJOB=(\w+)", jobs),
                ("NAME=", r"\bNAME=([\w-]+)", drills),
            ):
                wrong += [f"{page.name}: {kind} {name}" for name in re.findall(pattern, commands) if name not in known]
    assert not wrong, f"commands that the lab does not have: {wrong}"


def test_the_instructor_guide_exists_in_both_languages_and_is_linked_from_the_index_and_instructors():
    readme = ROOT / "instructors" / "README.md"
    for lang, guide in GUIDE.items():
        assert guide.exists(), f"missing {guide.relative_to(ROOT)}"
        index = course_pages(lang)[0]
        linked = {resolve(index, t)[0] for t in links(index.read_text())}
        assert guide in linked, f"{index.relative_to(ROOT)} must link {guide.name}"
        linked = {resolve(readme, t)[0] for t in links(readme.read_text())}
        assert guide in linked, f"instructors/README.md must link {guide.relative_to(ROOT)}"


def test_every_hint_of_the_check_is_explained_on_both_exercise_pages():
    # Only the codes the checker has: the capstone's own codes are documented ahead of its check.
    for lang, name in EXERCISE_PAGE.items():
        text = (COURSE[lang] / name).read_text()
        missing = [code for code in HINTS if f"`{code}`" not in text]
        assert not missing, f"{lang}/{name}: hints the check gives that the page never names: {missing}"


def test_every_typical_wrong_answer_is_in_the_instructor_guide_in_both_languages():
    files = sorted(p.name for p in WRONG_ANSWERS.glob("*.py"))
    assert files, "instructors/wrong-answers/ is empty"
    for guide in GUIDE.values():
        text = guide.read_text()
        missing = [name for name in files if name not in text]
        assert not missing, f"{guide.relative_to(ROOT)} never mentions {missing}"


def test_the_figures_are_well_formed_svg_with_a_white_background_in_both_languages():
    svgs = sorted(FIGURES.glob("*.svg"))
    assert {p.name for p in svgs} >= {"watermark-timeline.svg", "watermark-timeline.es.svg"}
    for svg in svgs:
        root = ElementTree.parse(svg).getroot()  # raises on XML that is not well formed
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox"), svg.name
        width, height = root.get("viewBox").split()[2:]
        background = root.find("{http://www.w3.org/2000/svg}rect")
        assert background is not None and background.get("fill") in ("#fff", "#ffffff", "white"), svg.name
        assert (background.get("width"), background.get("height")) == (width, height), f"{svg.name}: background"
        english = svg.name.replace(".es.svg", ".svg")
        assert (FIGURES / english).exists(), f"{svg.name} has no English twin"
        spanish = english.removesuffix(".svg") + ".es.svg"
        assert (FIGURES / spanish).exists(), f"{english} has no Spanish twin"
    shown = {lang: {resolve(p, t)[0] for p in course_pages(lang) for t in links(p.read_text())} for lang in COURSE}
    for svg in svgs:
        lang = "es" if svg.name.endswith(".es.svg") else "en"
        assert svg.resolve() in shown[lang], f"{svg.name} is not shown in the {lang} course pages"


def test_the_guides_give_each_wrong_answer_the_hint_it_gets():
    for path in sorted((ROOT / "instructors" / "wrong-answers").glob("*.py")):
        code = re.search(r"# FAIL: (\w+)", path.read_text()).group(1)
        for guide in ("docs/course/instructor-guide.md", "docs/es/curso/guia-docente.md"):
            rows = [r for r in (ROOT / guide).read_text().splitlines() if r.startswith(f"| `{path.name}` |")]
            assert rows and f"`{code}`" in rows[0], f"{guide}: {path.name}'s row must name `{code}`"


# The session plan: the same table in the index and the instructor guide, whose rows link the step
# (a page, or a heading of one), name its notebook and its commands. Each class page states its
# time at the top (**Tiempo: 25 min**) and each step's minutes in its heading ("## 2. Ventanas (6 min)").
PLAN_HEADER = re.compile(
    r"^\| (?:hora|start) \| min \| (?:paso|step) \| (?:cuaderno|notebook) \| (?:comandos|commands) \|$", re.M
)
TIME = {"es": re.compile(r"^\*\*Tiempo: (\d+) min\*\*", re.M), "en": re.compile(r"^\*\*Time: (\d+) min\*\*", re.M)}
TIMED = re.compile(r"^## (.+\((\d+) min\))[ \t]*$", re.M)


def plan_rows(page: Path) -> list[tuple[int, int, str, tuple[Path, str] | None, str | None, list[str]]]:
    """The plan table's rows: start (minutes), minutes, step, its link target (page, anchor) or None,
    its notebook or None, its commands."""
    text = page.read_text()
    header = PLAN_HEADER.search(text)
    assert header, f"{page.relative_to(ROOT)} has no session plan table"
    rows = []
    for line in text[header.end() :].splitlines()[2:]:
        if not line.startswith("|"):
            break
        start, minutes, step, notebook, commands = (c.strip() for c in line.strip().strip("|").split("|"))
        hours, mins = start.split(":")
        target = LINK.search(step)
        rows.append(
            (
                int(hours) * 60 + int(mins),
                int(minutes),
                re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", step),
                resolve(page, target.group(1)) if target else None,
                notebook.strip("`") if notebook not in ("–", "-", "") else None,
                [c.strip("`") for c in CODE_SPAN.findall(commands)],
            )
        )
    return rows


def sections(text: str) -> dict[str, tuple[str, str]]:
    """Each `## ` heading's anchor -> (heading, its text up to the next `## ` heading)."""
    fences = [m.span() for m in FENCE.finditer(text)]
    heads = [m for m in re.finditer(r"^## (.+)$", text, re.M) if not any(a <= m.start() < b for a, b in fences)]
    ends = [m.start() for m in heads[1:]] + [len(text)]
    return {slug(m.group(1)): (m.group(1), text[m.start() : end]) for m, end in zip(heads, ends, strict=True)}


def timed_steps(page: Path) -> list[tuple[str, int]]:
    """The page's `## ` headings that give their minutes: (anchor, minutes), in order."""
    text = FENCE.sub("", page.read_text())
    return [(slug(heading), int(minutes)) for heading, minutes in TIMED.findall(text)]


def stated_time(page: Path, lang: str) -> int | None:
    head = page.read_text().split("\n## ")[0]
    found = TIME[lang].search(head)
    return int(found.group(1)) if found else None


def duration(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min"


def test_every_course_page_states_its_time_and_its_steps_add_up_to_it():
    for lang in COURSE:
        index, *pages = course_pages(lang)
        assert timed_steps(index), f"{index.relative_to(ROOT)}: the first step (its heading with minutes) is missing"
        for page in pages:
            total = stated_time(page, lang)
            assert total, f"{page.relative_to(ROOT)}: the top must state the page's time ({TIME[lang].pattern})"
            steps = timed_steps(page)
            assert steps and sum(m for _, m in steps) == total, (
                f"{page.relative_to(ROOT)}: its steps' minutes {steps} must add up to the {total} min it states"
            )


def test_the_index_and_the_guide_give_the_same_plan_which_adds_up_to_the_stated_total():
    for lang in COURSE:
        index, guide = course_pages(lang)[0], GUIDE[lang]
        plan = plan_rows(index)
        assert plan == plan_rows(guide), f"{lang}: the index's and the guide's plans differ"
        clock = 0
        for start, minutes, step, *_ in plan:
            assert start == clock, f"{lang}: {step!r} starts at {start} min, but the steps before it end at {clock}"
            clock += minutes
        for page in (index, guide):
            assert f"**{duration(clock)}**" in page.read_text(), (
                f"{page.relative_to(ROOT)} must state **{duration(clock)}**"
            )
        # The steps with a page of their own take what the class pages give their steps.
        on_pages = sum(m for page in course_pages(lang)[CLASS_PAGES] for _, m in timed_steps(page))
        assert sum(minutes for _, minutes, _, target, _, _ in plan if target) == on_pages, (
            f"{lang}: the plan's linked steps and the class pages' step minutes add up differently"
        )
        unlinked = [row for row in plan if not row[3]]
        assert all(not notebook and not commands for *_, notebook, commands in unlinked), (
            f"{lang}: a step with a notebook or a command needs its page: {unlinked}"
        )


def test_each_plan_step_is_on_its_page_with_its_minutes_notebook_and_commands_in_the_pages_order():
    for lang in COURSE:
        plan = plan_rows(GUIDE[lang])
        class_pages = course_pages(lang)[CLASS_PAGES]
        whole = [target[0] for *_, target, _, _ in plan if target and not target[1]]
        anchored: dict[Path, list[str]] = {}
        for _, minutes, step, target, notebook, commands in plan:
            if not target:
                continue
            page, anchor = target
            assert page in class_pages, f"{lang}: {step!r} links {page.name}, not a class page"
            if anchor:
                heading, text = sections(page.read_text()).get(anchor, ("", ""))
                given = dict(timed_steps(page)).get(anchor)
                anchored.setdefault(page, []).append(anchor)
            else:
                text, given = page.read_text(), stated_time(page, lang)
            where = f"{page.relative_to(ROOT)}{'#' + anchor if anchor else ''}"
            assert given == minutes, f"{lang}: {step!r} takes {minutes} min in the plan, {given} on {where}"
            if notebook:
                assert (ROOT / "notebooks" / lang / f"{notebook}.ipynb").exists(), (
                    f"no notebooks/{lang}/{notebook}.ipynb"
                )
                assert f"notebooks/{lang}/{notebook}.ipynb" in text, f"{where} must say when to open {notebook}"
            missing = [c for c in commands if c not in code(text)]
            assert not missing, f"{where} must give the step's commands {missing}"
        # Every timed heading of a class page is a step of the plan, once and in the page's order; a
        # page that is one step whole (a block) gives its minutes to its own steps.
        for page in class_pages:
            if page in whole:
                assert page not in anchored, f"{lang}: {page.name} is a whole step, and its headings are steps too"
                continue
            assert anchored.get(page, []) == [a for a, _ in timed_steps(page)], (
                f"{lang}: the plan must list {page.name}'s timed headings, in its order"
            )
        blocks = [page for page in whole if page in course_pages(lang)[BLOCK_PAGES]]
        assert blocks == course_pages(lang)[BLOCK_PAGES], f"{lang}: the plan must take the blocks in order"


def test_the_spanish_and_english_plans_are_the_same_steps():
    es, en = plan_rows(GUIDE["es"]), plan_rows(GUIDE["en"])
    assert len(es) == len(en)
    twins = dict(zip(all_pages("es"), all_pages("en"), strict=True))
    for (s1, m1, step, t1, _, c1), (s2, m2, _, t2, _, c2) in zip(es, en, strict=True):
        assert (s1, m1, c1) == (s2, m2, c2), f"{step!r}: start, minutes or commands differ between languages"
        assert (twins[t1[0]] if t1 else None) == (t2[0] if t2 else None), f"{step!r}: its pages are not twins"


def test_no_course_page_gives_away_exercise_2s_function():
    # The pages may show the pieces (window(), withWatermark()), never them together as the answer.
    for lang in COURSE:
        for page in all_pages(lang):
            for block in FENCE.findall(page.read_text()):
                flat = re.sub(r"\s+", "", block)
                whole = 'withWatermark("event_time"' in flat and 'window("event_time","5minutes")' in flat
                assert not (whole and "country" in flat), f"{page.relative_to(ROOT)} holds exercise 2's solution"
