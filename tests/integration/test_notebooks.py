"""The course's notebooks on the test lab, each run top to bottom, headless (nbclient), in a kernel
set up as `make notebook` sets it up (lab.notebook.kernel_env):

- the block notebooks, whose exact checks (lab.course's `expect`) raise on a wrong result;
- the instructors' exercise notebooks, whose check cells must all say PASS;
- the learners' exercise notebooks as a learner gets them, whose check cells must all say FAIL,
  with the hint for a function not written yet (`todo`), and run on to the end.

The Spanish ones run: the English ones run the same code (tests/static/test_notebooks.py). Their
save cells write into a copy of exercises/ (LAB_EXERCISES). And `make notebook`'s JupyterLab, driven
by a real browser (Debian's headless Chromium), runs a learner's exercise notebook from the menu
as a learner does, and shows the check cell's hint in Spanish."""

import re
import shutil
import sys
from pathlib import Path

import pytest

from lab import httpclient, notebook, notebook_versions
from lab.paths import Paths
from lab.settings import ROOT
from tests.support import jupyter

SPANISH = notebook.NOTEBOOKS / "es"
BLOCKS = sorted(SPANISH.glob("0*.ipynb"))
INSTRUCTORS = sorted((notebook_versions.SOURCES / "es").glob("*.ipynb"))
LEARNERS = [notebook_versions.learner_path(p) for p in INSTRUCTORS]
VERDICT = re.compile(r"^tu código: (PASS|FAIL)\n(?:  Pista \((\w+)\))?", re.M)


def run(path: Path, env: dict[str, str]):
    """Run the notebook top to bottom in its own folder; the notebook with its outputs."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=env)
    except CellExecutionError as exc:  # the failing cell and its error, without the kernel's traceback noise
        pytest.fail(f"{path.relative_to(ROOT)}: {str(exc).strip()[-3000:]}", pytrace=False)
    return nb


def verdicts(nb) -> list[tuple[str, str | None]]:
    """(PASS or FAIL, the first hint's code) of each check cell, in order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and ".check(" in cell.source:
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            found += [(m.group(1), m.group(2)) for m in VERDICT.finditer(text)]
    return found


@pytest.fixture
def kernel_env(lab_up, lab_env, tmp_path):
    """The kernels' environment, with a copy of exercises/ for the notebooks' save cells."""
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    env = {**lab_env, **notebook.kernel_env(lab_up, Paths.of(lab_up)), "LAB_EXERCISES": str(tmp_path / "exercises")}
    env.pop("LAB_LANG", None)
    return env


@pytest.mark.parametrize("path", BLOCKS, ids=lambda p: p.name)
def test_a_block_notebook_runs_top_to_bottom_with_its_exact_checks(path, kernel_env):
    run(path, kernel_env)


@pytest.mark.parametrize("path", INSTRUCTORS, ids=lambda p: p.name)
def test_an_instructors_notebook_passes_its_checks_and_saves_the_solution(path, kernel_env):
    nb = run(path, kernel_env)
    found = verdicts(nb)
    assert found and all(v == ("PASS", None) for v in found), found
    saved = "".join(o.get("text", "") for c in nb.cells if ".save(" in c.source for o in c.outputs)
    assert "guardada en" in saved, saved


@pytest.mark.parametrize("path", LEARNERS, ids=lambda p: p.name)
def test_a_learners_untouched_notebook_runs_to_its_end_and_each_check_says_what_to_write(path, kernel_env):
    nb = run(path, kernel_env)
    found = verdicts(nb)
    assert found and all(v == ("FAIL", "todo") for v in found), found
    saved = "".join(o.get("text", "") for c in nb.cells if ".save(" in c.source for o in c.outputs)
    assert "sin guardar" in saved, saved


@pytest.fixture
def jupyterlab(lab_up, lab_env, tmp_path):
    """`python -m lab notebook` on the test lab, as `make notebook` runs it: its URL, then it is
    stopped as Ctrl-C stops it. It opens a copy of notebooks/: JupyterLab autosaves what it runs."""
    shutil.copytree(notebook.NOTEBOOKS, tmp_path / "notebooks")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    env = {**lab_env, "LAB_NOTEBOOKS": str(tmp_path / "notebooks"), "LAB_EXERCISES": str(tmp_path / "exercises")}
    with jupyter.lab_notebook([sys.executable, "-m", "lab", "notebook"], env, ROOT) as url:
        yield url, tmp_path / "notebooks"


@pytest.mark.skipif(
    jupyter.CHROMIUM is None, reason="no Chromium: apt-get install chromium-headless-shell (.ci/run does)"
)
def test_jupyterlab_in_a_browser_runs_a_learners_exercise_and_shows_the_hint_in_spanish(jupyterlab, lab_up):
    url, folder = jupyterlab
    shot = Paths.of(lab_up).run / "notebook" / "jupyterlab.png"
    with jupyter.notebook_page(url, "es/ejercicio-2.ipynb", shot, focus="Pista (todo)") as page:
        master = httpclient.get_json(f"http://{lab_up.host}:{lab_up['SPARK_MASTER_UI_PORT']}/json/", 10)
        jupyter.run_all_cells(page, url, timeout=300)
        saved = jupyter.saved_run(folder / "es" / "ejercicio-2.ipynb")
    # Every cell ran, and none failed: the check cell says what to write instead.
    assert not jupyter.errors(saved), jupyter.errors(saved)
    assert verdicts(saved) == [("FAIL", "todo")], verdicts(saved)
    # The kernel is on the lab's cluster, named after its notebook, with NOTEBOOK_CORES cores and a small executor.
    assert jupyter.kernel_apps(master["activeapps"]) == [jupyter.kernel_share(lab_up, "ejercicio-2.ipynb")], master
    assert Path(shot).stat().st_size > 10_000
