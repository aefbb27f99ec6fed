"""The Docker lab's figures (images built, seconds to healthy, rows checked) at the end of the run."""

import pytest

FIGURES = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    figures = config.stash.get(FIGURES, [])
    if figures:
        terminalreporter.section("Docker lab, end to end")
        for line in figures:
            terminalreporter.write_line(line)
