"""The learners' exercise notebooks, generated from the instructors': one source, two versions,
so they can never drift.

The source is instructors/notebooks/<lang>/<name>.ipynb: the notebook a teacher runs, solutions
in. A solution sits between two marker lines, as nbgrader and otter-grader mark them:

    def windowed_counts(page_views):
        # BEGIN SOLUTION
        return ...
        # END SOLUTION

and, in a Markdown cell, between `<!-- BEGIN SOLUTION -->` and `<!-- END SOLUTION -->`.
`learner(notebook, lang)` is the same notebook with each solution replaced by a placeholder in
the notebook's language (a comment, and in code `raise NotImplementedError(...)`, at the
solution's indentation), and the markers gone; notebooks/<lang>/<name>.ipynb holds it.
`make generate` writes them (lab.generated); tests/static/test_notebooks.py checks that they are
up to date and hold no solution.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lab.config.settings import ROOT
from streamlab.i18n import Catalogue

SOURCES = ROOT / "instructors" / "notebooks"
LEARNERS = ROOT / "notebooks"
TEXTS = Catalogue.load("lab", "course")
CODE = re.compile(r"^([ \t]*)# BEGIN SOLUTION[^\n]*\n.*?^[ \t]*# END SOLUTION[^\n]*(?:\n|$)", re.S | re.M)
PROSE = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->\n?", re.S)


def sources() -> list[Path]:
    return sorted(SOURCES.glob("*/*.ipynb"))


def learner_path(source: Path) -> Path:
    return LEARNERS / source.parent.name / source.name


def _text(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def learner(notebook: dict, lang: str) -> dict:
    """The learner's version of an instructor's notebook (see the module's doc)."""
    cells = []
    for cell in notebook["cells"]:
        text = _text(cell)
        if cell["cell_type"] == "code":

            def placeholder(m: re.Match) -> str:
                indent, todo = m.group(1), TEXTS.text("placeholder_code", lang)
                error = json.dumps(TEXTS.text("placeholder_error", lang), ensure_ascii=False)
                return f"{indent}# {todo}\n{indent}raise NotImplementedError({error})\n"

            text = CODE.sub(placeholder, text)
        elif cell["cell_type"] == "markdown":
            text = PROSE.sub(TEXTS.text("placeholder_prose", lang) + "\n", text)
        cells.append({**cell, "source": text.rstrip("\n").splitlines(keepends=True)})
    return {**notebook, "cells": cells}


def dumps(notebook: dict) -> str:
    """A notebook as JupyterLab saves it (indent 1, a newline at the end)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def render_all() -> dict[Path, str]:
    """{learner notebook: its text} for every instructor's notebook."""
    out = {}
    for source in sources():
        notebook = json.loads(source.read_text(encoding="utf-8"))
        out[learner_path(source)] = dumps(learner(notebook, source.parent.name))
    return out


def solutions(notebook: dict) -> list[str]:
    """The marked solutions in a notebook (empty in a learner's)."""
    found = []
    for cell in notebook["cells"]:
        found += [m.group(0) for m in CODE.finditer(_text(cell))] + PROSE.findall(_text(cell))
    return found
