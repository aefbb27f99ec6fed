"""The Docker lab's figures (images built, seconds to healthy, rows checked) at the end of the run."""

import pytest

FIGURES = pytest.StashKey[list]()
PROJECT = "streaming-lab-test"  # the Docker tests' Compose project
PREBUILD = pytest.StashKey[object]()  # tests/conftest.py: the engine's images, made in the background


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    figures = config.stash.get(FIGURES, [])
    if figures:
        terminalreporter.section("Docker lab, end to end")
        for line in figures:
            terminalreporter.write_line(line)
