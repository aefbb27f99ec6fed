"""The course's box of operations a stream does not support quotes what Spark says, so it cannot go
stale: this runs the code the pages show (block 3's "predict, then run" and its going-further page's
examples), in Spanish and English, on a local SparkSession, and compares each error's first line
with the one the page quotes, and block 3's box with the errors' conditions and first sentences."""

import re

import pytest

from lab.config.settings import ROOT

COURSE = {"es": ROOT / "docs" / "es" / "curso", "en": ROOT / "docs" / "course"}
# (page, the heading its examples are under), per language: block 3 and its going-further page.
BLOCK = {
    "es": ("03-operaciones.md", "6. Los límites de un stream"),
    "en": ("03-operations.md", "6. The limits of a stream"),
}
FURTHER = {
    "es": ("profundizar/03-operaciones.md", "Operaciones no soportadas en un stream"),
    "en": ("going-further/03-operations.md", "Operations a stream does not support"),
}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
QUOTED_ERROR = re.compile(r"^\w+(Exception|Error): ")


def section(lang: str, where: dict) -> str:
    page, heading = where[lang]
    text = (COURSE[lang] / page).read_text()
    start = text.index(f"\n## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def examples(text: str) -> list[tuple[str, str | None]]:
    """The section's Python blocks, each with the error quoted in the text block right after it
    (None for a block that sets things up)."""
    fences = [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]
    found = []
    for i, (lang, code) in enumerate(fences):
        if lang != "python":
            continue
        after = fences[i + 1] if i + 1 < len(fences) else ("", "")
        quoted = after[1].strip() if after[0] == "text" and QUOTED_ERROR.match(after[1]) else None
        found.append((code, quoted))
    return found


def first_sentence(message: str) -> str:
    """An error message's first sentence, without its `[CONDITION] ` prefix."""
    return re.split(r"[,;.](?=\s|$)", re.sub(r"^\[[A-Z_.]+\] ", "", message), maxsplit=1)[0]


def run(spark, code: str, namespace: dict) -> Exception | None:
    """Run a page's code as a learner runs it in a notebook: Spark's analysis error, or None."""
    from pyspark.errors import AnalysisException

    try:
        exec(code, namespace)
    except AnalysisException as error:
        return error
    finally:
        for query in spark.streams.active:
            query.stop()
    return None


def box(lang: str) -> list[tuple[str, str]]:
    """Block 3's box: (condition, first sentence) per row."""
    rows = []
    for line in section(lang, BLOCK).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) == 3 and cells[1].startswith("`"):
            rows.append((cells[1].strip("`"), cells[2].strip("`").strip()))
    return rows


@pytest.mark.parametrize("lang", sorted(COURSE))
def test_the_pages_quote_what_spark_answers_to_each_unsupported_operation(spark, lang, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a sink that Spark no longer refused would write here
    answers = []
    for where in (BLOCK, FURTHER):
        namespace = {"spark": spark}
        cases = examples(section(lang, where))
        assert any(quoted for _, quoted in cases), f"{lang}: no quoted error under {where[lang]}"
        for code, quoted in cases:
            error = run(spark, code, namespace)
            if quoted is None:
                assert error is None, f"{lang}: the setup block failed: {error}"
                continue
            assert error is not None, f"{lang}: Spark now accepts this, which the page says it refuses:\n{code}"
            said = f"{type(error).__name__}: {str(error).splitlines()[0]}"
            assert said == quoted, f"{lang}: the page quotes\n  {quoted}\nSpark says\n  {said}"
            if where is FURTHER:
                answers.append((error.getCondition(), first_sentence(str(error).splitlines()[0])))
    assert box(lang) == answers, (
        f"{lang}: block 3's box must list each example's condition and first sentence, in order"
    )
