"""Run the lab's commands the way a user does (`python -m lab …`, `python -m producer …`), against
the test session's own run folder, and return what they printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from lab.settings import ROOT

TEST_RUN = ROOT / ".lab" / "test-run"


def env(**overrides: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TOPIC_")}
    base.update({"LAB_RUN": str(TEST_RUN), "RUNTIME": "local",
                 "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "jobs"), str(ROOT / "services" / "producer")])})
    base.update(overrides)
    return base


def run(args: list[str], environ: dict[str, str] | None = None, timeout: float = 300,
        check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=environ or env(), capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def lab(*args: str, environ: dict[str, str] | None = None, timeout: float = 300, check: bool = False):
    return run(["-m", "lab", *args], environ, timeout, check)


def submit(job: str, *args: str, environ: dict[str, str] | None = None, timeout: float = 420,
           check: bool = True) -> subprocess.CompletedProcess:
    return lab("submit", job, *args, environ=environ, timeout=timeout, check=check)


def produce(*args: str, environ: dict[str, str] | None = None, timeout: float = 300) -> dict:
    """Run the producer to completion and return its JSON summary."""
    with tempfile.TemporaryDirectory() as tmp:
        summary = Path(tmp) / "summary.json"
        run(["-m", "producer", "--dimensions-dir", "", "--summary", str(summary), *args], environ, timeout, check=True)
        return json.loads(summary.read_text())


def trace_lines(text: str) -> list[str]:
    """Lines of a Java stack trace (frames, causes) and ERROR log lines: none belong in the
    output of a healthy run."""
    return [line for line in text.splitlines() if re.match(r"\s+at |Caused by:", line) or " ERROR " in line]
