"""The Docker lab's figures (images built, seconds to healthy, rows checked) at the end of the run.

The module may run in a process of its own (`make test` runs it beside the others, with
pytest-xdist): its figures go through a file, which the process that prints the summary reads."""

import time
from pathlib import Path

import pytest

from lab.config.settings import ROOT

FIGURES = ROOT / ".lab" / "test-docker" / "figures.txt"
PROJECT = "streaming-lab-test"  # the Docker tests' Compose project
PREBUILD = pytest.StashKey[object]()  # tests/conftest.py: the engine's images, made in the background
_STARTED = time.time()


def figure(text: str, path: Path = FIGURES) -> None:
    """One line for the summary; the first of a session starts the file afresh."""
    fresh = not path.exists() or path.stat().st_mtime < _STARTED
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w" if fresh else "a") as out:
        out.write(text.replace("\n", " ") + "\n")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES.exists() and FIGURES.stat().st_mtime >= _STARTED:
        terminalreporter.section("Docker lab, end to end")
        for line in FIGURES.read_text().splitlines():
            terminalreporter.write_line(line)
