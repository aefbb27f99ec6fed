"""The Docker runtime: the same operations as lab.local, carried out by Docker Compose.

Contract: every function here matches lab.local's (up, down, status, start, stop, kill, logs,
clean, submit, produce), so the make targets work the same way with RUNTIME=docker. Compose
reads .env itself (`--env-file`), and the process environment overrides it, exactly as in
lab.settings. So `make up WORKERS=3` scales the workers.

Not verifiable on machines without a Docker engine (such as CI here). There, the Compose files
are checked statically (tests/static/test_compose.py), and tests/integration/test_docker.py is
skipped with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys

from lab import jobs
from lab.local import LabError
from lab.paths import Paths
from lab.runtime import docker_engine_answers
from lab.settings import ROOT, Settings

COMPOSE_FILE = ROOT / "compose" / "compose.yml"
SERVICES = ("kafka", "spark-master", "spark-worker", "producer", "prometheus", "grafana", "postgres")


def _compose(settings: Settings, *args: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    if not docker_engine_answers():
        raise LabError("RUNTIME=docker, but no Docker engine answers (`docker info` failed): start Docker, "
                       "or use RUNTIME=local")
    cmd = ["docker", "compose", "--env-file", str(ROOT / ".env"), "-f", str(COMPOSE_FILE), *args]
    env = {**os.environ, **settings.values}
    proc = subprocess.run(cmd, env=env, text=True, capture_output=capture)
    if check and proc.returncode != 0:
        raise LabError(f"docker compose {' '.join(args[:2])} failed (exit {proc.returncode})"
                       + (f": {proc.stderr.strip().splitlines()[-1]}" if capture and proc.stderr.strip() else ""))
    return proc


def up(settings: Settings, paths: Paths, names: list[str] | None = None) -> int:
    print("Starting the lab (docker runtime): building images and waiting for health checks ...", flush=True)
    _compose(settings, "up", "--detach", "--build", "--wait", "--scale", f"spark-worker={settings['WORKERS']}",
             *(names or []))
    return status(settings, paths)


def down(settings: Settings, paths: Paths, quiet: bool = False) -> int:
    _compose(settings, "--profile", "submit", "--profile", "kafka-cluster", "down", "--remove-orphans")
    return 0


def status(settings: Settings, paths: Paths) -> int:
    _compose(settings, "ps", "--format", "table {{.Service}}\t{{.State}}\t{{.Health}}\t{{.Ports}}")
    host = settings.host
    print(f"\nGrafana: http://{host}:{settings['GRAFANA_PORT']} (admin / GRAFANA_ADMIN_PASSWORD in .env; "
          f"anonymous viewers welcome)\nPrometheus: http://{host}:{settings['PROMETHEUS_PORT']}   "
          f"Spark master: http://{host}:{settings['SPARK_MASTER_UI_PORT']}")
    return 0


def _check(names: list[str]) -> None:
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise LabError(f"unknown service {', '.join(unknown)}; services: {', '.join(SERVICES)}")


def stop(settings: Settings, paths: Paths, names: list[str]) -> int:
    _check(names)
    _compose(settings, "stop", *names)
    return 0


def kill(settings: Settings, paths: Paths, name: str) -> int:
    _check([name])
    _compose(settings, "kill", "-s", "SIGKILL", name)
    return 0


def logs(settings: Settings, paths: Paths, name: str, lines: int = 100, follow: bool = False) -> int:
    _check([name])
    return _compose(settings, "logs", "--tail", str(lines), *(["--follow"] if follow else []), name,
                    check=False).returncode


def clean(settings: Settings, paths: Paths) -> int:
    """Delete the named volumes (Kafka data, checkpoints, Prometheus, Grafana, PostgreSQL)."""
    _compose(settings, "--profile", "submit", "--profile", "kafka-cluster", "down", "--volumes", "--remove-orphans")
    return 0


def submit(settings: Settings, paths: Paths, job: str, job_args: list[str]) -> int:
    if jobs.path_of(job) is None:
        print(f"unknown job {job!r}. Available jobs: {', '.join(jobs.available())} (see `make jobs`)", file=sys.stderr)
        return 2
    from streamlab import options

    options.parser(job).parse_known_args(job_args)
    return _compose(settings, "--profile", "submit", "run", "--rm", "--use-aliases", "--service-ports",
                    "spark-driver", job, *job_args, check=False).returncode


def is_up(settings: Settings, paths: Paths) -> bool:
    proc = _compose(settings, "ps", "--status", "running", "--services", check=False, capture=True)
    return {"kafka", "spark-master", "spark-worker"} <= set(proc.stdout.split())


def produce(settings: Settings, paths: Paths, args: list[str]) -> int:
    return _compose(settings, "run", "--rm", "--no-deps", "producer", "--bootstrap", "kafka:19092", *args,
                    check=False).returncode
