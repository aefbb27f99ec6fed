"""What every caller may ask of a runtime: the `Runtime` interface and a running `Job`.

Service names are those of `make status`; job names those of `make jobs`. The CLI, drills, bench,
report and tests use only these methods; only lab.runtimes.local (processes under supervisord)
and lab.runtimes.docker (Compose) know how services run.

Stdlib only, like the rest of lab.runtimes' top level.
"""

from __future__ import annotations

import abc
import os
import subprocess
from pathlib import Path

from lab.config.paths import Paths
from lab.config.settings import Settings
from lab.errors import RuntimeFailure

CORE = ("kafka", "spark-master", "spark-worker")  # what a job needs to run


class ToolFailure(RuntimeFailure, RuntimeError):
    """One of Kafka's tools (`Runtime.kafka_tool`) exited non-zero: the runtime's failure, with the
    end of the tool's output. Also a RuntimeError, which a bench run catches to name its stage."""


def tool_failure(cls: str, proc: subprocess.CompletedProcess) -> ToolFailure:
    """The failure of Kafka's tool `cls`, as both runtimes report it: its last 500 characters of output."""
    return ToolFailure(f"{cls} failed: {(proc.stdout + proc.stderr)[-500:]}")


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

    @abc.abstractmethod
    def install(self) -> None:
        """`make install`: what this runtime needs on this machine (idempotent)."""

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
        """`make notebook`: JupyterLab on the course's notebooks, in the foreground (lab.spark.jupyter)."""

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

    def server_view(self) -> tuple[Path, str]:
        """The run folder and Kafka's bootstrap as the Spark Connect server sees them: where a thin
        client's queries, which run in the server, find their folders and Kafka."""
        return self.paths.run, self.settings.kafka_bootstrap

    def hand_over(self, path: Path) -> None:
        """Make a file or folder the host wrote under the run folder the services' to read (a no-op
        where they run as the host's user)."""
        return None

    # measuring (make bench)
    @property
    def tools_bootstrap(self) -> str:
        """The broker's address as Kafka's own tools (`kafka_tool`) reach it."""
        return self.settings.kafka_bootstrap

    @abc.abstractmethod
    def kafka_tool(self, cls: str, args: list[str], timeout: float = 600, broker: str = "kafka") -> str:
        """Run one of Kafka's tools by class (ProducerPerformance, ...) with the broker's jars; its output.
        `broker`: beside which broker it runs (the cluster profile's kafka-2 or kafka-3 when the
        first is down). A tool that exits non-zero raises ToolFailure (`tool_failure`)."""

    def memory_mib(self) -> dict[str, float]:
        """The memory each of the lab's parts uses now, in MiB (containers in Docker); {} where a
        runtime cannot tell."""
        return {}

    @abc.abstractmethod
    def cpu_probe(self, job: Job, producer: subprocess.Popen):
        """A function that returns the CPU seconds used so far by each part of the lab: kafka,
        driver, executors, producer, and the Spark daemons, while `job` and `producer` run."""

    @abc.abstractmethod
    def executor_times(self, job: Job) -> tuple[float, float] | None:
        """(GC ms, task ms) summed over the job's executors, from its driver's REST API, or None."""
