"""ruff's lint rules and its formatting (pyproject.toml) hold over the whole tree: `make lint` in the test suite."""

import subprocess
import sys

from lab.settings import ROOT


def test_ruff_finds_nothing():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"ruff found problems (`make lint`):\n{proc.stdout[-3000:]}{proc.stderr[-1000:]}"


def test_the_code_is_formatted():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"files to format (`make fmt`):\n{proc.stdout[-3000:]}{proc.stderr[-1000:]}"
