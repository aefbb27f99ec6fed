"""Docs that are generated from code stay true, every job has its pages, and the course path holds together."""

import re
from pathlib import Path
from xml.etree import ElementTree

from lab.drills import DRILLS
from lab.exercises import HINTS
from lab.jobs import available
from lab.settings import ROOT
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


# The course path (docs/es/curso/ and docs/course/): one page per block of the course session, in its
# order, in Spanish (the course's language) and English. Each row: the Spanish page, the English one.
COURSE = {"es": ROOT / "docs" / "es" / "curso", "en": ROOT / "docs" / "course"}
COURSE_PAGES = (
    ("README.md", "README.md"),
    ("01-introduccion.md", "01-introduction.md"),
    ("02-fuentes-y-sinks.md", "02-sources-and-sinks.md"),
    ("03-operaciones.md", "03-operations.md"),
    ("04-monitoreo-y-optimizacion.md", "04-monitoring-and-optimization.md"),
    ("ejercicios.md", "exercises.md"),
)
BLOCK_PAGES = slice(1, 5)
# The course's four blocks (sesion-5-spark-structured-streaming.md, "Contenido"), in order.
BLOCK_TITLES = {
    "es": ("Introducción al Streaming", "Fuentes y Sinks", "Operaciones de Streaming", "Monitoreo y Optimización"),
    "en": ("Introduction to Streaming", "Sources and Sinks", "Streaming Operations", "Monitoring and Optimization"),
}
JOB_PAGES = {"es": ROOT / "docs" / "es" / "jobs", "en": ROOT / "docs" / "jobs"}
EXERCISE_PAGE = {"es": "ejercicios.md", "en": "exercises.md"}
# The instructor guide: beside the course's pages, not on its path (no previous/next links).
GUIDE = {"es": COURSE["es"] / "guia-docente.md", "en": COURSE["en"] / "instructor-guide.md"}
WRONG_ANSWERS = ROOT / "instructors" / "wrong-answers"
FIGURES = ROOT / "docs" / "course" / "figures"

FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.S | re.M)  # fenced blocks, indented in lists too
CODE_SPAN = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def course_pages(lang: str) -> list[Path]:
    return [COURSE[lang] / pair[0 if lang == "es" else 1] for pair in COURSE_PAGES]


def all_pages(lang: str) -> list[Path]:
    """The course's pages and the instructor guide."""
    return [*course_pages(lang), GUIDE[lang]]


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
        found = {p.name for p in folder.glob("*.md")}
        assert found == {p.name for p in all_pages(lang)}, f"{lang}: pages differ from the course's list"
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
        index = pages[0].read_text()
        positions = [index.find(f"]({page.name})") for page in pages[1:]]
        assert -1 not in positions and positions == sorted(positions), f"{lang}: the index lists the pages in order"


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
        linked = {resolve(page, t)[0] for page in course_pages(lang) for t in links(page.read_text())}
        missing = [job for job in available() if (JOB_PAGES[lang] / f"{job}.md").resolve() not in linked]
        assert not missing, f"{lang}: the course pages never link these jobs' pages: {missing}"


def test_every_job_page_links_the_course():
    for lang in COURSE:
        for job in available():
            page = JOB_PAGES[lang] / f"{job}.md"
            linked = {resolve(page, t)[0] for t in links(page.read_text())}
            assert linked & set(course_pages(lang)), f"{page.relative_to(ROOT)} does not link the course"


def test_every_relative_link_in_the_course_resolves():
    broken = []
    for lang in COURSE:
        for page in all_pages(lang):
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


def test_each_exercise_page_names_the_three_checks():
    for lang, name in EXERCISE_PAGE.items():
        text = (COURSE[lang] / name).read_text()
        for n in (1, 2, 3):
            assert f"make check EXERCISE={n}" in text, f"{lang}/{name}: `make check EXERCISE={n}` is missing"


def test_every_make_command_in_the_course_exists():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    drills = set(DRILLS) | {"all"}
    # The capstone's file runs as a job too (its `main`): make submit JOB=capstone, make report JOB=capstone.
    jobs = set(available()) | ({"capstone"} if (ROOT / "exercises" / "capstone.py").exists() else set())
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
