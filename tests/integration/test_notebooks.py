"""The course's notebooks on the test lab: each runs top to bottom, headless (nbclient), in a kernel
set up as `make notebook` sets it up (lab.notebook.kernel_env), with the assertions in its cells;
and `make notebook`'s JupyterLab, driven by a real browser (Debian's headless Chromium), runs a
notebook's first cell."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lab import notebook
from lab.paths import Paths
from lab.settings import ROOT
from streamlab.wait import wait_for

NOTEBOOKS = sorted(notebook.NOTEBOOKS.rglob("*.ipynb"))
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
# As this machine's probe found: without these, Chromium's background connections to Google's
# hosts are refused, many at a time, by a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab", "notebook"],
        cwd=ROOT,
        env={**lab_env, "LAB_NOTEBOOKS": str(tmp_path / "notebooks")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []

    def the_url():
        line = proc.stdout.readline()
        lines.append(line)
        if proc.poll() is not None and not line:
            raise AssertionError("lab notebook ended:\n" + "".join(lines))
        m = re.search(r"JupyterLab on the lab: (\S+)", line)
        return m and m.group(1)

    try:
        yield wait_for(the_url, 180, "lab notebook to print JupyterLab's URL")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C
        try:
            assert proc.wait(60) == 0, "".join(lines) + proc.stdout.read()
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise


def kernel_ready(lab_url: str) -> bool:
    """A kernel is idle, with the page connected to it (JupyterLab's REST API)."""
    from lab import httpclient

    kernels = httpclient.get_json(lab_url.replace("/lab?", "/api/kernels?"), 5)
    return any(k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: apt-get install chromium-headless-shell (.ci/run does)")
def test_jupyterlab_in_a_browser_runs_a_notebooks_first_cell(jupyterlab, lab_up):
    from playwright.sync_api import sync_playwright

    name = "es/ejercicio-2.ipynb"
    shot = Paths.of(lab_up).run / "notebook" / "jupyterlab.png"
    url = jupyterlab.replace("/lab?", f"/lab/tree/{name}?")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url, timeout=120_000)
            # The kernel is ready once it has made `spark` (its startup script) and the page is connected
            # to it: the server says so. A cell run before that may be lost.
            wait_for(lambda: kernel_ready(jupyterlab), 180, "the notebook's kernel to start and connect", interval=1)
            first = page.locator(".jp-Notebook .jp-CodeCell").first
            first.locator(".cm-content").click()
            page.keyboard.press("Shift+Enter")
            first.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for(timeout=180_000)
            output = first.locator(".jp-OutputArea").inner_text()
            # The cell prints Spark's master: the lab's, not a local one; and no error.
            assert f"spark://{lab_up.host}:{lab_up['SPARK_MASTER_PORT']}" in output, output
            assert "Error" not in output, output
        finally:
            shot.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # the cell and its output in view, if it got that far
                page.locator(".jp-Notebook .jp-CodeCell").first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(shot))  # also when it failed: what the browser showed
            browser.close()
    assert Path(shot).stat().st_size > 10_000
