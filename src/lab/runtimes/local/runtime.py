"""The local runtime: the lab's services as real processes under supervisord, no Docker.

Contract:
- `up()` checks every port first (a taken port starts nothing), renders configs from .env,
  starts the services in dependency order, waits until each is healthy and prints a table.
  On any failure it prints the failing service's log tail and tears everything down.
- `down()` stops every service (SIGTERM, then SIGKILL after the service's grace period), stops
  supervisord, then kills any straggler that carries this lab's marker (executors, drivers).
  It is safe to run twice.
- Every process the lab starts carries LAB_INSTANCE=<run folder> in its environment, which is
  how `down()` finds stragglers without pid files of its own.

Not for: the Docker runtime (lab.runtimes.docker.runtime), or submitting jobs (lab.spark.submit).
"""

from __future__ import annotations

import functools
import os
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lab.config.clients import client_env
from lab.config.paths import SERVICES_DIR, SPARK_DEFAULTS, Paths
from lab.config.render import SCRAPED, kafka_values, render_file, write_prometheus_config
from lab.config.settings import ROOT, Settings
from lab.errors import RuntimeFailure, UsageError
from lab.runtimes.base import CORE, Job, Runtime
from lab.runtimes.local import install
from lab.spark.submit import MARKER, spark_env, spark_home
from lab.system import health, httpclient, ports, procs
from streamlab.i18n import Catalogue, number
from streamlab.wait import WaitTimeout, wait_for

MESSAGES = Catalogue.load("lab", "services")


@dataclass
class Service:
    """One process under supervisord. `up()` checks that its `ports` are free, runs `prepare` (configs,
    first-run init), starts `command` (as `user`, with `env` added), polls `ready` until true (`ready_what`
    says what it waits for), then runs `on_ready`. The services in `after` must be running or started
    before it. A stop waits `stop_grace` seconds between SIGTERM and SIGKILL."""

    name: str
    command: list[str]
    ports: dict[str, int]
    ready: Callable[[], bool]
    ready_what: str
    url: str
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    after: tuple[str, ...] = ()
    stop_grace: int = 15
    prepare: Callable[[], None] | None = None
    on_ready: Callable[[], None] | None = None


def _run_as(user: str | None) -> str | None:
    return user if user and os.geteuid() == 0 else None


# --- service definitions -------------------------------------------------------------------------
# One function per service, in start order (`make status` lists them in it too). Each reads only the
# _Site below; the steps run before a start (prepare) or once healthy (on_ready) are module-level
# functions bound to it.


@dataclass(frozen=True)
class _Site:
    """What the service definitions read: the settings, the run folder, and values worked out once."""

    settings: Settings
    paths: Paths
    spark_class: str
    spark_env: dict[str, str]
    pg_bin: Path
    pg_user: str | None

    @classmethod
    def of(cls, settings: Settings, paths: Paths) -> _Site:
        return cls(
            settings,
            paths,
            str(spark_home() / "bin" / "spark-class"),
            spark_env(settings, paths),
            install.postgres_bin(settings) or Path("/usr/lib/postgresql/missing/bin"),
            _run_as("postgres"),
        )

    @property
    def host(self) -> str:
        return self.settings.host


_JAVA_OPTS = ("-Djava.awt.headless=true", "-XX:+UseG1GC")
_KAFKA_LOG4J = SERVICES_DIR / "kafka" / "log4j2.properties"


def _kafka(site: _Site) -> Service:
    s, paths = site.settings, site.paths
    agent = (
        f"-javaagent:{install.jmx_agent_jar(s, paths)}={site.host}:{s['KAFKA_JMX_EXPORTER_PORT']}:"
        f"{SERVICES_DIR / 'kafka' / 'jmx-exporter.yaml'}"
    )
    return Service(
        "kafka",
        command=[
            "java",
            f"-Xms{s['KAFKA_HEAP']}",
            f"-Xmx{s['KAFKA_HEAP']}",
            *_JAVA_OPTS,
            *s["KAFKA_JAVA_OPTIONS"].split(),
            f"-Dlog4j2.configurationFile={_KAFKA_LOG4J}",
            agent,
            "-cp",
            f"{paths.kafka_jars}/*",
            "kafka.Kafka",
            str(paths.conf / "kafka" / "server.properties"),
        ],
        ports={
            MESSAGES("purpose_kafka"): s.int("KAFKA_PORT"),
            MESSAGES("purpose_kafka_controller"): s.int("KAFKA_CONTROLLER_PORT"),
            MESSAGES("purpose_kafka_jmx"): s.int("KAFKA_JMX_EXPORTER_PORT"),
        },
        ready=lambda: health.kafka_ready(s),
        ready_what=MESSAGES("ready_kafka"),
        url=s.kafka_bootstrap,
        stop_grace=30,
        prepare=functools.partial(_prepare_kafka, site),
        on_ready=functools.partial(_create_topics, site),
    )


def _postgres(site: _Site) -> Service:
    s = site.settings
    return Service(
        "postgres",
        command=[
            str(site.pg_bin / "postgres"),
            "-D",
            str(site.paths.data / "postgres"),
            "-c",
            f"listen_addresses={site.host}",
            "-c",
            f"port={s['POSTGRES_PORT']}",
            "-c",
            "unix_socket_directories=",
            "-c",
            "shared_buffers=64MB",
            "-c",
            "fsync=on",
        ],
        ports={MESSAGES("purpose_postgres"): s.int("POSTGRES_PORT")},
        ready=lambda: health.postgres_server_ready(s),
        ready_what=MESSAGES("ready_postgres"),
        url=f"postgresql://{s['POSTGRES_USER']}@{site.host}:{s['POSTGRES_PORT']}/{s['POSTGRES_DB']}",
        user=site.pg_user,
        stop_grace=20,
        prepare=functools.partial(_prepare_postgres, site),
        on_ready=functools.partial(_create_database, site),
    )


def _spark_master(site: _Site) -> Service:
    s, ui = site.settings, site.settings["SPARK_MASTER_UI_PORT"]
    return Service(
        "spark-master",
        command=[
            site.spark_class,
            "org.apache.spark.deploy.master.Master",
            "--properties-file",
            str(SPARK_DEFAULTS),
            "--host",
            site.host,
            "--port",
            s["SPARK_MASTER_PORT"],
            "--webui-port",
            ui,
        ],
        ports={MESSAGES("purpose_master"): s.int("SPARK_MASTER_PORT"), MESSAGES("purpose_master_ui"): int(ui)},
        ready=lambda: health.spark_master_ready(s),
        ready_what=MESSAGES("ready_master"),
        url=f"http://{site.host}:{ui}  ({s.spark_master})",
        env=site.spark_env,
    )


def _spark_worker(site: _Site) -> Service:
    s, ui = site.settings, site.settings["SPARK_WORKER_UI_PORT"]
    return Service(
        "spark-worker",
        command=[
            site.spark_class,
            "org.apache.spark.deploy.worker.Worker",
            "--properties-file",
            str(SPARK_DEFAULTS),
            "--host",
            site.host,
            "--port",
            s["SPARK_WORKER_PORT"],
            "--webui-port",
            ui,
            "--cores",
            s["SPARK_WORKER_CORES"],
            "--memory",
            s["SPARK_WORKER_MEMORY"],
            "--work-dir",
            str(site.paths.data / "spark-work"),
            s.spark_master,
        ],
        ports={MESSAGES("purpose_worker"): s.int("SPARK_WORKER_PORT"), MESSAGES("purpose_worker_ui"): int(ui)},
        ready=lambda: health.spark_worker_registered(s),
        ready_what=MESSAGES("ready_worker"),
        url=f"http://{site.host}:{ui}",
        env=site.spark_env,
        after=("spark-master",),
    )


def _prometheus(site: _Site) -> Service:
    s, paths = site.settings, site.paths
    return Service(
        "prometheus",
        command=[
            "prometheus",
            f"--config.file={paths.conf / 'prometheus' / 'prometheus.yml'}",
            f"--storage.tsdb.path={paths.data / 'prometheus'}",
            f"--web.listen-address={site.host}:{s['PROMETHEUS_PORT']}",
            "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=7d",
        ],
        ports={MESSAGES("purpose_prometheus"): s.int("PROMETHEUS_PORT")},
        ready=lambda: health.prometheus_ready(s),
        ready_what=MESSAGES("ready_prometheus"),
        url=f"http://{site.host}:{s['PROMETHEUS_PORT']}",
        prepare=functools.partial(_prepare_prometheus, site),
    )


def _producer(site: _Site) -> Service:
    s, paths = site.settings, site.paths
    return Service(
        "producer",
        command=[
            str(paths.python),
            "-m",
            "producer",
            "--rate",
            s["PRODUCER_RATE"],
            "--seed",
            "auto",
            "--metrics-port",
            s["PRODUCER_METRICS_PORT"],
            "--wait-for-broker",
            "60",
        ],
        ports={MESSAGES("purpose_producer"): s.int("PRODUCER_METRICS_PORT")},
        ready=lambda: health.producer_ready(s),
        ready_what=MESSAGES("ready_producer"),
        url=f"http://{site.host}:{s['PRODUCER_METRICS_PORT']}/metrics",
        env=client_env(s, paths),
        after=("kafka",),
        stop_grace=20,
    )


SERVICES: tuple[Callable[[_Site], Service], ...] = (
    _kafka,
    _postgres,
    _spark_master,
    _spark_worker,
    _prometheus,
    _producer,
)


def services(settings: Settings, paths: Paths) -> list[Service]:
    """The lab's services for these settings, in start order."""
    site = _Site.of(settings, paths)
    return [define(site) for define in SERVICES]


# --- steps before a start, and once healthy ------------------------------------------------------


def _prepare_kafka(site: _Site) -> None:
    """Render server.properties; format the KRaft storage the first time."""
    s, data = site.settings, site.paths.data
    props = render_file(
        SERVICES_DIR / "kafka" / "server.properties",
        site.paths.conf / "kafka" / "server.properties",
        kafka_values(s, data_dir=str(data / "kafka")),
    )
    if not (data / "kafka" / "meta.properties").exists():
        # The pinned id (the Docker runtime formats with it too). "--cluster-id=" because a
        # base64 id may start with "-", which the tool's parser would read as an option.
        _check_call(
            [
                "java",
                "-cp",
                f"{site.paths.kafka_jars}/*",
                f"-Dlog4j2.configurationFile={_KAFKA_LOG4J}",
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                f"--cluster-id={s['KAFKA_CLUSTER_ID']}",
                "-c",
                str(props),
            ],
            MESSAGES("step_format_kafka"),
        )


def _create_topics(site: _Site) -> None:
    from lab.kafka.topics import ensure_and_say

    ensure_and_say(site.settings, indent="    ")


def _prepare_prometheus(site: _Site) -> None:
    write_prometheus_config(
        site.settings, SERVICES_DIR, site.paths.conf / "prometheus", {s: [site.host] for s in SCRAPED}
    )


def _prepare_postgres(site: _Site) -> None:
    """initdb the first time, as the postgres user when run as root (PostgreSQL refuses root)."""
    s, data = site.settings, site.paths.data
    pgdata = data / "postgres"
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.mkdir(parents=True, exist_ok=True)
    pwfile = data / ".pgpass-init"
    pwfile.write_text(s["POSTGRES_PASSWORD"] + "\n")
    if site.pg_user:
        for path in (pgdata, pwfile):
            subprocess.run(["chown", "-R", f"{site.pg_user}:", str(path)], check=True)
    try:
        _check_call(
            [
                str(site.pg_bin / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                s["POSTGRES_USER"],
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
            MESSAGES("step_init_postgres"),
            user=site.pg_user,
        )
    finally:
        pwfile.unlink(missing_ok=True)


def _create_database(site: _Site) -> None:
    import psycopg

    from lab.config.postgres import dsn

    with psycopg.connect(dsn(site.settings, "postgres"), autocommit=True, connect_timeout=3) as conn:
        name = site.settings["POSTGRES_DB"]
        if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')


def _check_call(cmd: list[str], what: str, user: str | None = None, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, user=user, env=env)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
        raise RuntimeFailure(MESSAGES("failed_step", what=what, tail=tail))


# --- supervisord ---------------------------------------------------------------------------------


def _env_line(env: dict[str, str]) -> str:
    return ",".join(f'{k}="{v}"' for k, v in env.items())


def supervisor_conf(settings: Settings, paths: Paths, svcs: list[Service]) -> str:
    lines = [
        "; Generated by the lab from .env (src/lab/runtimes/local/runtime.py). Do not edit: `make up` rewrites it.",
        "[unix_http_server]",
        f"file={paths.supervisor_sock}",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={paths.logs / 'supervisord.log'}",
        f"pidfile={paths.supervisor_pid}",
        f"directory={ROOT}",
        "logfile_maxbytes=10MB",
        "loglevel=info",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{paths.supervisor_sock}",
        "",
    ]
    for svc in svcs:
        lines += [
            f"[program:{svc.name}]",
            "command=" + " ".join(shlex.quote(part) for part in svc.command),
            f"directory={ROOT}",
            # The lab starts services itself, in order, and drills stop them on purpose.
            "autostart=false",
            "autorestart=false",
            "startsecs=1",
            "startretries=0",
            "stopsignal=TERM",
            f"stopwaitsecs={svc.stop_grace}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={paths.logs / (svc.name + '.log')}",
            "stdout_logfile_maxbytes=50MB",
            "stdout_logfile_backups=1",
        ]
        if svc.user:
            lines.append(f"user={svc.user}")
        env = {MARKER: str(paths.run), **svc.env}
        lines += [f"environment={_env_line(env)}", ""]
    return "\n".join(lines)


def rpc(paths: Paths):
    from supervisor.xmlrpc import SupervisorTransport

    transport = SupervisorTransport(None, None, f"unix://{paths.supervisor_sock}")
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)


def supervisor_running(paths: Paths) -> bool:
    if not paths.supervisor_sock.exists():
        return False
    try:
        return rpc(paths).supervisor.getState()["statename"] == "RUNNING"
    except (OSError, xmlrpc.client.Fault):
        return False


def process_info(paths: Paths) -> dict[str, dict]:
    if not supervisor_running(paths):
        return {}
    return {info["name"]: info for info in rpc(paths).supervisor.getAllProcessInfo()}


def _start_supervisord(settings: Settings, paths: Paths, svcs: list[Service]) -> None:
    paths.conf.mkdir(parents=True, exist_ok=True)
    paths.logs.mkdir(parents=True, exist_ok=True)
    paths.supervisor_conf.write_text(supervisor_conf(settings, paths, svcs))
    if supervisor_running(paths):
        rpc(paths).supervisor.reloadConfig()
        return
    paths.supervisor_sock.unlink(missing_ok=True)
    env = {**os.environ, MARKER: str(paths.run)}
    supervisord = Path(sys.executable).parent / "supervisord"
    _check_call([str(supervisord), "-c", str(paths.supervisor_conf)], MESSAGES("step_supervisord"), env=env)
    wait_for(lambda: supervisor_running(paths), 20, MESSAGES("ready_supervisord"))


# --- lifecycle -----------------------------------------------------------------------------------


def _log_tail(paths: Paths, name: str, lines: int = 20) -> str:
    log = paths.logs / f"{name}.log"
    if not log.exists():
        return MESSAGES("no_log")
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _select(svcs: list[Service], names: list[str] | None) -> list[Service]:
    if not names:
        return svcs
    known = {s.name for s in svcs}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(MESSAGES("unknown_service", unknown=", ".join(unknown), services=", ".join(sorted(known))))
    return [s for s in svcs if s.name in names]


def _check_ports(settings: Settings, svcs: list[Service]) -> None:
    taken = [
        ports.describe_taken(settings.host, port, purpose)
        for svc in svcs
        for purpose, port in svc.ports.items()
        if not ports.is_free(settings.host, port)
    ]
    if taken:
        raise RuntimeFailure(MESSAGES("ports_taken", taken="; ".join(taken)))


def _start_and_wait(settings: Settings, paths: Paths, svc: Service, timeout: float) -> None:
    t0 = time.monotonic()
    print(f"  {svc.name:<13} {MESSAGES('service_starting')}", end="", flush=True)
    if svc.prepare:
        svc.prepare()
    server = rpc(paths)
    try:
        server.supervisor.startProcess(svc.name, True)
    except xmlrpc.client.Fault as fault:
        print(MESSAGES("service_failed"), flush=True)
        raise RuntimeFailure(
            MESSAGES(
                "service_did_not_start", service=svc.name, fault=fault.faultString, tail=_log_tail(paths, svc.name)
            )
        ) from None

    def healthy() -> bool:
        state = server.supervisor.getProcessInfo(svc.name)["statename"]
        if state not in ("RUNNING", "STARTING"):
            raise RuntimeFailure(
                MESSAGES("service_exited", service=svc.name, state=state, tail=_log_tail(paths, svc.name))
            )
        return svc.ready()

    dots = [0.0]

    def progress(elapsed: float) -> None:
        if elapsed - dots[0] >= 5:
            dots[0] = elapsed
            print(".", end="", flush=True)

    try:
        wait_for(healthy, timeout, f"{svc.name}: {svc.ready_what}", interval=0.5, on_poll=progress)
    except WaitTimeout as exc:
        print(MESSAGES("service_timed_out"), flush=True)
        raise RuntimeFailure(
            MESSAGES("service_wait_timed_out", problem=exc, service=svc.name, tail=_log_tail(paths, svc.name))
        ) from None
    except RuntimeFailure:
        print(MESSAGES("service_failed"), flush=True)
        raise
    seconds = number(time.monotonic() - t0, settings.language(), 1)
    print(MESSAGES("service_healthy", seconds=seconds), flush=True)
    if svc.on_ready:
        svc.on_ready()


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
        _start_supervisord(settings, paths, svcs)
        for svc in todo:
            started_any = True
            _start_and_wait(settings, paths, svc, timeout)
    except Exception as exc:  # whatever failed, leave nothing half-started
        if started_any and not names:
            print(MESSAGES("tearing_down"), flush=True)
            down(settings, paths, quiet=True)
        elif started_any:
            _stop_names(paths, [todo[-1].name])
        if isinstance(exc, RuntimeFailure):
            raise
        raise RuntimeFailure(f"{type(exc).__name__}: {exc}") from exc
    print()
    status(settings, paths)
    return 0


def _stop_names(paths: Paths, names: list[str]) -> None:
    server = rpc(paths)
    for name in names:
        try:
            server.supervisor.stopProcess(name, True)
        except xmlrpc.client.Fault as fault:
            if "NOT_RUNNING" not in fault.faultString:
                raise


def stop(settings: Settings, paths: Paths, names: list[str]) -> int:
    _select(services(settings, paths), names)
    if not supervisor_running(paths):
        print(MESSAGES("not_running"))
        return 0
    _stop_names(paths, names)
    print(MESSAGES("stopped", services=", ".join(names)))
    return 0


def kill(settings: Settings, paths: Paths, name: str, sig: int = signal.SIGKILL) -> int:
    """Send a signal to one service's process group, bypassing its graceful stop (for drills)."""
    info = process_info(paths).get(name)
    if not info or not info["pid"]:
        raise RuntimeFailure(MESSAGES("service_not_running", service=name))
    os.killpg(os.getpgid(info["pid"]), sig)
    return info["pid"]


def _lab_pids(paths: Paths) -> list[int]:
    """Processes carrying this lab's marker, except this process and its ancestors."""
    return procs.marked(MARKER, str(paths.run))


def down(settings: Settings, paths: Paths, quiet: bool = False) -> int:
    was_running = supervisor_running(paths)
    if was_running:
        server = rpc(paths)
        if not quiet:
            print(MESSAGES("stopping"), flush=True)
        try:
            server.supervisor.stopAllProcesses(True)
        except (xmlrpc.client.Fault, OSError):
            pass
        try:
            server.supervisor.shutdown()
        except (xmlrpc.client.Fault, OSError):
            pass
    leftovers = [p for p in _lab_pids(paths) if procs.alive(p)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in leftovers:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            wait_for(lambda: not any(procs.alive(p) for p in leftovers), 10, MESSAGES("ready_lab_exit"))
            break
        except WaitTimeout:
            continue
    still = [p for p in _lab_pids(paths) if procs.alive(p)]
    if still:
        raise RuntimeFailure(MESSAGES("would_not_exit", pids=still))
    paths.supervisor_sock.unlink(missing_ok=True)
    if not quiet:
        print(MESSAGES("down") if was_running or leftovers else MESSAGES("was_not_running"))
    return 0


def status(settings: Settings, paths: Paths) -> int:
    infos = process_info(paths)
    svcs = services(settings, paths)
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
    _select(services(settings, paths), [name])
    log = paths.logs / f"{name}.log"
    if not log.exists():
        raise RuntimeFailure(MESSAGES("no_log_yet", service=name, log=log))
    cmd = ["tail", "-n", str(lines)] + (["-F"] if follow else []) + [str(log)]
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def clean(settings: Settings, paths: Paths) -> int:
    if supervisor_running(paths) or [p for p in _lab_pids(paths) if procs.alive(p)]:
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
        return down(self.settings, self.paths, quiet)

    def status(self):
        return status(self.settings, self.paths)

    def is_up(self, names=CORE):
        return is_up(self.settings, self.paths, names)

    def stop(self, names):
        return stop(self.settings, self.paths, names)

    def kill(self, name):
        return f"pid {kill(self.settings, self.paths, name)}"

    def logs(self, name, lines=100, follow=False):
        return logs(self.settings, self.paths, name, lines, follow)

    def clean(self):
        return clean(self.settings, self.paths)

    def service_pids(self) -> dict[str, int]:
        """Each running service's pid (the bench measures CPU per process)."""
        return {name: i["pid"] for name, i in process_info(self.paths).items() if i.get("pid")}

    def leftovers(self):
        return [f"pid {p}" for p in _lab_pids(self.paths) if procs.alive(p)]

    def submit(self, job, job_args):
        from lab.spark.submit import submit as spark_submit

        return spark_submit(self.settings, self.paths, job, job_args, lab_up=lambda: self.is_up())

    def spawn_job(self, job, job_args, env, **popen):
        from lab.spark import jobs
        from lab.spark.submit import spawn

        path = jobs.checked(job, job_args, private=True)
        if path is None:
            raise UsageError(jobs.unknown(job))
        proc = spawn(self.settings, self.paths, path, job_args, env, cwd=ROOT, **popen)
        return Job(proc, lambda: os.killpg(proc.pid, signal.SIGKILL))

    def kafka_tool(self, cls, args, timeout=600):
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
            raise RuntimeError(f"{cls} failed: {(proc.stdout + proc.stderr)[-500:]}")
        return proc.stdout

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
        from lab.spark import notebook
        from lab.spark.submit import MARKER
        from lab.system import ports

        host, port = self.settings.host, int(self.settings["NOTEBOOK_PORT"])
        if not ports.is_free(host, port):
            print(ports.describe_taken(host, port, MESSAGES("purpose_jupyterlab_port")), file=sys.stderr)
            return 1
        token = notebook.token()
        env = {**os.environ, **notebook.kernel_env(self.settings, self.paths), MARKER: str(self.paths.run)}
        cmd = notebook.server_command(str(self.paths.python), host, port, token, notebook.root())
        return notebook.serve(cmd, env, self.settings, token, notebook.state_dir(self.paths) / "jupyterlab.log")

    def producer_command(self, args, env):
        return [str(self.paths.python), "-m", "producer", *args], {
            **env,
            **client_env(self.settings.overridden(env), self.paths),
        }
