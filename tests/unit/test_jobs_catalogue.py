"""`make jobs` in both languages: every job has its summary in src/lab/messages/jobs.toml, whose
English text is the job's docstring's first line (lab.spark.jobs)."""

from lab.config.paths import JOBS_DIR
from lab.spark import jobs
from tests.support.language import english_lines


def job_files():
    return sorted(p for p in JOBS_DIR.glob("*.py") if not p.name.startswith("_"))


def test_every_job_has_a_summary_in_both_languages_and_the_english_is_its_docstring():
    assert len(job_files()) >= 10, "has jobs/ moved?"
    for path in job_files():
        assert path.stem in jobs.SUMMARIES, f"jobs.toml has no [{path.stem}]"
        assert jobs.SUMMARIES.text(path.stem, "en") == jobs.docstring_summary(path), (
            f"[{path.stem}]'s English is not the first line of {path.name}'s docstring"
        )
        assert jobs.SUMMARIES.text(path.stem, "es") != jobs.SUMMARIES.text(path.stem, "en"), path.stem
    assert set(jobs.SUMMARIES) == {p.stem for p in job_files()}, "a summary for a job that does not exist"


def test_make_jobs_lists_the_summaries_in_the_learners_language():
    es, en = jobs.available(lang="es"), jobs.available(lang="en")
    assert list(es) == list(en) == [p.stem for p in job_files()]
    assert es["windowing"].startswith("Ventanas: cuenta eventos")
    assert english_lines("\n".join(es.values())) == []


def test_a_job_the_catalogue_does_not_know_is_described_by_its_docstring(tmp_path):
    (tmp_path / "mine.py").write_text('"""My job: counts what I want."""\n')
    assert jobs.available(tmp_path, lang="es") == {"mine": "My job: counts what I want."}
