"""The course's notebooks on the test lab, each run top to bottom, headless (nbclient), in a kernel
set up as `make notebook` sets it up (lab.spark.jupyter.kernel_env), one kernel for them all:

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

from lab.config.paths import Paths
from lab.config.settings import ROOT
from lab.course import notebook_versions
from lab.spark.jupyter import NOTEBOOKS, kernel_env
from lab.system import httpclient
from streamlab.wait import wait_for
from tests.support import jupyter

SPANISH = NOTEBOOKS / "es"
BLOCKS = sorted(SPANISH.glob("0*.ipynb"))
INSTRUCTORS = sorted((notebook_versions.SOURCES / "es").glob("*.ipynb"))
LEARNERS = [notebook_versions.learner_path(p) for p in INSTRUCTORS]
VERDICT = re.compile(r"^tu código: (PASS|FAIL)\n(?:  Pista \((\w+)\))?", re.M)


# Before each notebook in the shared kernel: what a fresh kernel would be, but for the JVM. No
# query left running, no name left defined, the notebook's own folder, and `spark` as the startup
# file (lab.spark.jupyter.STARTUP) defines it.
FRESH = """\
from pyspark.sql import SparkSession as _S

for _q in _S.builder.getOrCreate().streams.active:
    _q.stop()
%reset -f
import os as _os

_os.chdir({folder!r})
from pyspark.sql import SparkSession as _S

spark = _S.builder.getOrCreate()
del _os, _S
"""


class Kernel:
    """One kernel, as `make notebook` sets it up (its Spark session on the lab's cluster), that runs
    the module's notebooks one after another: a Spark driver and its executor start once, not once
    per notebook. Each notebook runs top to bottom in a clean namespace, in its own folder, with a
    fresh copy of exercises/ for its save cells."""

    def __init__(self, env: dict[str, str], exercises: Path):
        self.env, self.exercises, self.km = env, exercises, None

    def run(self, path: Path):
        """Run the notebook top to bottom; the notebook with its outputs."""
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        shutil.rmtree(self.exercises, ignore_errors=True)
        shutil.copytree(ROOT / "exercises", self.exercises)
        nb = nbformat.read(path, as_version=4)
        fresh = nbformat.v4.new_code_cell(FRESH.format(folder=str(path.parent)))
        nb.cells.insert(0, fresh)
        client = NotebookClient(
            nb, km=self.km, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        )
        try:
            client.execute(env=self.env, cleanup_kc=False)
        except CellExecutionError as exc:  # the failing cell and its error, without the kernel's traceback noise
            pytest.fail(f"{path.relative_to(ROOT)}: {str(exc).strip()[-3000:]}", pytrace=False)
        finally:
            self.km = client.km
        nb.cells.remove(fresh)
        return nb

    def shutdown(self) -> None:
        from nbclient.util import ensure_async, run_sync

        async def stop(km):
            await ensure_async(km.shutdown_kernel(now=False))

        if self.km is not None and self.km.has_kernel:
            run_sync(stop)(self.km)
        self.km = None


def verdicts(nb) -> list[tuple[str, str | None]]:
    """(PASS or FAIL, the first hint's code) of each check cell, in order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and ".check(" in cell.source:
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            found += [(m.group(1), m.group(2)) for m in VERDICT.finditer(text)]
    return found


@pytest.fixture(scope="module")
def kernel(lab_up, lab_env, tmp_path_factory):
    """The module's kernel, with a copy of exercises/ for the notebooks' save cells (LAB_EXERCISES)."""
    exercises = tmp_path_factory.mktemp("notebooks") / "exercises"
    env = {**lab_env, **kernel_env(lab_up, Paths.of(lab_up)), "LAB_EXERCISES": str(exercises)}
    env.pop("LAB_LANG", None)
    shared = Kernel(env, exercises)
    try:
        yield shared
    finally:
        shared.shutdown()


@pytest.mark.parametrize("path", BLOCKS, ids=lambda p: p.name)
def test_a_block_notebook_runs_top_to_bottom_with_its_exact_checks(path, kernel):
    kernel.run(path)


@pytest.mark.parametrize("path", INSTRUCTORS, ids=lambda p: p.name)
def test_an_instructors_notebook_passes_its_checks_and_saves_the_solution(path, kernel):
    nb = kernel.run(path)
    found = verdicts(nb)
    assert found and all(v == ("PASS", None) for v in found), found
    saved = "".join(o.get("text", "") for c in nb.cells if ".save(" in c.source for o in c.outputs)
    assert "guardada en" in saved, saved


@pytest.mark.parametrize("path", LEARNERS, ids=lambda p: p.name)
def test_a_learners_untouched_notebook_runs_to_its_end_and_each_check_says_what_to_write(path, kernel):
    nb = kernel.run(path)
    found = verdicts(nb)
    assert found and all(v == ("FAIL", "todo") for v in found), found
    saved = "".join(o.get("text", "") for c in nb.cells if ".save(" in c.source for o in c.outputs)
    assert "sin guardar" in saved, saved


@pytest.fixture
def jupyterlab(lab_up, lab_env, tmp_path):
    """`python -m lab notebook` on the test lab, as `make notebook` runs it: its URL, then it is
    stopped as Ctrl-C stops it. It opens a copy of notebooks/: JupyterLab autosaves what it runs."""
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    env = {**lab_env, "LAB_NOTEBOOKS": str(tmp_path / "notebooks"), "LAB_EXERCISES": str(tmp_path / "exercises")}
    with jupyter.lab_notebook([sys.executable, "-m", "lab", "notebook"], env, ROOT) as url:
        yield url, tmp_path / "notebooks"


@pytest.mark.skipif(
    jupyter.CHROMIUM is None, reason="no Chromium: apt-get install chromium-headless-shell (.ci/run does)"
)
def test_jupyterlab_in_a_browser_runs_a_learners_exercise_and_shows_the_hint_in_spanish(kernel, jupyterlab, lab_up):
    url, folder = jupyterlab
    master_json = f"http://{lab_up.host}:{lab_up['SPARK_MASTER_UI_PORT']}/json/"
    kernel.shutdown()  # the only kernel on the cluster is to be JupyterLab's
    wait_for(
        lambda: not jupyter.kernel_apps(httpclient.get_json(master_json, 10)["activeapps"]),
        60,
        "the other notebooks' kernel to leave the cluster",
    )
    shot = Paths.of(lab_up).run / "notebook" / "jupyterlab.png"
    with jupyter.notebook_page(url, "es/ejercicio-2.ipynb", shot, focus="Pista (todo)") as page:
        master = httpclient.get_json(master_json, 10)
        jupyter.run_all_cells(page, url, timeout=300)
        saved = jupyter.saved_run(folder / "es" / "ejercicio-2.ipynb")
    # Every cell ran, and none failed: the check cell says what to write instead.
    assert not jupyter.errors(saved), jupyter.errors(saved)
    assert verdicts(saved) == [("FAIL", "todo")], verdicts(saved)
    # The kernel is on the lab's cluster, named after its notebook, with NOTEBOOK_CORES cores and a small executor.
    assert jupyter.kernel_apps(master["activeapps"]) == [jupyter.kernel_share(lab_up, "ejercicio-2.ipynb")], master
    assert Path(shot).stat().st_size > 10_000
