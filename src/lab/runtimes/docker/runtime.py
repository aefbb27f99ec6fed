"""The Docker runtime: the lab's services and jobs in containers, run by Docker Compose v2.

Contract (the same operations as lab.runtimes.local.runtime, through lab.runtimes.Runtime):
- `up()` checks the ports the services publish (lab.runtimes.catalogue), writes Prometheus's
  config into the run folder, builds the images (from debian:bookworm-slim but Grafana's), starts
  the services with `up --wait` (Compose's healthchecks) with progress, and prints the local
  runtime's table of URLs. A service that does not become healthy: its last log lines, and down.
- Jobs run in a `spark-driver` container each: `make submit` publishes the driver's UI and
  metrics ports; drills and the bench start theirs without published ports, so that several can
  run beside a learner's job. Settings that differ from .env (a drill's private topics, say) are
  passed into the container.
- The run folder (LAB_RUN, default .lab/docker) is mounted at /lab-state: checkpoints, outputs
  and the workers' logs are files on the host, as in the local runtime. Containers that write
  there run as the host user (LAB_UID/LAB_GID); when that user is root, as uid 10001, and the
  folders the host makes for jobs are handed to it.
- Compose (lab.runtimes.docker.compose) runs the services and jobs; single containers (leftovers,
  a job's SIGKILL, reading inside a driver, CPU probes) go through the Docker SDK
  (lab.runtimes.docker.engine), one client per runtime object, for the CLI's engine.

Nothing here needs Java, Maven or pyspark on the host: only Docker, Compose v2 and Python.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import weakref

from lab.config.settings import ROOT
from lab.errors import RuntimeFailure, UsageError
from lab.runtimes import catalogue
from lab.runtimes.base import CORE, Job, Runtime, tool_failure
from lab.runtimes.docker.compose import DRIVER_RUN, EVERY_PROFILE, Compose
from lab.runtimes.docker.engine import ENGINE_ERRORS, CpuMeter, engine
from lab.runtimes.docker.runfolder import RunFolder
from lab.spark import jobs
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")
COMMANDS = Catalogue.load("lab", "commands")

# The cluster profile's brokers, as the containers reach them; the single-broker lab has only the first.
BROKERS = ("kafka", "kafka-2", "kafka-3")
# .env settings that describe the host, not the lab: never passed into a container.
HOST_ONLY = {"LAB_RUN", "LAB_STATE", "LAB_HOST", "RUNTIME", "CLUSTER"}
PROJECT_LABEL = "com.docker.compose.project"  # Compose labels every container of a project with it


class Docker(Runtime):
    """The Docker runtime through the interface every caller uses (lab.runtimes.Runtime). `environ`:
    the environment Compose runs with (default: this process's)."""

    name = "docker"

    def __init__(self, settings, environ: dict[str, str] | None = None):
        super().__init__(settings)
        if not settings.cluster and self._cluster_marker().exists():  # `make up CLUSTER=1` started it
            settings = self.settings = settings.overridden({"CLUSTER": "1"})
        self.compose = Compose(settings, self.paths, os.environ if environ is None else environ)
        self.environ, self.project = self.compose.environ, self.compose.project  # what Compose runs with
        self.uid, self.gid = self.compose.uid, self.compose.gid
        self.run_folder = RunFolder(self.paths, self.uid, self.gid)
        self._client = None
        # The services `make up` starts, in the order `make status` lists them.
        self.services = tuple(
            s.name for s in catalogue.up_services("docker", settings.cluster, settings.connect, settings.classroom)
        )

    def install(self):
        """Docker's services build their own images at `make up`: the host needs nothing beyond the
        control code's Python packages (the Makefile's job)."""
        print(MESSAGES("install_docker"))

    # --- plumbing ----------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return self.compose.env()

    def _cluster_marker(self):
        """Written by `make up CLUSTER=1`, removed by `make down`: later commands (submit, status,
        down, drills) then run on the cluster profile without CLUSTER=1 being given again."""
        return self.paths.run / "cluster-profile"

    def _engine(self):
        """This runtime's Docker SDK client, made at first use from the environment Compose runs with
        (so the same engine), and closed when this object is collected or Python exits. Raises what
        engine() raises; the next call tries again."""
        if self._client is None:
            self._client = engine(self._env())
            weakref.finalize(self, self._client.close)
        return self._client

    def _wanted(self, names: list[str] | None) -> list[str]:
        if names:
            self._check(names)
            return names
        return [s for s in self.services if s != "grafana" or self.settings.get("GRAFANA", "1") != "0"]

    def _check(self, names: list[str]) -> None:
        unknown = [n for n in names if n not in self.services]
        if unknown:
            raise UsageError(MESSAGES("unknown_service", unknown=", ".join(unknown), services=", ".join(self.services)))

    def _passed_env(self, env: dict[str, str]) -> list[str]:
        """`-e KEY=VALUE` for each .env setting whose value in `env` differs from the file's, and
        for KAFKA_BOOTSTRAP or SPARK_MASTER if set (addresses as the containers see them)."""
        base = self.settings.file
        passed = {k: v for k, v in env.items() if k in base and k not in HOST_ONLY and base[k] != v}
        passed.update({k: env[k] for k in ("KAFKA_BOOTSTRAP", "SPARK_MASTER") if env.get(k)})
        return [arg for key, value in sorted(passed.items()) for arg in ("-e", f"{key}={value}")]

    def job_args(self, args: list[str]) -> list[str]:
        return self.run_folder.job_args(args)

    def server_view(self):
        return self.run_folder.container_root, self.tools_bootstrap

    def hand_over(self, path):
        self.run_folder.hand_over(path, tree=True)

    # --- services ----------------------------------------------------------------------------------

    def up(self, names=None):
        wanted = self._wanted(names)
        containers = self.compose.containers()
        running = [c["Service"] for c in containers if c.get("State") == "running"]
        if not names and set(wanted) <= set(running) and running.count("spark-worker") == self.settings.workers:
            print(MESSAGES("already_up"))
            return self.status()
        if not names and self.settings.cluster and running and not self._cluster_marker().exists():
            raise UsageError(MESSAGES("other_profile_running"))
        if not names and not containers:
            self._check_ports(wanted)
        shown = self.paths.run.relative_to(ROOT) if self.paths.run.is_relative_to(ROOT) else self.paths.run
        print(MESSAGES("starting_lab", runtime="docker", run=shown), flush=True)
        if self.settings.cluster and not names:
            print(MESSAGES("cluster_profile", workers=self.settings.workers), flush=True)
        self.run_folder.prepare(self.settings, self.project)
        if self.settings.cluster:
            self._cluster_marker().write_text("CLUSTER=1\n")
        t0 = time.monotonic()
        if not names:  # `make start SERVICE=x` restarts what `make up` built
            print(MESSAGES("building_images"), flush=True)
            built = [s for s in wanted if s != "grafana" and s in catalogue.BUILT]
            self.compose.run("build", *built, "kafka-init", "spark-driver")
            print(MESSAGES("images_ready", seconds=f"{time.monotonic() - t0:.0f}"), flush=True)
        t1 = time.monotonic()
        proc = self.compose.run(
            "up",
            "--detach",
            "--no-build",
            "--wait",
            "--wait-timeout",
            str(self.settings.int("HEALTH_TIMEOUT") * 2),
            *(["--scale", f"spark-worker={self.settings.workers}"] if "spark-worker" in wanted else []),
            *wanted,
            check=False,
        )
        if proc.returncode != 0:
            sick = self.compose.unhealthy()
            tails = "\n".join(f"--- {s}:\n{self.compose.tail(s)}" for s in sick[:2])
            if not names:
                print(MESSAGES("tearing_down"), flush=True)
                self.down(quiet=True)
            raise RuntimeFailure(
                MESSAGES("not_healthy", services=", ".join(sick) or MESSAGES("see_above"), tails=tails)
            )
        print(MESSAGES("healthy_in", seconds=f"{time.monotonic() - t1:.0f}") + "\n", flush=True)
        return self.status()

    def _check_ports(self, wanted: list[str]) -> None:
        """A taken port is one clear line before anything starts, as in the local runtime (Compose
        would otherwise fail halfway, with the services before it started)."""
        catalogue.check_ports(self.settings, [port for name in wanted for port in catalogue.BY_NAME[name].published])

    def down(self, quiet=False):
        running = self.compose.containers(all_=True)
        if not quiet:
            print(MESSAGES("stopping_containers") if running else MESSAGES("was_not_running"), flush=True)
        # Every profile, so that drivers (`run` containers) and the notebook go too; and the
        # cluster's file, so that its brokers go whichever profile these settings name.
        self.compose.run(
            *EVERY_PROFILE,
            "down",
            "--remove-orphans",
            "--timeout",
            "30",
            capture=quiet,
            cluster=True,
        )
        self._cluster_marker().unlink(missing_ok=True)
        if running and not quiet:
            print(MESSAGES("down"))
        return 0

    def status(self):
        containers = self.compose.containers(all_=True)
        rows = {c["Service"]: c for c in containers}
        s = self.settings

        def url(name: str) -> str:
            return catalogue.BY_NAME[name].url(s, self.name)

        print(f"{'SERVICE':<14}{'STATE':<22}URL")
        for name in self.services:
            c = rows.get(name)
            health = f" ({c['Health']})" if c and c.get("Health") else ""
            state = MESSAGES("state_stopped") if c is None else c.get("State", "?") + health
            if c is None and name == "grafana" and s.get("GRAFANA") == "0":
                state = MESSAGES("state_left_out")
            print(f"{name:<14}{state:<22}{url(name)}")
        if any(c["Service"] == "notebook" and c.get("State") == "running" for c in containers):
            print("\n" + MESSAGES("notebook_running", url=url("notebook")))
        drivers = [c for c in containers if c["Service"] == "spark-driver" and c.get("State") == "running"]
        if drivers:
            print("\n" + MESSAGES("jobs_running", count=len(drivers), url=url("spark-driver")))
        return 0

    def is_up(self, names=CORE):
        running = {c["Service"] for c in self.compose.containers() if c.get("State") == "running"}
        return set(names) <= running

    def stop(self, names):
        self._check(names)
        self.compose.run("stop", "--timeout", "30", *names)
        print(MESSAGES("stopped", services=", ".join(names)))
        return 0

    def kill(self, name):
        """SIGKILL a service's containers, or one replica of a scaled service (`spark-worker-2`)."""
        service, _, replica = name.rpartition("-")
        one = replica.isdigit() and service in self.services and name not in self.services
        self._check([service if one else name])
        victims = [
            c["Name"]
            for c in self.compose.containers()
            if c["Service"] == (service if one else name)
            and c.get("State") == "running"
            and (not one or c["Name"] == f"{self.project}-{name}")
        ]
        if not victims:
            raise RuntimeFailure(MESSAGES("service_not_running", service=name))
        if one:
            self._engine().api.kill(victims[0], signal="SIGKILL")
        else:
            self.compose.run("kill", "-s", "SIGKILL", name, capture=True)
        return f"container {', '.join(victims)}"

    def logs(self, name, lines=100, follow=False):
        self._check([name])
        try:
            return self.compose.run(
                "logs", "--tail", str(lines), *(["--follow"] if follow else []), name, check=False
            ).returncode
        except KeyboardInterrupt:
            return 0

    def clean(self):
        if self.compose.containers():
            raise RuntimeFailure(MESSAGES("clean_running"))
        for cluster in (False, True):  # each profile's volumes: Compose removes only those its services mount
            self.compose.run(*EVERY_PROFILE, "down", "--volumes", "--remove-orphans", capture=True, cluster=cluster)
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
        cmd = self.compose.cmd(
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
        jobs.require(job, job_args, private=True)
        name = f"{self.project}-job-{job.strip('_')}-{uuid.uuid4().hex[:8]}"
        cmd = self.compose.cmd(
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
        from lab.spark import jupyter

        self._check_ports(["notebook"])
        print(MESSAGES("building_notebook"), flush=True)
        self.compose.run("--profile", "notebook", "build", "notebook")
        state = jupyter.state_dir(self.paths)
        state.mkdir(parents=True, exist_ok=True)
        self.run_folder.hand_over(state)
        folder = jupyter.root().resolve()
        if os.name == "posix" and folder.stat().st_uid != self.uid:  # a root host: JupyterLab runs as 10001
            print(
                MESSAGES("notebook_not_writable", uid=self.uid, folder=folder, owner=folder.stat().st_uid),
                file=sys.stderr,
            )
        token = jupyter.token()
        name = f"{self.project}-notebook"
        cmd = self.compose.cmd(
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

        return jupyter.serve(cmd, env, self.settings, token, state / "jupyterlab.log", stop)

    def producer_command(self, args, env):
        name = f"{self.project}-producer-run-{uuid.uuid4().hex[:8]}"
        cmd = self.compose.cmd(
            "run",
            "--rm",
            "-T",
            "--no-deps",
            "--name",
            name,
            *self._passed_env(env),
            "producer",
            "--bootstrap",
            self.tools_bootstrap,
            *self.job_args(args),
        )
        return cmd, self._env()

    # --- measuring -----------------------------------------------------------------------------------

    @property
    def tools_bootstrap(self):
        return ",".join(f"{b}:19092" for b in (BROKERS if self.settings.cluster else BROKERS[:1]))

    def kafka_tool(self, cls, args, timeout=600, broker="kafka"):
        proc = self.compose.run(
            "exec", "-T", broker, "kafka-tool", cls, *args, check=False, capture=True, timeout=timeout
        )
        if proc.returncode != 0:
            raise tool_failure(cls, proc)
        return proc.stdout

    def memory_mib(self):
        """Each running container's memory (the engine's stats, as `docker stats` shows them:
        usage less the page cache), by its name without the project's prefix."""
        found = {}
        for c in self._engine().containers.list(filters={"label": f"{PROJECT_LABEL}={self.project}"}):
            stats = c.stats(stream=False)
            mem = stats.get("memory_stats", {})
            cache = mem.get("stats", {}).get("inactive_file", 0)
            found[c.name.removeprefix(f"{self.project}-")] = round((mem.get("usage", 0) - cache) / 2**20, 1)
        return found

    def cpu_probe(self, job, producer):
        args = list(producer.args)
        workers = [f"{self.project}-spark-worker-{i}" for i in range(1, self.settings.workers + 1)]
        brokers = [f"{self.project}-{b}-1" for b in (BROKERS if self.settings.cluster else BROKERS[:1])]
        # A worker's container holds its executors, so executors here include the worker daemon.
        groups = {
            "kafka": brokers,
            "driver": [job.name],
            "executors": workers,
            "producer": [args[args.index("--name") + 1]],
            "spark master+worker": [f"{self.project}-spark-master-1"],
        }
        meters = {c: CpuMeter(c, self._engine) for names in groups.values() for c in names}
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
