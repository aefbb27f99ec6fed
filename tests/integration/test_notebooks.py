"""The course's notebooks on the test lab: each runs top to bottom, headless (nbclient), in a kernel
set up as `make notebook` sets it up (lab.notebook.kernel_env), with the assertions in its cells;
and `make notebook`'s JupyterLab, driven by a real browser (Debian's headless Chromium), runs a
notebook's first cell."""

import shutil
import sys
from pathlib import Path

import pytest

from lab import httpclient, notebook
from lab.paths import Paths
from lab.settings import ROOT
from tests.support import jupyter

NOTEBOOKS = notebook.course_notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(notebook.NOTEBOOKS)))
def test_the_notebook_runs_top_to_bottom_on_the_lab(path, lab_up, lab_env):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    env = {**lab_env, **notebook.kernel_env(lab_up, Paths.of(lab_up))}
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=env)
    except CellExecutionError as exc:  # the failing cell and its error, without the kernel's traceback noise
        pytest.fail(f"{path.relative_to(ROOT)}: {str(exc).strip()[-3000:]}", pytrace=False)


@pytest.fixture
def jupyterlab(lab_up, lab_env, tmp_path):
    """`python -m lab notebook` on the test lab, as `make notebook` runs it: its URL, then it is
    stopped as Ctrl-C stops it. It opens a copy of notebooks/: JupyterLab autosaves what it runs."""
    shutil.copytree(notebook.NOTEBOOKS, tmp_path / "notebooks")
    env = {**lab_env, "LAB_NOTEBOOKS": str(tmp_path / "notebooks")}
    with jupyter.lab_notebook([sys.executable, "-m", "lab", "notebook"], env, ROOT) as url:
        yield url


@pytest.mark.skipif(
    jupyter.CHROMIUM is None, reason="no Chromium: apt-get install chromium-headless-shell (.ci/run does)"
)
def test_jupyterlab_in_a_browser_runs_a_notebooks_first_cell(jupyterlab, lab_up):
    shot = Paths.of(lab_up).run / "notebook" / "jupyterlab.png"
    with jupyter.notebook_page(jupyterlab, "es/ejercicio-2.ipynb", shot) as page:
        output = jupyter.run_first_cell(page)
        master = httpclient.get_json(f"http://{lab_up.host}:{lab_up['SPARK_MASTER_UI_PORT']}/json/", 10)
    # The cell prints Spark's master: the lab's, not a local one; and no error.
    assert f"spark://{lab_up.host}:{lab_up['SPARK_MASTER_PORT']}" in output, output
    assert "Error" not in output, output
    # The kernel's application is named after its notebook, and holds NOTEBOOK_CORES cores, small executors.
    assert jupyter.kernel_apps(master["activeapps"]) == [jupyter.kernel_share(lab_up, "ejercicio-2.ipynb")], master
    assert Path(shot).stat().st_size > 10_000
