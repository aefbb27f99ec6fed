"""Spark Connect: the lab's server, the thin client jobs run in, and `make submit` over it.

Contract:
- `server_command(settings, paths, **where)` is the Spark Connect server's spark-submit command
  line, against the lab's master: it binds SPARK_CONNECT_PORT on LAB_HOST (a container's address
  in `where`, as lab.spark.submit.command takes it), its UI on SPARK_CONNECT_UI_PORT, and asks for
  executors only while its clients' queries run (dynamic allocation, one core and
  CONNECT_EXECUTOR_MEMORY each), shared fairly between its sessions.
- `thin_python(settings, paths)` is the Python of a virtual environment with only pyspark-client
  and the job library's two client packages (requirements/thin.in, pinned by the lock), made once,
  with one line of progress; no Java, no jars.
- `submit(settings, paths, job, job_args, lab_up)` runs a job as a Spark Connect client, in the
  foreground: the job's own file, in the thin Python, with SPARK_REMOTE set to the server, and the
  same environment a spark-submit'd job gets (lab.config.clients). Exit codes as
  lab.spark.submit.submit's; a server that does not answer is one line and 1. Ctrl-C stops the job
  gracefully (its queries stop between batches; the checkpoints stay consistent).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lab.config.clients import client_env
from lab.config.paths import Paths
from lab.config.settings import ROOT, Settings
from lab.errors import RuntimeFailure
from lab.spark import cds
from lab.spark.submit import command, foreground, preflight
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
APP_NAME = "spark-connect"
THIN_REQUIREMENTS = ROOT / "requirements" / "thin.in"
LOCK = ROOT / "requirements.txt"
SRC = ROOT / "src"
# What a thin client must not inherit: it has no JVM of its own.
NOT_FOR_CLIENTS = ("JAVA_HOME", "SPARK_HOME", "SPARK_CONF_DIR", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")


def server_conf(settings: Settings, bind_host: str | None = None) -> dict[str, str]:
    return {
        "spark.connect.grpc.binding.address": bind_host or settings.host,
        "spark.connect.grpc.binding.port": settings["SPARK_CONNECT_PORT"],
        "spark.ui.port": settings["SPARK_CONNECT_UI_PORT"],
        "spark.executor.memory": settings["CONNECT_EXECUTOR_MEMORY"],
        "spark.executor.cores": "1",
        # Executors while queries run, none after: an idle server leaves the worker to `make submit`.
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.shuffleTracking.enabled": "true",
        "spark.dynamicAllocation.minExecutors": "0",
        "spark.dynamicAllocation.executorIdleTimeout": "30s",
        # An executor with a finished query's shuffle files would otherwise be kept for ever.
        "spark.dynamicAllocation.shuffleTracking.timeout": "60s",
        # Many clients' queries in one application: each gets its share of the cores.
        "spark.scheduler.mode": "FAIR",
        # A class's foreachBatch functions start their Python workers in this driver at once; on a
        # busy machine one took longer than the default 15 s to connect back (a rehearsal's failure).
        "spark.python.authenticate.socketTimeout": "120s",
    }


def server_command(settings: Settings, paths: Paths, bind_host: str | None = None, **where) -> list[str]:
    """The server's spark-submit command (see the module's contract)."""
    return command(
        settings,
        paths,
        Path(APP_NAME),
        [],
        main_class=SERVER_CLASS,
        extra_conf=server_conf(settings, bind_host),
        java_options=where.pop("java_options", cds.java_options(paths)),
        bind_host=bind_host,
        **where,
    )


def thin_python(settings: Settings, paths: Paths) -> Path:
    """The thin client's Python, its virtual environment made or brought up to date first (by one
    process at a time: `make test`'s two processes share it)."""
    import fcntl

    venv = paths.thin_venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "thin.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _made(venv)


def _made(venv: Path) -> Path:
    python, stamp = venv / "bin" / "python", venv / ".requirements.stamp"
    newest = max(THIN_REQUIREMENTS.stat().st_mtime, LOCK.stat().st_mtime)
    if stamp.exists() and stamp.stat().st_mtime >= newest:
        return python
    print(MESSAGES("thin_client_installing", venv=venv), flush=True)
    base = getattr(sys, "_base_executable", sys.executable)
    steps = [
        [base, "-m", "venv", str(venv)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--progress-bar",
            "off",
            "-c",
            str(LOCK),
            "-r",
            str(THIN_REQUIREMENTS),
        ],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
            raise RuntimeFailure(MESSAGES("thin_client_failed", venv=venv, tail=tail))
    stamp.touch()
    return python


def client_environment(settings: Settings, paths: Paths, environ: dict[str, str] | None = None) -> dict[str, str]:
    """A thin client job's environment: the lab's client settings, the server's address in
    SPARK_REMOTE, and the job library (src/) on its path."""
    base = {k: v for k, v in (os.environ if environ is None else environ).items() if k not in NOT_FOR_CLIENTS}
    chosen = settings.overridden(base)
    env = {
        **base,
        **client_env(chosen, paths),
        "SPARK_REMOTE": settings.connect_url,
        "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), base.get("PYTHONPATH", "")) if p),
    }
    if chosen.learner:  # through the classroom's gate, as that learner's laptop would
        from lab import classroom

        env.update(classroom.learner_environment(chosen, paths, chosen.learner))
    return env


def server_answers(settings: Settings) -> bool:
    from lab.system import health

    try:
        return bool(health.spark_connect_ready(settings))
    except OSError:
        return False


def submit(settings: Settings, paths: Paths, job: str, job_args: list[str], lab_up=lambda: True) -> int:
    job_path = preflight(settings, job, job_args, lab_up)
    if isinstance(job_path, int):
        return job_path
    if not server_answers(settings):
        print(MESSAGES("connect_not_up", url=settings.connect_url), file=sys.stderr)
        return 1
    thin_python(settings, paths)  # its one line of progress before the job's
    url = client_environment(settings, paths)["SPARK_REMOTE"].split("/;")[0]  # a learner's: the gate's
    print(MESSAGES("submitting_connect", job=job, url=url), flush=True)
    return foreground(spawn(settings, paths, job_path, job_args, dict(os.environ)), job_path)


def spawn(settings: Settings, paths: Paths, job_path: Path, job_args: list[str], env: dict[str, str], **popen):
    """Start a job as a Spark Connect client and return at once (as lab.spark.submit.spawn does
    under spark-submit): in its own process group, with `env`'s settings (a drill's own topics, a
    check's input)."""
    python = thin_python(settings, paths)
    environment = client_environment(settings, paths, env)  # it applies env's settings
    return subprocess.Popen([str(python), str(job_path), *job_args], env=environment, start_new_session=True, **popen)
