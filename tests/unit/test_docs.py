"""Docs that are generated from code stay true, and every job has its pages."""

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
