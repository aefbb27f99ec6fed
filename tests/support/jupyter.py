"""`make notebook` as a learner meets it, for the notebook tests of both runtimes: the command
started and its URL read from what it prints, then stopped as Ctrl-C stops it; and JupyterLab
driven by a real browser (Debian's headless Chromium, through Playwright), clicking what a
person clicks."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import nbformat

from lab.spark.jupyter import NOTEBOOKS
from lab.system import httpclient
from streamlab.i18n import LANGUAGES, Catalogue
from streamlab.wait import wait_for
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS


def url_line() -> re.Pattern:
    """`make notebook`'s line with JupyterLab's URL, in either language (src/lab/messages/notebook.toml)."""
    catalogue = Catalogue.load("lab", "notebook")
    heads = [re.escape(catalogue.messages["url"][lang].split("{url}")[0]) for lang in LANGUAGES]
    return re.compile(f"(?:{'|'.join(heads)})" + r"(\S+)")


@contextlib.contextmanager
def lab_notebook(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 180):
    """Run `cmd` (`python -m lab notebook`, maybe inside a namespace) and yield JupyterLab's URL
    once it prints it; then stop it as a terminal's Ctrl-C does, and require exit 0."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    lines = []
    pattern = url_line()

    def the_url():
        line = proc.stdout.readline()
        lines.append(line)
        if proc.poll() is not None and not line:
            raise AssertionError("lab notebook ended:\n" + "".join(lines))
        m = pattern.search(line)
        return m and m.group(1)

    try:
        yield wait_for(the_url, timeout, "lab notebook to print JupyterLab's URL")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            assert proc.wait(90) == 0, "".join(lines) + proc.stdout.read()
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise


def kernels(lab_url: str) -> list[dict]:
    """The server's kernels (JupyterLab's REST API)."""
    return httpclient.get_json(lab_url.replace("/lab?", "/api/kernels?"), 5)


def kernel_ready(lab_url: str) -> bool:
    """A kernel is idle, with the page connected to it."""
    return any(k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels(lab_url))


@contextlib.contextmanager
def notebook_page(lab_url: str, name: str, shot: Path, focus: str | None = None):
    """A browser page on notebook `name` (a path under JupyterLab's root), yielded once its kernel
    has started (made `spark`) and the page is connected to it: a cell run before may be lost. At
    the end, also on failure, a screenshot of what the browser shows goes to `shot`: the first
    code cell in view, or the output that shows the text `focus`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(lab_url.replace("/lab?", f"/lab/tree/{name}?"), timeout=120_000)
            wait_for(lambda: kernel_ready(lab_url), 180, "the notebook's kernel to start and connect", interval=1)
            yield page
        finally:
            shot.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # the cell and its output in view, if it got that far
                cell = page.locator(".jp-Notebook .jp-CodeCell", has_text=focus).last if focus else first_cell(page)
                cell.evaluate("e => e.scrollIntoView({block: 'center'})")
            page.screenshot(path=str(shot))
            browser.close()


def first_cell(page):
    return page.locator(".jp-Notebook .jp-CodeCell").first


def run_first_cell(page) -> str:
    """Click into the first code cell, Shift+Enter, and return its output's text once it has run."""
    cell = first_cell(page)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    cell.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for(timeout=180_000)
    return cell.locator(".jp-OutputArea").inner_text()


def run_all_cells(page, lab_url: str, timeout: float) -> None:
    """Run ▸ Run All Cells, from the menu bar; return once no cell is queued or running ([*]) and
    the kernel is idle: all ran, or one failed and JupyterLab dropped the rest. Then File ▸ Save."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    running = page.locator(".jp-Notebook .jp-InputArea-prompt", has_text="[*]")
    wait_for(lambda: running.count() > 0, 30, "Run All Cells to start running cells", interval=0.2)

    def finished():
        return running.count() == 0 and all(k["execution_state"] == "idle" for k in kernels(lab_url))

    wait_for(finished, timeout, "the notebook's cells to finish running", interval=1)
    page.keyboard.press("Control+s")


def saved_run(path: Path, timeout: float = 60) -> nbformat.NotebookNode:
    """The notebook as JupyterLab saved it after a run: once every code cell has an execution count
    or one holds an error (it stopped there)."""

    def ran():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        failed = any(o.output_type == "error" for c in code for o in c.outputs)
        return (failed or all(c.execution_count for c in code)) and nb

    return wait_for(ran, timeout, f"JupyterLab to save {path.name} with its outputs", interval=0.5)


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """Each code cell that did not run, or failed: its number and why."""
    problems = []
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        for out in cell.outputs:
            if out.output_type == "error":
                problems.append(f"code cell {i + 1}: {out.ename}: {out.evalue}"[:500])
        if not cell.execution_count:
            problems.append(f"code cell {i + 1} did not run")
    return problems


def kernel_apps(active_apps: list[dict]) -> list[tuple[str, int, int]]:
    """The notebook kernels among the master's active applications (its /json/ `activeapps`):
    name, cores and MB per executor."""
    return [(a["name"], a["cores"], a["memoryperexecutor"]) for a in active_apps if a["name"].startswith("notebook")]


def kernel_share(settings, notebook_name: str) -> tuple[str, int, int]:
    """What one open kernel of `notebook_name` should hold: NOTEBOOK_CORES cores and a
    NOTEBOOK_EXECUTOR_MEMORY executor, under the application name `notebook <file>`."""
    memory = int(settings["NOTEBOOK_EXECUTOR_MEMORY"].removesuffix("m"))
    return f"notebook {notebook_name}", settings.int("NOTEBOOK_CORES"), memory


def course_notebooks() -> list[Path]:
    """The course's notebooks under notebooks/, sorted; not the checkpoint copies JupyterLab leaves."""
    return sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
