"""What every drill stands on: its size, its result, and `Drill`, its environment on the lab.

- `Drill(name, environ, size)` gets private copies of the lab's topics (lab.kafka.admin.fresh_topics),
  so the background producer never mixes in, a folder of its own under the run folder, and the
  lab's runtime (local processes or Docker), through which it produces, runs jobs and breaks
  services. Its `result` (a `Result`) is what the drill fills in.
- A `Result` passes only when no event was lost or duplicated and the drill's own condition held
  (`ok`); `line()` says so in the lab's language (src/lab/messages/drills.toml).
- `said(catalogue, code, lang)`: a regex for a message of another catalogue in a line a job or a
  command printed in `lang`, the language the drill runs them in (`Drill.lang`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lab import runtimes
from lab.config.settings import ROOT, load
from lab.kafka.admin import LOGICAL, delete_topics, fresh_topics
from streamlab.i18n import Catalogue, language, number

MESSAGES = Catalogue.load("lab", "drills")
COMMANDS = Catalogue.load("lab", "commands")
RUNNER = Catalogue.load("streamlab", "runner")
OPTIONS = Catalogue.load("streamlab", "options")

START = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class Size:
    scale: int  # multiplies the events each drill produces
    kills: int  # driver kills in driver-kill and python-sink-kill: each restart resumes mid-backlog
    rounds: int  # rounds of stop-produce-restart: each after the first resumes from the last's checkpoint
    down: int  # seconds a broker stays down in the cluster drills


SIZES = {"small": Size(scale=1, kills=2, rounds=2, down=10), "full": Size(scale=4, kills=3, rounds=3, down=30)}


@dataclass
class Result:
    name: str
    checked: int = 0
    lost: int = 0
    duplicated: int = 0
    ok: bool = True
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.ok and self.lost == 0 and self.duplicated == 0

    def line(self, lang: str | None = None) -> str:
        head = MESSAGES.text(
            "result",
            lang,
            name=self.name,
            checked=number(self.checked, lang or language()),
            lost=self.lost,
            duplicated=self.duplicated,
            verdict="PASS" if self.passed else "FAIL",
        )
        return head + "".join(f"\n  - {d}" for d in self.details)

    def fail(self, detail: str | None = None) -> None:
        """The drill's own condition failed; `detail` says how."""
        self.ok = False
        if detail is not None:
            self.details.append(detail)


def said(catalogue: Catalogue, code: str, lang: str):
    """A regex that finds message `code` of `catalogue` in a line a command printed in `lang`."""
    return catalogue.pattern(code, lang)


class Drill:
    """What every drill needs: an environment with private topics, and the lab's runtime (local
    processes or Docker), through which it produces, runs jobs and breaks services."""

    def __init__(self, name: str, environ: dict[str, str] | None = None, size: str = "small"):
        self.name = name
        base = dict(environ or os.environ)
        first = runtimes.get(load(environ=base))
        settings = first.settings  # the runtime's: it knows a running cluster profile
        self.size = SIZES[size]
        self.env = {**base, **fresh_topics(settings.kafka_bootstrap, f"drill_{name.replace('-', '_')}")}
        if settings.cluster:
            self.env["CLUSTER"] = "1"
        self.settings = settings.overridden(self.env)
        self.rt = runtimes.get(self.settings, runtimes.Choice(first.name, ""))
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.dir = self.rt.paths.run / "drills" / f"{name}-{stamp}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.result = Result(name)
        self.lang = self.settings.language(self.env)  # what the jobs and commands it runs print in

    def topic(self, key: str) -> str:
        return self.env[f"TOPIC_{key.upper()}"]

    def delete_topics(self) -> None:
        """Delete the drill's private topics: done when it passed (a failed drill keeps them, to be
        read). Each partition costs the broker CPU for as long as it exists."""
        delete_topics(self.settings.kafka_bootstrap, [self.topic(key) for key in LOGICAL], missing_ok=True)

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """The lab's own commands (`-m lab ...`), as a user runs them."""
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def producer(self, *args: str, **popen) -> subprocess.Popen:
        cmd, env = self.rt.producer_command(["--dimensions-dir", "", *args], self.env)
        return subprocess.Popen(cmd, cwd=ROOT, env=env, **popen)

    def produce(self, *args: str) -> dict:
        """Run the producer to its end with these options; its --summary."""
        out = self.dir / f"produce-{time.monotonic_ns()}.json"
        proc = self.producer("--summary", str(out), *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            _, err = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:  # end it, then fail
            proc.kill()
            proc.communicate()
            raise
        if proc.returncode != 0:
            raise RuntimeError(MESSAGES("producer_failed", tail=err.strip().splitlines()[-1:]))
        return json.loads(out.read_text())

    def submit(self, job: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a job to its end; what it printed is in the result."""
        return self.rt.run_job(job, list(args), self.env, timeout=timeout)

    def spark_submit(self, job: str, *args: str) -> runtimes.Job:
        """Start a job and return at once; `.kill()` SIGKILLs its whole driver. What it prints goes
        to a log in the drill's folder (`last_lines` shows it when a wait on the job times out)."""
        with (self.dir / f"{job}-{time.monotonic_ns()}.log").open("w") as log:
            return self.rt.spawn_job(job, list(args), self.env, stdout=log, stderr=subprocess.STDOUT)

    def last_lines(self, lines: int = 30) -> str:
        """The end of the log of the job started last, or '' if none was."""
        logs = sorted(self.dir.glob("*.log"), key=lambda p: p.stat().st_mtime)
        if not logs:
            return ""
        text = logs[-1].read_text(errors="replace").splitlines()[-lines:]
        return MESSAGES("last_lines", log=logs[-1].name) + "\n" + "\n".join(text)
