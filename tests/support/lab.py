"""Run the lab's commands the way a user does (`python -m lab …`, `python -m producer …`), against
the test session's own lab, and return what they printed.

The test lab has its own run folder (.lab/test-run) and its own ports: every `*_PORT` setting plus
PORT_OFFSET (Kafka on 29092, Prometheus on 29090, ...). So `make test` runs beside a learner's
`make up` lab and never touches it. Under `make test`'s second process, a second test lab runs
beside the first (.lab/test-run-2, Kafka on 19092, ...)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from lab.config.clients import client_env
from lab.config.paths import Paths
from lab.config.settings import ROOT, load

# `make test` runs two pytest processes (pytest-xdist, workers gw0 and gw1; tests/conftest.py), each
# with a lab of its own: the second's run folder is test-run-2, and its ports are 10,000 lower.
SECOND = os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0"
TEST_RUN = ROOT / ".lab" / ("test-run-2" if SECOND else "test-run")
# The learner's ports (.env) are 3000-9404: the test lab's are 23000-29404, the second's
# 13000-19404 (both below Linux's ports for outgoing connections, 32768-60999). Another offset
# (LAB_TEST_PORT_OFFSET=40000, say) lets two checkouts run their suites side by side.
BASE_OFFSET = int(os.environ.get("LAB_TEST_PORT_OFFSET") or 20000)
PORT_OFFSET = BASE_OFFSET + ((-10000 if BASE_OFFSET >= 20000 else 10000) if SECOND else 0)
# The tests' Spark drivers and executors live seconds: with the JVM's quick compiler only, a
# trivial job takes a third less time and 40% less of the machine's CPU (docs/performance.md,
# lesson 15). Their broker too: C2's compiling was half of its CPU. Results do not depend on it;
# `make bench` and the lab keep the JVM's defaults.
QUICK_JIT = {"SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1", "KAFKA_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1"}


def port_settings() -> dict[str, str]:
    """Every port setting of the lab, moved by PORT_OFFSET (at most 56000: the highest port is 9404)."""
    ports = {k: int(v) + PORT_OFFSET for k, v in load().values.items() if k.endswith("_PORT")}
    if max(ports.values()) > 65535:
        raise ValueError(
            f"LAB_TEST_PORT_OFFSET={BASE_OFFSET} moves this test lab's {max(ports, key=ports.get)} past 65535"
        )
    return {k: str(v) for k, v in ports.items()}


def env(**overrides: str) -> dict[str, str]:
    """The test lab's environment. It also holds what the control plane tells the jobs and the
    producer (lab.config.clients), because the tests run them directly too (`python -m producer`)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TOPIC_")}
    # Jobs exit without waiting for Prometheus' last scrape (JOB_FINAL_SCRAPE_SECONDS): a few
    # seconds per job run, over the suite's hundreds; the report's tests turn it back on.
    base.update(
        {
            "LAB_RUN": str(TEST_RUN),
            "RUNTIME": "local",
            "JOB_FINAL_SCRAPE_SECONDS": "0",
            **QUICK_JIT,
            **port_settings(),
            **overrides,
        }
    )
    settings = load(environ=base)
    return {**base, **client_env(settings, Paths.of(settings)), **overrides}


STOP_SECONDS = 60  # how long a command interrupted at its timeout has to stop its job


def run(
    args: list[str], environ: dict[str, str] | None = None, timeout: float = 300, check: bool = False
) -> subprocess.CompletedProcess:
    """Run `python <args>` to its end. One that outlives `timeout` is interrupted as Ctrl-C does it
    (so that `lab submit` stops the job it started, which runs in a session of its own and would
    otherwise outlive it, holding its ports), killed if that takes over STOP_SECONDS, and fails
    the test with its last lines."""
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=environ or env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, err = _stop(proc)
        raise AssertionError(
            f"{' '.join(args)} did not finish within {timeout:.0f} s and was stopped; its last "
            f"lines:\n{_last(_text(out))}\n{_last(_text(err))}"
        ) from None
    except BaseException:  # pytest's own timeout, say: leave nothing running
        _stop(proc)
        raise
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def _stop(proc: subprocess.Popen) -> tuple[str, str]:
    """Interrupt `proc` as Ctrl-C does, kill it after STOP_SECONDS: what it printed, as far as
    it can be read (a job it started may still hold its pipes)."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        try:
            return proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            return "", ""


def _text(data: bytes | str | None) -> str:
    return data.decode(errors="replace") if isinstance(data, bytes) else data or ""


def _last(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


def tail(path: Path, lines: int = 30) -> str:
    """A log file's last lines, for a failure message."""
    return _last(path.read_text(errors="replace"), lines) if path.exists() else "(no output)"


def lab(*args: str, environ: dict[str, str] | None = None, timeout: float = 300, check: bool = False):
    return run(["-m", "lab", *args], environ, timeout, check)


def submit(
    job: str, *args: str, environ: dict[str, str] | None = None, timeout: float = 420, check: bool = True
) -> subprocess.CompletedProcess:
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


def tcp_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Does something accept connections on host:port?"""
    with socket.socket() as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0
