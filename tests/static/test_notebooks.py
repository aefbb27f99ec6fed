"""The course's notebooks (notebooks/es, notebooks/en) as files: what can be checked without a lab.

- They are committed without outputs: no outputs and no execution counts in any code cell (the
  integration tests run them against a real lab; a committed output would be stale at once).
- Each is a valid nbformat v4 notebook with the `python3` kernel.
- Spanish and English come in pairs (NAMES), with the same cells in the same order: the English
  notebooks say what the Spanish ones say.
- Every code cell compiles.

The notebooks are read as JSON, so the outputs check runs even where nbformat is not installed.
"""

import json

import pytest

from lab.notebook import NOTEBOOKS, course_notebooks
from lab.settings import ROOT

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
PAIRS = [(NOTEBOOKS / "es" / f"{es}.ipynb", NOTEBOOKS / "en" / f"{en}.ipynb") for es, en in NAMES.items()]


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def source(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def test_the_spanish_and_english_notebooks_are_the_same_set():
    found = {p.relative_to(NOTEBOOKS).as_posix() for p in course_notebooks()}
    expected = {f"es/{es}.ipynb" for es in NAMES} | {f"en/{en}.ipynb" for en in NAMES.values()}
    assert found == expected, f"missing: {sorted(expected - found)}; not in NAMES: {sorted(found - expected)}"


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_no_outputs_are_committed(path):
    cells = read(path)["cells"]
    with_outputs = [i for i, cell in enumerate(cells) if cell.get("outputs") or cell.get("execution_count") is not None]
    assert not with_outputs, (
        f"{path.relative_to(ROOT)}: cells {with_outputs} have outputs or an execution count; clear them "
        "before committing (JupyterLab: Edit > Clear Outputs of All Cells, then save)"
    )


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_every_notebook_is_valid_nbformat_4_with_the_python3_kernel(path):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed: the notebooks' schema is unchecked")
    notebook = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    assert notebook.nbformat == 4
    nbformat.validate(notebook)
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_every_code_cell_compiles(path):
    for i, cell in enumerate(code_cells(read(path))):
        compile(source(cell), f"{path.relative_to(ROOT)} (cell {i})", "exec")


@pytest.mark.parametrize("es, en", PAIRS, ids=list(NAMES))
def test_the_english_notebook_has_the_spanish_ones_cells(es, en):
    kinds = [[c["cell_type"] for c in read(p)["cells"]] for p in (es, en)]
    assert kinds[0] == kinds[1], f"{en.name} does not follow {es.name} cell by cell"
