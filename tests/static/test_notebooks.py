"""The course's notebooks as files: what can be checked without a lab.

- The learners' notebooks (notebooks/es, notebooks/en) and the instructors' sources of the exercise
  notebooks (instructors/notebooks/es, .../en) are committed without outputs, valid nbformat v4 with
  the `python3` kernel, and every code cell compiles.
- Spanish and English come in pairs (NAMES), cell by cell, and run the very same code: the same
  Python, comments and docstrings aside. So running one language's notebooks on the lab (the
  integration tests run the Spanish ones) runs the other's too; their texts come from lab.course's
  catalogue, in the notebook's language.
- The learners' exercise notebooks are generated from the instructors' (lab.course.notebook_versions) and
  up to date; they hold no solution: no marked one, and (the issue's own test) no cell of the
  exercise 2 notebook holds a watermark on event_time with a 5-minute window on event_time grouped
  by country, and no cell of the capstone's joins orders with payments.

The notebooks are read as JSON, so most checks run even where nbformat is not installed.
"""

import ast
import json
import re

import pytest

from lab.config.settings import ROOT
from lab.course import notebook_versions
from lab.spark.jupyter import NOTEBOOKS
from tests.support.jupyter import course_notebooks

# Spanish name -> English name: one notebook per block of the course and one per exercise.
NAMES = {
    "01-introduccion": "01-introduction",
    "02-fuentes-y-sinks": "02-sources-and-sinks",
    "03-operaciones": "03-operations",
    "04-monitoreo-y-optimizacion": "04-monitoring-and-optimization",
    "ejercicio-1": "exercise-1",
    "ejercicio-2": "exercise-2",
    "ejercicio-3": "exercise-3",
    "proyecto-final": "capstone",
}
EXERCISES = ("ejercicio-1", "ejercicio-2", "ejercicio-3", "proyecto-final")
INSTRUCTORS = notebook_versions.SOURCES
ALL = [*course_notebooks(), *notebook_versions.sources()]


def pairs(folder):
    return [(folder / "es" / f"{es}.ipynb", folder / "en" / f"{en}.ipynb") for es, en in NAMES.items()]


PAIRS = [*pairs(NOTEBOOKS), *(p for p in pairs(INSTRUCTORS) if p[0].stem in EXERCISES)]


def label(path):
    return path.relative_to(ROOT).as_posix()


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def source(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def without_docstrings(code: str) -> str:
    """The code's syntax tree, docstrings left out (comments never are in it)."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


def test_the_spanish_and_english_notebooks_are_the_same_set():
    found = {p.relative_to(NOTEBOOKS).as_posix() for p in course_notebooks()}
    expected = {f"es/{es}.ipynb" for es in NAMES} | {f"en/{en}.ipynb" for en in NAMES.values()}
    assert found == expected, f"missing: {sorted(expected - found)}; not in NAMES: {sorted(found - expected)}"
    sources = {p.relative_to(INSTRUCTORS).as_posix() for p in notebook_versions.sources()}
    wanted = {f"es/{es}.ipynb" for es in EXERCISES} | {f"en/{NAMES[es]}.ipynb" for es in EXERCISES}
    assert sources == wanted, f"the instructors' exercise notebooks: {sorted(sources)}"


@pytest.mark.parametrize("path", ALL, ids=label)
def test_no_outputs_are_committed(path):
    cells = read(path)["cells"]
    with_outputs = [i for i, cell in enumerate(cells) if cell.get("outputs") or cell.get("execution_count") is not None]
    assert not with_outputs, (
        f"{label(path)}: cells {with_outputs} have outputs or an execution count; clear them "
        "before committing (JupyterLab: Edit > Clear Outputs of All Cells, then save)"
    )


@pytest.mark.parametrize("path", ALL, ids=label)
def test_every_notebook_is_valid_nbformat_4_with_the_python3_kernel(path):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed: the notebooks' schema is unchecked")
    notebook = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    assert notebook.nbformat == 4
    nbformat.validate(notebook)
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", ALL, ids=label)
def test_every_code_cell_compiles(path):
    for i, cell in enumerate(code_cells(read(path))):
        compile(source(cell), f"{label(path)} (cell {i})", "exec")


@pytest.mark.parametrize("es, en", PAIRS, ids=lambda p: label(p))
def test_the_english_notebook_has_the_spanish_ones_cells_and_runs_the_same_code(es, en):
    cells = [read(p)["cells"] for p in (es, en)]
    kinds = [[c["cell_type"] for c in nb] for nb in cells]
    assert kinds[0] == kinds[1], f"{en.name} does not follow {es.name} cell by cell"
    if es.parent.parent == NOTEBOOKS and es.stem in EXERCISES:
        return  # generated: their sources are compared
    for i, (a, b) in enumerate(zip(*(code_cells({"cells": nb}) for nb in cells), strict=True)):
        assert without_docstrings(source(a)) == without_docstrings(source(b)), (
            f"{es.name} and {en.name}: code cell {i} differs beyond comments and docstrings:\n"
            f"{source(a)}\n---\n{source(b)}"
        )


def test_the_learners_exercise_notebooks_are_generated_from_the_instructors_and_up_to_date():
    rendered = notebook_versions.render_all()
    assert len(rendered) == 2 * len(EXERCISES)
    stale = [label(path) for path, text in rendered.items() if path.read_text(encoding="utf-8") != text]
    assert not stale, f"out of date: {stale}; run `make generate`"


def test_the_instructors_notebooks_mark_a_solution_and_the_learners_hold_none():
    for source_path in notebook_versions.sources():
        assert notebook_versions.solutions(read(source_path)), f"{label(source_path)} marks no solution"
    for path in course_notebooks():
        assert not notebook_versions.solutions(read(path)), f"{label(path)} holds a marked solution"


def mentions(code: str, *patterns: str) -> bool:
    flat = re.sub(r"\s+", "", code)
    return all(re.search(p, flat) for p in patterns)


def test_no_learners_notebook_gives_exercise_2s_answer():
    for path in course_notebooks():
        for i, cell in enumerate(code_cells(read(path))):
            code = source(cell)
            answer = mentions(
                code,
                r"withWatermark\(['\"]event_time['\"]",
                r"window\(['\"]event_time['\"],['\"]5minutes?['\"]\)",
                r"groupBy\(.*?['\"]country['\"]",
            )
            assert not answer, f"{label(path)}, code cell {i}, holds exercise 2's answer"


def test_the_capstones_learner_notebooks_do_not_join_orders_with_payments():
    for name in ("es/proyecto-final.ipynb", "en/capstone.ipynb"):
        for i, cell in enumerate(code_cells(read(NOTEBOOKS / name))):
            assert not re.search(r"\.join\(", source(cell)), f"notebooks/{name}, code cell {i}, joins"


def test_the_check_sees_an_answer_and_a_join():
    assert mentions(
        'df.withWatermark("event_time", "10 minutes")\n .groupBy(window("event_time", "5 minutes"), "country")',
        r"withWatermark\(['\"]event_time['\"]",
        r"window\(['\"]event_time['\"],['\"]5minutes?['\"]\)",
        r"groupBy\(.*?['\"]country['\"]",
    )
    assert without_docstrings('def f():\n    """uno"""\n    return 1  # a') == without_docstrings(
        'def f():\n    """one"""\n    return 1'
    )
