"""The jobs catalog: every `jobs/<name>.py` is a job; its docstring's first line describes it."""

from __future__ import annotations

import ast
from pathlib import Path

from lab.paths import JOBS_DIR


def available(jobs_dir: Path = JOBS_DIR) -> dict[str, str]:
    """name -> one-line summary, sorted by name. Files starting with `_` are not jobs."""
    jobs = {}
    for path in sorted(jobs_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        jobs[path.stem] = doc.strip().splitlines()[0] if doc.strip() else ""
    return jobs


def path_of(name: str, jobs_dir: Path = JOBS_DIR, private: bool = False) -> Path | None:
    """The job's file, or None. `private` also finds the lab's own `_`-files (the bench's stages),
    which drills and the bench run but users are not offered."""
    if not name or not name.isidentifier() or (name.startswith("_") and not private):
        return None
    path = jobs_dir / f"{name}.py"
    return path if path.exists() else None
