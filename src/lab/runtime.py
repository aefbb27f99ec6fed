"""The two runtimes, and what every caller may ask of one.

- `choose(settings)` picks the runtime and says why: RUNTIME if set (local or docker), else
  docker when a Docker engine answers *and* Compose v2 works, else local. Asking for docker
  where it cannot run is one line saying what to install or start.
- `get(settings)` returns that runtime as a `Runtime`. The CLI, drills, bench, report and tests
  use only its methods; only lab.local (processes under supervisord) and lab.docker (Compose)
  know how services run.

Stdlib only: the Makefile runs `python3 -m lab.runtime` before any package is installed, to know
which packages to install.
"""

from __future__ import annotations

import abc
import os
import subprocess
import sys
from dataclasses import dataclass

from lab.paths import Paths
from lab.settings import Settings, load
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")

RUNTIMES = ("local", "docker")
CORE = ("kafka", "spark-master", "spark-worker")  # what a job needs to run


class LabError(RuntimeError):
    """A failure with a one-line, user-facing message."""


# --- choosing ----------------------------------------------------------------------------------


def _quiet(cmd: list[str], timeout: float, env: dict[str, str] | None) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except (subprocess.TimeoutExpired, OSError):
        return None


def docker_engine_answers(timeout: float = 10.0, env: dict[str, str] | None = None) -> bool:
    """Does an engine answer, for this process's environment or `env` (DOCKER_HOST, PATH)?"""
    proc = _quiet(["docker", "info", "--format", "{{.ServerVersion}}"], timeout, env)
    return proc is not None and proc.returncode == 0


def compose_version(timeout: float = 10.0, env: dict[str, str] | None = None) -> str | None:
    """Compose v2's version (`dev` when built without one), or None without the v2 plugin."""
    proc = _quiet(["docker", "compose", "version", "--short"], timeout, env)
    if proc is None or proc.returncode != 0:
        return None
    return proc.stdout.strip() or "unknown"


@dataclass(frozen=True)
class Choice:
    name: str
    reason: str


def choose(settings: Settings) -> Choice:
    """The runtime, and why, in the lab's language (settings.language())."""
    lang = settings.language()

    def say(code: str, **params) -> str:
        return MESSAGES.text(code, lang, **params)

    wanted = (settings.get("RUNTIME") or "").strip().lower()
    if wanted and wanted not in RUNTIMES:
        raise ValueError(say("runtime_unknown", wanted=wanted, runtimes=", ".join(RUNTIMES)))
    if wanted == "local":
        return Choice("local", say("reason_local"))
    engine = docker_engine_answers()
    compose = compose_version() if engine else None
    if wanted == "docker":
        if not engine:
            raise LabError(say("docker_wanted_but", why=say("no_engine")))
        if not compose:
            raise LabError(say("docker_wanted_but", why=say("no_compose")))
        return Choice("docker", say("reason_docker", version=compose))
    if engine and compose:
        return Choice("docker", say("reason_docker_found", version=compose))
    why = say("no_engine_short") if not engine else say("no_compose_short")
    return Choice("local", say("reason_local_fallback", why=why))


def get(settings: Settings, choice: Choice | None = None) -> Runtime:
    choice = choice or choose(settings)
    if choice.name == "docker":
        from lab.docker import Docker

        return Docker(settings)
    from lab.local import Local

    return Local(settings)


# --- what a runtime does -----------------------------------------------------------------------


class Job:
    """A running job, as a drill or the bench holds it: its spark-submit (or, in Docker, the
    `docker compose run` that attached to its container), and how to kill all of it at once."""

    def __init__(self, proc: subprocess.Popen, kill, name: str | None = None):
        self.proc, self._kill, self.name = proc, kill, name  # name: the driver's container, in Docker

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float | None = None) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the whole driver (JVM and Python) at once, as a crash would, and reap it."""
        if self.proc.poll() is None:
            self._kill()
        self.proc.wait()


class Runtime(abc.ABC):
    """The operations every caller uses. Service names are those of `make status`; job names those
    of `make jobs`. Paths passed to jobs are host paths under the run folder; the runtime maps them
    to where the job sees them (`job_args`)."""

    name: str

    def __init__(self, settings: Settings):
        self.settings = settings
        self.paths = Paths.of(settings)

    # services
    @abc.abstractmethod
    def up(self, names: list[str] | None = None) -> int:
        """Start the lab (or the named services), wait until each is healthy, print the URLs."""

    @abc.abstractmethod
    def down(self, quiet: bool = False) -> int:
        """Stop everything the lab started, jobs included. Safe to run twice."""

    @abc.abstractmethod
    def status(self) -> int:
        """Print each service's state and URL."""

    @abc.abstractmethod
    def is_up(self, names: tuple[str, ...] = CORE) -> bool:
        """Are these services running?"""

    @abc.abstractmethod
    def stop(self, names: list[str]) -> int:
        """Stop services gracefully."""

    def start(self, names: list[str]) -> int:
        return self.up(names)

    def restart(self, name: str) -> None:
        """Stop a service gracefully, start it again and wait until it is healthy."""
        self.stop([name])
        self.up([name])

    @abc.abstractmethod
    def kill(self, name: str) -> str:
        """SIGKILL a service, bypassing its graceful stop (for drills). Returns what was killed."""

    @abc.abstractmethod
    def logs(self, name: str, lines: int = 100, follow: bool = False) -> int:
        """Print a service's log."""

    @abc.abstractmethod
    def clean(self) -> int:
        """Delete run state (data, checkpoints, outputs); the lab must be down."""

    @abc.abstractmethod
    def leftovers(self) -> list[str]:
        """What of this lab still runs (processes or containers); empty after `down`."""

    # jobs
    @abc.abstractmethod
    def submit(self, job: str, job_args: list[str]) -> int:
        """`make submit`: run a job in the foreground; Ctrl-C stops it gracefully."""

    @abc.abstractmethod
    def spawn_job(self, job: str, job_args: list[str], env: dict[str, str], **popen) -> Job:
        """Start a job and return at once (drills, bench). `env` holds the settings that differ
        from .env (private topics, say); `popen` goes to Popen (stdout, ...)."""

    def run_job(
        self, job: str, job_args: list[str], env: dict[str, str], timeout: float = 600
    ) -> subprocess.CompletedProcess:
        """Run a job to its end and return what it printed (drills)."""
        job_ = self.spawn_job(job, job_args, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = job_.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            job_.kill()
            raise
        return subprocess.CompletedProcess(job_.proc.args, job_.proc.returncode, out, err)

    @abc.abstractmethod
    def notebook(self) -> int:
        """`make notebook`: JupyterLab on the course's notebooks, in the foreground (lab.notebook)."""

    @abc.abstractmethod
    def producer_command(self, args: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The command and environment that run the producer with these arguments."""

    def produce(self, args: list[str], env: dict[str, str] | None = None) -> int:
        """`make produce`: the producer in the foreground."""
        cmd, env = self.producer_command(args, env or dict(os.environ))
        try:
            return subprocess.call(cmd, env=env)
        except KeyboardInterrupt:
            return 130

    def job_args(self, args: list[str]) -> list[str]:
        """Arguments as the job sees them: host paths under the run folder mapped (identity here)."""
        return list(args)

    # measuring (make bench)
    @property
    def tools_bootstrap(self) -> str:
        """The broker's address as Kafka's own tools (`kafka_tool`) reach it."""
        return self.settings.kafka_bootstrap

    @abc.abstractmethod
    def kafka_tool(self, cls: str, args: list[str], timeout: float = 600) -> str:
        """Run one of Kafka's tools by class (ProducerPerformance, ...) with the broker's jars; its output."""

    @abc.abstractmethod
    def cpu_probe(self, job: Job, producer: subprocess.Popen):
        """A function that returns the CPU seconds used so far by each part of the lab: kafka,
        driver, executors, producer, and the Spark daemons, while `job` and `producer` run."""

    @abc.abstractmethod
    def executor_times(self, job: Job) -> tuple[float, float] | None:
        """(GC ms, task ms) summed over the job's executors, from its driver's REST API, or None."""


def main() -> int:
    """`python3 -m lab.runtime`: print the runtime's name (for the Makefile); `--why` adds why."""
    try:
        choice = choose(load())
    except (LabError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{choice.name}  ({choice.reason})" if "--why" in sys.argv else choice.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
