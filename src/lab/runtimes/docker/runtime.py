"""The Docker runtime: the lab's services and jobs in containers, run by Docker Compose v2.

Contract (the same operations as lab.runtimes.local.runtime, through lab.runtimes.Runtime):
- `up()` writes Prometheus's config into the run folder (one target per Spark worker), builds
  the images (each from debian:bookworm-slim but Grafana's), starts the services with
  `up --wait`, showing progress per image and per service, and prints the same table of URLs as
  the local runtime. If a service does not become healthy, it prints that service's last log
  lines and takes the lab down again.
- Jobs run in a `spark-driver` container each: `make submit` publishes the driver's UI and
  metrics ports; drills and the bench start theirs without published ports, so that several can
  run beside a learner's job. Settings that differ from .env (a drill's private topics, say) are
  passed into the container.
- The run folder (LAB_RUN, default .lab/docker) is mounted at /lab-state: checkpoints, outputs
  and the workers' logs are files on the host, as in the local runtime. Containers that write
  there run as the host user (LAB_UID/LAB_GID); when that user is root, as uid 10001, and the
  folders the host makes for jobs are handed to it.
- Compose reads .env (`--env-file`), and the process environment overrides it, exactly as in
  lab.config.settings: `make up WORKERS=2` runs two workers.
- Compose (the `docker compose` CLI) runs the services and jobs. Looking at or signalling single
  containers (the project's leftovers, a job's SIGKILL, reading inside a driver, CPU probes) goes
  through the Docker SDK for Python: one client per runtime object (`engine()`), for the engine
  the CLI reaches with the same environment.

Nothing here needs Java, Maven or pyspark on the host: only Docker, Compose v2 and Python.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path

import docker
import requests
from docker.context import ContextAPI

from lab.config.paths import SERVICES_DIR
from lab.config.render import COMPOSE_PORTS, compose_hosts, write_prometheus_config
from lab.config.settings import ROOT
from lab.errors import RuntimeFailure, UsageError
from lab.runtimes.base import CORE, Job, Runtime
from lab.spark import jobs
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")
COMMANDS = Catalogue.load("lab", "commands")

COMPOSE_FILE = ROOT / "compose" / "compose.yml"
PROJECT = "streaming-lab"
CONTAINER_RUN = "/lab-state"  # where the run folder is mounted in the containers
# A job's driver: a one-off container of the spark-driver service (its profile keeps `up` from starting it).
DRIVER_RUN = ("--profile", "submit", "run", "--rm", "--no-deps")
EVERY_PROFILE = ("--profile", "submit", "--profile", "notebook", "--profile", "kafka-cluster")
INTERNAL_BOOTSTRAP = "kafka:19092"  # the broker as the containers reach it
DEFAULT_UID = 10001  # the images' own user, used when the host user is root
# The services `make up` starts, in the order `make status` lists them.
SERVICES = ("kafka", "postgres", "spark-master", "spark-worker", "prometheus", "producer", "grafana")
# .env settings that describe the host, not the lab: never passed into a container.
HOST_ONLY = {"LAB_RUN", "LAB_STATE", "LAB_HOST", "RUNTIME"}
PROJECT_LABEL = "com.docker.compose.project"  # Compose labels every container of a project with it
ENGINE_TIMEOUT = 30  # seconds one engine call may take: an exec in a driver had that much as a CLI call
# What an engine call raises where the CLI exited non-zero: the engine's refusal (NotFound,
# APIError), no engine to make a client for (DockerException), or a connection that failed.
ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.ConnectionError)


def engine_args(env: Mapping[str, str]) -> dict:
    """How to reach the engine the `docker` CLI reaches with `env`, as the CLI picks it: DOCKER_HOST
    (with DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) if set; else the context DOCKER_CONTEXT names, else
    the current one of the CLI's config (Docker Desktop's and colima's live there); else, or for a
    context that does not exist, the default socket. Returns docker.DockerClient's base_url and tls.
    The contexts are read from the CLI's config folder as this process's DOCKER_CONFIG gives it
    (the SDK's own lookup)."""
    if env.get("DOCKER_HOST"):
        return docker.utils.kwargs_from_env(environment=dict(env))
    try:
        context = ContextAPI.get_context(env.get("DOCKER_CONTEXT") or None) or ContextAPI.DEFAULT_CONTEXT
    except Exception as exc:  # the SDK says a context file is corrupt with a bare Exception
        raise docker.errors.ContextException(str(exc)) from exc
    return {"base_url": context.Host, **({"tls": context.TLSConfig} if context.TLSConfig else {})}


def engine(env: Mapping[str, str]) -> docker.DockerClient:
    """A Docker SDK client for the engine of `env` (engine_args), each call bounded by
    ENGINE_TIMEOUT. It asks the engine its API version at once, so it raises DockerException when
    no engine answers. The caller closes it."""
    return docker.DockerClient(**engine_args(env), timeout=ENGINE_TIMEOUT)


def parse_ps(text: str) -> list[dict]:
    """`docker compose ps --format json`'s containers: one JSON object per line (older Compose: one
    array). Anything else is Compose's failure, not the user's: RuntimeFailure."""
    text = text.strip()
    try:
        return json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines() if line]
    except json.JSONDecodeError as exc:
        raise RuntimeFailure(MESSAGES("compose_ps_unreadable", error=exc, text=text[:200])) from None


class Docker(Runtime):
    name = "docker"

    def __init__(self, settings, environ: dict[str, str] | None = None):
        super().__init__(settings)
        self.environ = dict(os.environ if environ is None else environ)  # what Compose runs with
        self.project = self.environ.get("COMPOSE_PROJECT_NAME") or PROJECT
        self.uid, self.gid = (
            (os.getuid(), os.getgid()) if hasattr(os, "getuid") and os.getuid() != 0 else (DEFAULT_UID, DEFAULT_UID)
        )
        self._client: docker.DockerClient | None = None

    def install(self):
        """Docker's services build their own images at `make up`: the host needs nothing beyond the
        control code's Python packages (the Makefile's job)."""
        print(MESSAGES("install_docker"))

    # --- plumbing ----------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {
            **self.environ,
            **self.settings.values,
            "LAB_RUN_DIR": str(self.paths.run),
            "LAB_UID": str(self.uid),
            "LAB_GID": str(self.gid),
            "COMPOSE_PROJECT_NAME": self.project,
        }

    def _engine(self) -> docker.DockerClient:
        """This runtime's Docker SDK client, made at first use from the environment the CLI calls get
        (so the same engine), and closed when this object is collected or Python exits. Raises what
        engine() raises; the next call tries again."""
        if self._client is None:
            self._client = engine(self._env())
            weakref.finalize(self, self._client.close)
        return self._client

    def _cmd(self, *args: str) -> list[str]:
        return [
            "docker",
            "compose",
            "--env-file",
            str(ROOT / ".env"),
            "-f",
            str(COMPOSE_FILE),
            *self._overrides(),
            *args,
        ]

    def _overrides(self) -> list[str]:
        """Extra Compose files, for test harnesses only (LAB_COMPOSE_OVERRIDES, comma separated)."""
        extra = [f for f in self.environ.get("LAB_COMPOSE_OVERRIDES", "").split(",") if f]
        return [arg for f in extra for arg in ("-f", f)]

    def _compose(
        self, *args: str, check: bool = True, capture: bool = False, timeout: float | None = None
    ) -> subprocess.CompletedProcess:
        proc = subprocess.run(self._cmd(*args), env=self._env(), text=True, capture_output=capture, timeout=timeout)
        if check and proc.returncode != 0:
            last = proc.stderr.strip().splitlines()[-1] if capture and proc.stderr.strip() else ""
            command = args[0] if args[0] != "--profile" else args[2]
            raise RuntimeFailure(
                MESSAGES("compose_failed_because", command=command, code=proc.returncode, last=last)
                if last
                else MESSAGES("compose_failed", command=command, code=proc.returncode)
            )
        return proc

    def _containers(self, all_: bool = False) -> list[dict]:
        """This project's containers, as `docker compose ps --format json` gives them."""
        proc = self._compose(
            "--profile",
            "submit",
            "--profile",
            "notebook",
            "ps",
            "--format",
            "json",
            *(["--all"] if all_ else []),
            check=False,
            capture=True,
        )
        return parse_ps(proc.stdout) if proc.returncode == 0 else []

    def _prepare_run_folder(self) -> None:
        for folder in (self.paths.run, self.paths.checkpoints, self.paths.outputs, self.paths.data, self.paths.logs):
            folder.mkdir(parents=True, exist_ok=True)
            self._hand_over(folder)
        conf = self.paths.conf / "prometheus"
        write_prometheus_config(
            self.settings, SERVICES_DIR, conf, compose_hosts(self.project, self.settings.int("WORKERS")), COMPOSE_PORTS
        )
        for path in [self.paths.conf, conf, *conf.rglob("*")]:  # Prometheus's user reads it, whatever the umask
            path.chmod(0o755 if path.is_dir() else 0o644)

    def _hand_over(self, path: Path) -> None:
        """As root on the host, give the containers' user a folder the host made (and its parents
        up to the run folder), so that jobs can write in it."""
        if os.name != "posix" or os.getuid() != 0:
            return
        run = self.paths.run.resolve()
        for folder in [path.resolve(), *path.resolve().parents]:
            if not folder.is_relative_to(run):
                break
            if folder.exists() and folder.stat().st_uid != self.uid:
                os.chown(folder, self.uid, self.gid)

    def _wanted(self, names: list[str] | None) -> list[str]:
        if names:
            self._check(names)
            return names
        return [s for s in SERVICES if s != "grafana" or self.settings.get("GRAFANA", "1") != "0"]

    @staticmethod
    def _check(names: list[str]) -> None:
        unknown = [n for n in names if n not in SERVICES]
        if unknown:
            raise UsageError(MESSAGES("unknown_service", unknown=", ".join(unknown), services=", ".join(SERVICES)))

    def _passed_env(self, env: dict[str, str]) -> list[str]:
        """`-e KEY=VALUE` for each .env setting whose value in `env` differs from the file's, and
        for KAFKA_BOOTSTRAP or SPARK_MASTER if set (addresses as the containers see them)."""
        base = self.settings.file
        passed = {k: v for k, v in env.items() if k in base and k not in HOST_ONLY and base[k] != v}
        passed.update({k: env[k] for k in ("KAFKA_BOOTSTRAP", "SPARK_MASTER") if env.get(k)})
        return [arg for key, value in sorted(passed.items()) for arg in ("-e", f"{key}={value}")]

    def _container_path(self, path: str) -> str:
        """An absolute host path under the run folder, as the containers see it (others unchanged)."""
        run = str(self.paths.run.resolve())
        resolved = str(Path(path).resolve())
        if resolved == run or resolved.startswith(run + os.sep):
            self._hand_over(Path(resolved) if Path(resolved).exists() else Path(resolved).parent)
            return CONTAINER_RUN + resolved[len(run) :].replace(os.sep, "/")
        return path

    def job_args(self, args: list[str]) -> list[str]:
        return [self._container_path(a) if a.startswith(os.sep) else a for a in args]

    # --- services ----------------------------------------------------------------------------------

    def up(self, names=None):
        wanted = self._wanted(names)
        containers = self._containers()
        running = [c["Service"] for c in containers if c.get("State") == "running"]
        if not names and set(wanted) <= set(running) and running.count("spark-worker") == self.settings.int("WORKERS"):
            print(MESSAGES("already_up"))
            return self.status()
        if not names and not containers:
            self._check_ports(wanted)
        shown = self.paths.run.relative_to(ROOT) if self.paths.run.is_relative_to(ROOT) else self.paths.run
        print(MESSAGES("starting_lab", runtime="docker", run=shown), flush=True)
        self._prepare_run_folder()
        t0 = time.monotonic()
        if not names:  # `make start SERVICE=x` restarts what `make up` built
            print(MESSAGES("building_images"), flush=True)
            self._compose("build", *[s for s in wanted if s != "grafana"], "kafka-init", "spark-driver")
            print(MESSAGES("images_ready", seconds=f"{time.monotonic() - t0:.0f}"), flush=True)
        t1 = time.monotonic()
        proc = self._compose(
            "up",
            "--detach",
            "--no-build",
            "--wait",
            "--wait-timeout",
            str(self.settings.int("HEALTH_TIMEOUT") * 2),
            *(["--scale", f"spark-worker={self.settings.int('WORKERS')}"] if "spark-worker" in wanted else []),
            *wanted,
            check=False,
        )
        if proc.returncode != 0:
            sick = [
                c["Service"]
                for c in self._containers(all_=True)
                if c.get("Health") not in ("healthy", "")
                or c.get("State") not in ("running",)
                and not (c["Service"] == "kafka-init" and c.get("ExitCode") == 0)
            ]
            tails = "\n".join(f"--- {s}:\n{self._tail(s)}" for s in sorted(set(sick))[:2])
            if not names:
                print(MESSAGES("tearing_down"), flush=True)
                self.down(quiet=True)
            raise RuntimeFailure(
                MESSAGES("not_healthy", services=", ".join(sorted(set(sick))) or MESSAGES("see_above"), tails=tails)
            )
        print(MESSAGES("healthy_in", seconds=f"{time.monotonic() - t1:.0f}") + "\n", flush=True)
        return self.status()

    def _check_ports(self, wanted: list[str]) -> None:
        """A taken port is one clear line before anything starts, as in the local runtime (Compose
        would otherwise fail halfway, with the services before it started)."""
        from lab.system import ports

        s = self.settings
        published = {
            "kafka": [("purpose_kafka", "KAFKA_PORT")],
            "postgres": [("purpose_postgres", "POSTGRES_PORT")],
            "spark-master": [("purpose_master_ui", "SPARK_MASTER_UI_PORT")],
            "prometheus": [("purpose_prometheus", "PROMETHEUS_PORT")],
            "producer": [("purpose_producer", "PRODUCER_METRICS_PORT")],
            "grafana": [("purpose_grafana", "GRAFANA_PORT")],
            "notebook": [("purpose_jupyterlab", "NOTEBOOK_PORT"), ("purpose_notebook_ui", "NOTEBOOK_SPARK_UI_PORT")],
        }
        taken = [
            ports.describe_taken(s.host, s.int(key), MESSAGES(purpose))
            for name in wanted
            for purpose, key in published.get(name, [])
            if not ports.is_free(s.host, s.int(key))
        ]
        if taken:
            raise RuntimeFailure(MESSAGES("ports_taken", taken="; ".join(taken)))

    def _tail(self, service: str, lines: int = 15) -> str:
        proc = self._compose("logs", "--no-color", "--tail", str(lines), service, check=False, capture=True)
        return (proc.stdout + proc.stderr).strip()

    def down(self, quiet=False):
        running = self._containers(all_=True)
        if not quiet:
            print(MESSAGES("stopping_containers") if running else MESSAGES("was_not_running"), flush=True)
        # Every profile, so that drivers (`run` containers), the notebook and the 3-broker cluster go too.
        self._compose(
            *EVERY_PROFILE,
            "down",
            "--remove-orphans",
            "--timeout",
            "30",
            capture=quiet,
        )
        if running and not quiet:
            print(MESSAGES("down"))
        return 0

    def status(self):
        containers = self._containers(all_=True)
        rows = {c["Service"]: c for c in containers}
        s, host = self.settings, self.settings.host
        urls = {
            "kafka": s.kafka_bootstrap,
            "postgres": f"postgresql://{s['POSTGRES_USER']}@{host}:{s['POSTGRES_PORT']}/{s['POSTGRES_DB']}",
            "spark-master": MESSAGES("url_master_docker", url=f"http://{host}:{s['SPARK_MASTER_UI_PORT']}"),
            "spark-worker": MESSAGES("url_workers_docker", workers=s["WORKERS"]),
            "prometheus": f"http://{host}:{s['PROMETHEUS_PORT']}",
            "producer": f"http://{host}:{s['PRODUCER_METRICS_PORT']}/metrics",
            "grafana": MESSAGES("url_grafana", url=f"http://{host}:{s['GRAFANA_PORT']}"),
        }
        print(f"{'SERVICE':<14}{'STATE':<22}URL")
        for name in SERVICES:
            c = rows.get(name)
            state = (
                MESSAGES("state_stopped")
                if c is None
                else c.get("State", "?") + (f" ({c['Health']})" if c.get("Health") else "")
            )
            if c is None and name == "grafana" and s.get("GRAFANA") == "0":
                state = MESSAGES("state_left_out")
            print(f"{name:<14}{state:<22}{urls[name]}")
        if any(c["Service"] == "notebook" and c.get("State") == "running" for c in containers):
            print("\n" + MESSAGES("notebook_running", url=f"http://{host}:{s['NOTEBOOK_PORT']}"))
        drivers = [c for c in containers if c["Service"] == "spark-driver" and c.get("State") == "running"]
        if drivers:
            url = f"http://{host}:{s['SPARK_DRIVER_UI_PORT']}"
            print("\n" + MESSAGES("jobs_running", count=len(drivers), url=url))
        return 0

    def is_up(self, names=CORE):
        running = {c["Service"] for c in self._containers() if c.get("State") == "running"}
        return set(names) <= running

    def stop(self, names):
        self._check(names)
        self._compose("stop", "--timeout", "30", *names)
        print(MESSAGES("stopped", services=", ".join(names)))
        return 0

    def kill(self, name):
        self._check([name])
        victims = [c["Name"] for c in self._containers() if c["Service"] == name and c.get("State") == "running"]
        if not victims:
            raise RuntimeFailure(MESSAGES("service_not_running", service=name))
        self._compose("kill", "-s", "SIGKILL", name, capture=True)
        return f"container {', '.join(victims)}"

    def logs(self, name, lines=100, follow=False):
        self._check([name])
        try:
            return self._compose(
                "logs", "--tail", str(lines), *(["--follow"] if follow else []), name, check=False
            ).returncode
        except KeyboardInterrupt:
            return 0

    def clean(self):
        if self._containers():
            raise RuntimeFailure(MESSAGES("clean_running"))
        self._compose(*EVERY_PROFILE, "down", "--volumes", "--remove-orphans", capture=True)
        if self.paths.run.exists():
            shutil.rmtree(self.paths.run)
        print(MESSAGES("cleaned_docker", run=self.paths.run))
        return 0

    def leftovers(self):
        try:  # sparse: the list's own fields, no inspect of each container (one may go meanwhile)
            found = self._engine().containers.list(
                all=True, sparse=True, filters={"label": f"{PROJECT_LABEL}={self.project}"}
            )
        except ENGINE_ERRORS:  # no engine, so none of the lab's containers (the CLI's empty answer)
            return []
        return [f"container {c.short_id}" for c in found]

    # --- jobs ----------------------------------------------------------------------------------------

    def submit(self, job, job_args):
        if jobs.checked(job, job_args) is None:
            return 2
        if not self.is_up():
            print(COMMANDS("not_up"), file=sys.stderr)
            return 1
        print(COMMANDS("submitting_docker", job=job), flush=True)
        tty = [] if sys.stdin.isatty() and sys.stdout.isatty() else ["-T"]
        cmd = self._cmd(
            *DRIVER_RUN,
            "--use-aliases",
            "--service-ports",
            *tty,
            *self._passed_env(self.environ),
            "spark-driver",
            job,
            *self.job_args(job_args),
        )
        proc = subprocess.Popen(cmd, env=self._env())
        try:
            return proc.wait()
        except KeyboardInterrupt:  # Compose passes the signal on; the driver stops gracefully
            return proc.wait()

    def spawn_job(self, job, job_args, env, **popen):
        if jobs.checked(job, job_args, private=True) is None:
            raise UsageError(jobs.unknown(job))
        name = f"{self.project}-job-{job.strip('_')}-{uuid.uuid4().hex[:8]}"
        cmd = self._cmd(
            *DRIVER_RUN,
            "-T",
            "--name",
            name,
            *self._passed_env(env),
            "spark-driver",
            job,
            *self.job_args(job_args),
        )
        popen.setdefault("stdin", subprocess.DEVNULL)
        proc = subprocess.Popen(cmd, env=self._env(), start_new_session=True, **popen)

        def kill():
            # A container not started yet, or gone already (`make down`), is no error: the client ends below.
            with contextlib.suppress(*ENGINE_ERRORS):
                self._engine().api.kill(name, signal="SIGKILL")
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:  # the container never started: end the client
                os.killpg(proc.pid, signal.SIGKILL)

        return Job(proc, kill, name)

    def notebook(self):
        from lab.spark import notebook

        self._check_ports(["notebook"])
        print(MESSAGES("building_notebook"), flush=True)
        self._compose("--profile", "notebook", "build", "notebook")
        state = notebook.state_dir(self.paths)
        state.mkdir(parents=True, exist_ok=True)
        self._hand_over(state)
        folder = notebook.root().resolve()
        if os.name == "posix" and folder.stat().st_uid != self.uid:  # a root host: JupyterLab runs as 10001
            print(
                MESSAGES("notebook_not_writable", uid=self.uid, folder=folder, owner=folder.stat().st_uid),
                file=sys.stderr,
            )
        token = notebook.token()
        name = f"{self.project}-notebook"
        cmd = self._cmd(
            "--profile",
            "notebook",
            "run",
            "--rm",
            "--no-deps",
            "--service-ports",
            "-T",
            "--name",
            name,
            "-e",
            "LAB_NOTEBOOK_TOKEN",  # its value from the client's environment, not its command line
            *self._passed_env(self.environ),
            "notebook",
        )
        env = {**self._env(), "LAB_NOTEBOOK_TOKEN": token, "LAB_NOTEBOOKS_DIR": str(folder)}

        def stop(proc):  # the container, as `docker stop` does: JupyterLab gets SIGTERM
            with contextlib.suppress(*ENGINE_ERRORS):
                self._engine().api.stop(name, timeout=20)

        return notebook.serve(cmd, env, self.settings, token, state / "jupyterlab.log", stop)

    def producer_command(self, args, env):
        name = f"{self.project}-producer-run-{uuid.uuid4().hex[:8]}"
        cmd = self._cmd(
            "run",
            "--rm",
            "-T",
            "--no-deps",
            "--name",
            name,
            *self._passed_env(env),
            "producer",
            "--bootstrap",
            INTERNAL_BOOTSTRAP,
            *self.job_args(args),
        )
        return cmd, self._env()

    # --- measuring -----------------------------------------------------------------------------------

    @property
    def tools_bootstrap(self):
        return INTERNAL_BOOTSTRAP

    def kafka_tool(self, cls, args, timeout=600):
        proc = self._compose(
            "exec", "-T", "kafka", "kafka-tool", cls, *args, check=False, capture=True, timeout=timeout
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{cls} failed: {(proc.stdout + proc.stderr)[-500:]}")
        return proc.stdout

    def cpu_probe(self, job, producer):
        args = list(producer.args)
        workers = [f"{self.project}-spark-worker-{i}" for i in range(1, self.settings.int("WORKERS") + 1)]
        # A worker's container holds its executors, so executors here include the worker daemon.
        groups = {
            "kafka": [f"{self.project}-kafka-1"],
            "driver": [job.name],
            "executors": workers,
            "producer": [args[args.index("--name") + 1]],
            "spark master+worker": [f"{self.project}-spark-master-1"],
        }
        meters = {c: _CpuMeter(c, self._engine) for names in groups.values() for c in names}
        return lambda: {name: sum(meters[c].seconds() for c in names) for name, names in groups.items()}

    def executor_times(self, job):
        # Runs inside the driver's container (python -c), whose Python is the Spark image's: it has
        # no requests, hence urllib here and lab.system.httpclient everywhere else.
        script = (
            "import json,urllib.request as u; b='http://localhost:4040/api/v1/applications'; "
            "a=json.load(u.urlopen(b, timeout=5))[0]['id']; "
            "e=[x for x in json.load(u.urlopen(f'{b}/{a}/executors', timeout=5)) if x['id'] != 'driver']; "
            "print(sum(x['totalGCTime'] for x in e), sum(x['totalDuration'] for x in e))"
        )
        try:
            result = self._engine().containers.get(job.name).exec_run(["python", "-c", script], demux=True)
        except ENGINE_ERRORS:  # the driver's container is gone, or not running
            return None
        try:
            gc, total = (result.output[0] or b"").decode().split()
            return float(gc), float(total)
        except ValueError:  # no answer yet (no application, or the script failed): stdout is not two numbers
            return None


class _CpuMeter:
    """CPU seconds a container has used: from its cgroup's file on a Linux host (cheap), else read
    inside the container. Keeps the last reading, so that a container that has exited (a
    producer at the end of its run) still counts what it used."""

    HOST_FILES = (
        "/sys/fs/cgroup/docker/{id}/cpu.stat",
        "/sys/fs/cgroup/system.slice/docker-{id}.scope/cpu.stat",
        "/sys/fs/cgroup/cpuacct/docker/{id}/cpuacct.usage",
    )

    def __init__(self, name: str, engine: Callable[[], docker.DockerClient]):
        self.name, self.engine, self.container, self.last = name, engine, None, 0.0

    def seconds(self) -> float:
        try:
            self.last = max(self.last, self._read())
        # Not started yet, gone, or no engine (requests' errors are OSErrors): the last reading stands.
        except (OSError, ValueError, docker.errors.DockerException):
            pass
        return self.last

    def _read(self) -> float:
        if self.container is None:  # inspected once: its id names the cgroup, and exec needs no name lookup
            self.container = self.engine().containers.get(self.name)
        for pattern in self.HOST_FILES:
            path = Path(pattern.format(id=self.container.id))
            if path.exists():
                return self._parse(path.read_text(), path.name)
        code, (out, _) = self.container.exec_run(["cat", "/sys/fs/cgroup/cpu.stat"], demux=True)
        if code != 0:  # no cgroup v2 file in there either: no reading
            return self.last
        return self._parse((out or b"").decode(), "cpu.stat")

    @staticmethod
    def _parse(text: str, kind: str) -> float:
        if kind == "cpuacct.usage":
            return int(text) / 1e9
        usage = next(line for line in text.splitlines() if line.startswith("usage_usec"))
        return int(usage.split()[1]) / 1e6
