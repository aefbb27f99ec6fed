"""The jobs catalog: every `jobs/<name>.py` is a job; its docstring's first line describes it, and
src/lab/messages/jobs.toml holds that line in both languages (a job it does not know, one a
learner adds, is described by its docstring alone). The course's capstone, `exercises/capstone.py`,
and exercise 4's pipeline, `exercises/ex4_pipeline.py`, run as jobs too (`make submit JOB=capstone`,
`make submit JOB=pipeline`), though `make jobs` does not list them: they are the learner's to write."""

from __future__ import annotations

import ast
from pathlib import Path

from lab.config.paths import JOBS_DIR, ROOT
from lab.errors import UsageError
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")
SUMMARIES = Catalogue.load("lab", "jobs")

# Exercises that run as jobs: name -> file.
EXERCISE_JOBS = {"capstone": ROOT / "exercises" / "capstone.py", "pipeline": ROOT / "exercises" / "ex4_pipeline.py"}


def docstring_summary(path: Path) -> str:
    """The first line of a job file's docstring ('' without one)."""
    doc = (ast.get_docstring(ast.parse(path.read_text())) or "").strip()
    return doc.splitlines()[0] if doc else ""


def driver_java_options(path: Path) -> list[str]:
    """The JVM options a job's file asks for its driver alone: a top-level string constant
    DRIVER_JAVA_OPTIONS (jobs/realtime.py), split on spaces; [] without one, without the file, or
    for a file Python cannot parse (a learner's: running it will say why, in Python's words)."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, ValueError):
        return []
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["DRIVER_JAVA_OPTIONS"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value.split()
    return []


def available(jobs_dir: Path = JOBS_DIR, lang: str | None = None) -> dict[str, str]:
    """name -> one-line summary in `lang` (default: the process's language), sorted by name. Files
    starting with `_` are not jobs."""
    jobs = {}
    for path in sorted(jobs_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        jobs[path.stem] = SUMMARIES.text(path.stem, lang) if path.stem in SUMMARIES else docstring_summary(path)
    return jobs


def path_of(name: str, jobs_dir: Path = JOBS_DIR, private: bool = False) -> Path | None:
    """The job's file, or None. `private` also finds the lab's own `_`-files (the bench's stages),
    which drills and the bench run but users are not offered."""
    if not name or not name.isidentifier() or (name.startswith("_") and not private):
        return None
    if name in EXERCISE_JOBS and jobs_dir == JOBS_DIR:
        return EXERCISE_JOBS[name]
    path = jobs_dir / f"{name}.py"
    return path if path.exists() else None


def unknown(name: str) -> str:
    """The one line an unknown job name gets, wherever it is given."""
    return MESSAGES("unknown_job", name=name, jobs=", ".join(available()))


def require(name: str, job_args: list[str], private: bool = False) -> Path:
    """The job's file once its name and common options are valid. An unknown name raises
    UsageError(unknown(name)); a bad common option exits 2 with one line, before any JVM starts."""
    from streamlab import options

    path = path_of(name, private=private)
    if path is None:
        raise UsageError(unknown(name))
    options.parser(name).parse_known_args(job_args)
    return path


def checked(name: str, job_args: list[str], private: bool = False) -> Path | None:
    """`require` for a command that says an unknown name itself: it prints `unknown(name)` to
    stderr, as it is, and returns None (exit 2 for the caller)."""
    import sys

    try:
        return require(name, job_args, private)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return None
