"""The local runtime's services: what supervisord runs for each of the lab's services, and the
steps around a start.

Contract:
- `services(settings, paths)` returns one `Service` per service the local runtime starts, in
  start order (lab.runtimes.catalogue.up_services("local")). Ports, health check and URL come from
  the catalogue; the command line, user, environment, dependencies, stop grace and the steps
  before a start (`prepare`: configs, first-run init) and once healthy (`on_ready`: topics, the
  lab's database) are defined here.
- Defining a service starts nothing and writes nothing; its `prepare` and `on_ready` do, when
  lab.runtimes.local.supervisor runs them. A step that fails raises RuntimeFailure with the end
  of its output (`check_call`).

Not for: supervisord itself (lab.runtimes.local.supervisor), or the lifecycle (lab.runtimes.local.runtime).
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lab.config.clients import client_env
from lab.config.paths import SERVICES_DIR, SPARK_DEFAULTS, Paths
from lab.config.render import SCRAPED, kafka_values, render_file, write_prometheus_config
from lab.config.settings import Settings
from lab.errors import RuntimeFailure
from lab.runtimes import catalogue
from lab.runtimes.local import install
from lab.spark.submit import spark_env, spark_home
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")


@dataclass
class Service:
    """One process under supervisord. `ports` (purpose -> number) and `url` are its catalogue entry's
    (lab.runtimes.catalogue, whose ports `up()` checks are free). `up()` runs `prepare` (configs,
    first-run init), starts `command` (as `user`, with `env` added), polls `ready` until true
    (`ready_what` says what it waits for), then runs `on_ready`. The services in `after` must be
    running or started before it. A stop waits `stop_grace` seconds between SIGTERM and SIGKILL."""

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
# One function per service; the catalogue gives their order (`make status` lists them in it too).
# Each reads only the _Site below and its catalogue entry (`_service`); the steps run before a start
# (prepare) or once healthy (on_ready) are module-level functions bound to it.


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


def _service(site: _Site, name: str, **how) -> Service:
    """A service of the catalogue, its ports, health check and URL the catalogue's; `how` the rest."""
    entry, s = catalogue.BY_NAME[name], site.settings
    return Service(
        name,
        ports={port.says(): port.number(s) for port in entry.ports},
        ready=functools.partial(entry.ready, s),
        ready_what=entry.waits_for(),
        url=entry.url(s, "local"),
        **how,
    )


_JAVA_OPTS = ("-Djava.awt.headless=true", "-XX:+UseG1GC")
_KAFKA_LOG4J = SERVICES_DIR / "kafka" / "log4j2.properties"


def _kafka(site: _Site) -> Service:
    s, paths = site.settings, site.paths
    agent = (
        f"-javaagent:{install.jmx_agent_jar(s, paths)}={site.host}:{s['KAFKA_JMX_EXPORTER_PORT']}:"
        f"{SERVICES_DIR / 'kafka' / 'jmx-exporter.yaml'}"
    )
    return _service(
        site,
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
        stop_grace=30,
        prepare=functools.partial(_prepare_kafka, site),
        on_ready=functools.partial(_create_topics, site),
    )


def _postgres(site: _Site) -> Service:
    s = site.settings
    return _service(
        site,
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
        user=site.pg_user,
        stop_grace=20,
        prepare=functools.partial(_prepare_postgres, site),
        on_ready=functools.partial(_create_database, site),
    )


def _spark_master(site: _Site) -> Service:
    s, ui = site.settings, site.settings["SPARK_MASTER_UI_PORT"]
    return _service(
        site,
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
        env=site.spark_env,
    )


def _spark_worker(site: _Site) -> Service:
    s, ui = site.settings, site.settings["SPARK_WORKER_UI_PORT"]
    return _service(
        site,
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
        env=site.spark_env,
        after=("spark-master",),
    )


def _prometheus(site: _Site) -> Service:
    s, paths = site.settings, site.paths
    return _service(
        site,
        "prometheus",
        command=[
            "prometheus",
            f"--config.file={paths.conf / 'prometheus' / 'prometheus.yml'}",
            f"--storage.tsdb.path={paths.data / 'prometheus'}",
            f"--web.listen-address={site.host}:{s['PROMETHEUS_PORT']}",
            "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=7d",
        ],
        prepare=functools.partial(_prepare_prometheus, site),
    )


def _producer(site: _Site) -> Service:
    s, paths = site.settings, site.paths
    return _service(
        site,
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
        env=client_env(s, paths),
        after=("kafka",),
        stop_grace=20,
    )


def _spark_connect(site: _Site) -> Service:
    from lab.spark.connect import server_command

    return _service(
        site,
        "spark-connect",
        command=server_command(site.settings, site.paths),
        env={**site.spark_env, **client_env(site.settings, site.paths)},
        after=("spark-master",),
        stop_grace=30,
        prepare=functools.partial(_prepare_prometheus, site),  # its driver joins the scraped targets
    )


def _class_gate(site: _Site) -> Service:
    from lab import classroom

    return _service(
        site,
        "class-gate",
        command=classroom.gate_command(site.settings, site.paths),
        env=client_env(site.settings, site.paths),
        after=("spark-connect",),
        stop_grace=10,
        prepare=lambda: classroom.certificates(site.settings, site.paths),
    )


DEFINITIONS: dict[str, Callable[[_Site], Service]] = {
    "kafka": _kafka,
    "postgres": _postgres,
    "spark-master": _spark_master,
    "spark-worker": _spark_worker,
    "prometheus": _prometheus,
    "producer": _producer,
    "spark-connect": _spark_connect,
    "class-gate": _class_gate,
}


def services(settings: Settings, paths: Paths) -> list[Service]:
    """The lab's services for these settings, in the catalogue's start order."""
    site = _Site.of(settings, paths)
    chosen = catalogue.up_services("local", connect=settings.connect, classroom=settings.classroom)
    return [DEFINITIONS[entry.name](site) for entry in chosen]


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
        check_call(
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
    scraped = (*SCRAPED, "spark-connect") if site.settings.connect else SCRAPED
    write_prometheus_config(
        site.settings, SERVICES_DIR, site.paths.conf / "prometheus", {s: [site.host] for s in scraped}
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
        check_call(
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


def check_call(cmd: list[str], what: str, user: str | None = None, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, user=user, env=env)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
        raise RuntimeFailure(MESSAGES("failed_step", what=what, tail=tail))
