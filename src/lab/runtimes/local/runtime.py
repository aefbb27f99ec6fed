"""The local runtime: the lab's services as real processes under supervisord, no Docker.

Contract:
- `up()` checks every port of the services it starts first (lab.runtimes.catalogue: a taken port
  starts nothing), renders configs from .env, starts the services in dependency order, waits until
  each is healthy and prints a table. On any failure it prints the failing service's log tail and
  tears everything down.
- `down()` stops every service and what is left of the lab; it is safe to run twice
  (lab.runtimes.local.supervisor).
- `Local` is this runtime through lab.runtimes.Runtime; it delegates to the functions here, to
  lab.runtimes.local.supervisor (supervisord) and lab.runtimes.local.install (`make install`).
  The services' command lines are lab.runtimes.local.services'.

Not for: the Docker runtime (lab.runtimes.docker.runtime), or submitting jobs (lab.spark.submit).
"""

from __future__ import annotations

import os
import signal
import subprocess

from lab.config.clients import client_env
from lab.config.paths import SERVICES_DIR, Paths
from lab.config.settings import ROOT, Settings
from lab.errors import LabError, RuntimeFailure, UsageError
from lab.runtimes import catalogue
from lab.runtimes.base import CORE, Job, Runtime, tool_failure
from lab.runtimes.local import install
from lab.runtimes.local.services import Service, services
from lab.runtimes.local.supervisor import (
    down,
    kill,
    lab_pids,
    process_info,
    start_and_wait,
    start_supervisord,
    stop_names,
    supervisor_running,
)
from lab.spark.submit import MARKER
from lab.system import httpclient, procs
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")


def _select(svcs: list[Service], names: list[str] | None) -> list[Service]:
    if not names:
        return svcs
    known = {s.name for s in svcs}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(MESSAGES("unknown_service", unknown=", ".join(unknown), services=", ".join(sorted(known))))
    return [s for s in svcs if s.name in names]


def _check_ports(settings: Settings, svcs: list[Service]) -> None:
    catalogue.check_ports(settings, [port for svc in svcs for port in catalogue.BY_NAME[svc.name].ports])


def up(settings: Settings, paths: Paths, names: list[str] | None = None) -> int:
    svcs = services(settings, paths)
    wanted = _select(svcs, names)
    running = {n for n, info in process_info(paths).items() if info["statename"] == "RUNNING"}
    todo = [s for s in wanted if s.name not in running]
    if not todo:
        print(MESSAGES("already_up") if not names else MESSAGES("already_running", services=", ".join(names)))
        status(settings, paths)
        return 0
    _check_ports(settings, todo)
    for svc in todo:
        missing = [d for d in svc.after if d not in running and d not in {t.name for t in todo}]
        if missing:
            raise RuntimeFailure(
                MESSAGES("needs_first", service=svc.name, missing=", ".join(missing), first=missing[0])
            )
    shown = paths.run.relative_to(ROOT) if paths.run.is_relative_to(ROOT) else paths.run
    print(MESSAGES("starting_lab", runtime="local", run=shown), flush=True)
    for folder in (paths.data, paths.logs, paths.checkpoints, paths.outputs):
        folder.mkdir(parents=True, exist_ok=True)
    timeout = float(settings.int("HEALTH_TIMEOUT"))
    started_any = False
    try:
        start_supervisord(settings, paths, svcs)
        for svc in todo:
            started_any = True
            start_and_wait(settings, paths, svc, timeout)
    except Exception as exc:  # whatever failed, leave nothing half-started
        if started_any and not names:
            print(MESSAGES("tearing_down"), flush=True)
            down(paths, quiet=True)
        elif started_any:
            stop_names(paths, [todo[-1].name])
        if isinstance(exc, LabError):
            raise
        raise RuntimeFailure(f"{type(exc).__name__}: {exc}") from exc
    print()
    status(settings, paths)
    return 0


def stop(settings: Settings, paths: Paths, names: list[str]) -> int:
    _select(_known(settings, paths, process_info(paths)), names)
    if not supervisor_running(paths):
        print(MESSAGES("not_running"))
        return 0
    stop_names(paths, names)
    print(MESSAGES("stopped", services=", ".join(names)))
    return 0


def _known(settings: Settings, paths: Paths, infos: dict) -> list:
    """The services of these settings, and the optional ones that run now (a Spark Connect server
    `make up CONNECT=1` started, the classroom's gate): `make status` shows them, stop and logs find them."""
    for key, name in (("CONNECT", "spark-connect"), ("CLASS", "class-gate")):
        if name in infos:
            settings = settings.overridden({key: "1"})
    return services(settings, paths)


def status(settings: Settings, paths: Paths) -> int:
    infos = process_info(paths)
    svcs = _known(settings, paths, infos)
    print(f"{'SERVICE':<14}{'STATE':<10}{'PID':<9}{'UPTIME':<10}URL")
    for svc in svcs:
        info = infos.get(svc.name, {})
        state = info.get("statename", "STOPPED")
        up_s = int(info["now"] - info["start"]) if state == "RUNNING" else 0
        uptime = f"{up_s // 60}m{up_s % 60:02d}s" if state == "RUNNING" else "-"
        pid = str(info.get("pid") or "-")
        print(f"{svc.name:<14}{state:<10}{pid:<9}{uptime:<10}{svc.url}")
    return 0


def is_up(settings: Settings, paths: Paths, names: tuple[str, ...] = CORE) -> bool:
    infos = process_info(paths)
    return all(infos.get(n, {}).get("statename") == "RUNNING" for n in names)


def logs(settings: Settings, paths: Paths, name: str, lines: int = 100, follow: bool = False) -> int:
    _select(_known(settings, paths, process_info(paths)), [name])
    log = paths.logs / f"{name}.log"
    if not log.exists():
        raise RuntimeFailure(MESSAGES("no_log_yet", service=name, log=log))
    cmd = ["tail", "-n", str(lines)] + (["-F"] if follow else []) + [str(log)]
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def clean(settings: Settings, paths: Paths) -> int:
    if supervisor_running(paths) or [p for p in lab_pids(paths) if procs.alive(p)]:
        raise RuntimeFailure(MESSAGES("clean_running"))
    import shutil

    if paths.run.exists():
        shutil.rmtree(paths.run)
        print(MESSAGES("cleaned", run=paths.run))
    else:
        print(MESSAGES("nothing_to_clean"))
    return 0


class Local(Runtime):
    """The local runtime through the interface every caller uses (lab.runtimes.Runtime)."""

    name = "local"

    def install(self):
        install.install(self.settings, self.paths)

    def up(self, names=None):
        return up(self.settings, self.paths, names)

    def down(self, quiet=False):
        return down(self.paths, quiet)

    def status(self):
        return status(self.settings, self.paths)

    def is_up(self, names=CORE):
        return is_up(self.settings, self.paths, names)

    def stop(self, names):
        return stop(self.settings, self.paths, names)

    def kill(self, name):
        return f"pid {kill(self.paths, name)}"

    def logs(self, name, lines=100, follow=False):
        return logs(self.settings, self.paths, name, lines, follow)

    def clean(self):
        return clean(self.settings, self.paths)

    def service_pids(self) -> dict[str, int]:
        """Each running service's pid (the bench measures CPU per process)."""
        return {name: i["pid"] for name, i in process_info(self.paths).items() if i.get("pid")}

    def leftovers(self):
        return [f"pid {p}" for p in lab_pids(self.paths) if procs.alive(p)]

    def submit(self, job, job_args):
        if self.settings.connect:
            from lab.spark.connect import submit as connect_submit

            return connect_submit(self.settings, self.paths, job, job_args, lab_up=lambda: self.is_up())
        from lab.spark.submit import submit as spark_submit

        return spark_submit(self.settings, self.paths, job, job_args, lab_up=lambda: self.is_up())

    def spawn_job(self, job, job_args, env, **popen):
        from lab.spark import jobs
        from lab.spark.submit import spawn

        path = jobs.require(job, job_args, private=True)
        if self.settings.overridden(env).connect:  # a check, a drill, the bench: as a Connect client
            from lab.spark import connect

            spawn = connect.spawn
        proc = spawn(self.settings, self.paths, path, job_args, env, cwd=ROOT, **popen)
        return Job(proc, lambda: os.killpg(proc.pid, signal.SIGKILL))

    def kafka_tool(self, cls, args, timeout=600, broker="kafka"):
        cmd = [
            "java",
            "-Xmx512m",
            "-cp",
            f"{self.paths.kafka_jars}/*",
            f"-Dlog4j2.configurationFile={SERVICES_DIR / 'kafka' / 'log4j2.properties'}",
            cls,
            *args,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise tool_failure(cls, proc)
        return proc.stdout

    def memory_mib(self):
        """Each running service's resident memory, its child processes' included (a worker's executors)."""
        return {
            name: round(sum(procs.rss_mib(p) or 0.0 for p in procs.tree(pid)), 1)
            for name, pid in self.service_pids().items()
        }

    def cpu_probe(self, job, producer):
        pid = self.service_pids()
        worker = pid.get("spark-worker")
        executors = procs.tree(worker)[1:] if worker else []
        groups = {
            "kafka": [pid["kafka"]] if "kafka" in pid else [],
            "driver": procs.tree(job.pid),
            "executors": executors,
            "producer": [producer.pid],
            "spark master+worker": [p for p in (pid.get("spark-master"), worker) if p],
            # With CONNECT=1, a job's queries run in the server's driver, not in its own process.
            **({"spark-connect": procs.tree(pid["spark-connect"])} if "spark-connect" in pid else {}),
        }
        return lambda: {name: sum(procs.cpu_seconds(p) or 0.0 for p in pids) for name, pids in groups.items()}

    def executor_times(self, job):
        base = f"http://{self.settings.host}:{self.settings['SPARK_DRIVER_UI_PORT']}/api/v1/applications"
        try:
            app = httpclient.get_json(base, 5)[0]["id"]
            execs = [e for e in httpclient.get_json(f"{base}/{app}/executors", 5) if e["id"] != "driver"]
        except (httpclient.HttpError, IndexError, KeyError):
            return None
        return sum(e["totalGCTime"] for e in execs), sum(e["totalDuration"] for e in execs)

    def notebook(self):
        from lab.spark import jupyter

        host, port = self.settings.host, int(self.settings["NOTEBOOK_PORT"])
        # JupyterLab's own port only: a kernel's Spark UI takes the next free port if its own is
        # held (by another notebook's kernel, say); Docker publishes both, so it checks both.
        jupyterlab = [port for port in catalogue.BY_NAME["notebook"].ports if port.key == "NOTEBOOK_PORT"]
        catalogue.check_ports(self.settings, jupyterlab)
        token = jupyter.token()
        env = {**os.environ, **jupyter.kernel_env(self.settings, self.paths), MARKER: str(self.paths.run)}
        cmd = jupyter.server_command(str(self.paths.python), host, port, token, jupyter.root())
        return jupyter.serve(cmd, env, self.settings, token, jupyter.state_dir(self.paths) / "jupyterlab.log")

    def producer_command(self, args, env):
        return [str(self.paths.python), "-m", "producer", *args], {
            **env,
            **client_env(self.settings.overridden(env), self.paths),
        }
