"""The lab's services, once for both runtimes: each one's name, ports, health check and URL.

Contract:
- `SERVICES` lists every service either runtime runs, in the order `make up` starts them and
  `make status` lists them; `up_services(runtime, cluster, connect)` is what `make up` starts in that
  runtime, with the cluster profile's second and third brokers (Docker only) when `cluster`, and
  the Spark Connect server when `connect`.
- A service's `ports` name the .env settings that hold its port numbers, each with what it is for
  (a code of src/lab/messages/services.toml). A `published` port is one Compose publishes on
  127.0.0.1 (tests/static/test_compose.py checks compose/compose.yml against exactly these); an
  unpublished one the local runtime binds on the host and Docker keeps inside the lab's network.
- `check_ports(settings, ports)` is the check both runtimes run before starting anything (the
  local runtime on every port of the services it starts, Docker on their published ones): every
  port taken is named in one RuntimeFailure (`ports_taken`).
- `health` names the check of lab.system.health the local runtime polls until the service is
  ready; in Docker, Compose's healthcheck of the same service gates `up --wait`.
- `url(settings, runtime)` is what `make status` prints for the service in that runtime.

Stdlib only at import time, like the rest of lab.runtimes' top level: lab.system (psutil,
requests) is imported when a port or a health check is looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lab.config.settings import Settings
from lab.errors import RuntimeFailure
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")

Url = Callable[[Settings, str], str]  # (settings, runtime's name) -> the URL `make status` prints


@dataclass(frozen=True)
class Port:
    """One port of a service: the .env setting that holds it, and what it is for (a message code)."""

    key: str
    purpose: str
    published: bool = True  # by Compose, on 127.0.0.1; False: on the host in the local runtime only

    def number(self, settings: Settings) -> int:
        return settings.int(self.key)

    def says(self) -> str:
        """What the port is for, in the lab's language."""
        return MESSAGES(self.purpose)


@dataclass(frozen=True)
class Service:
    """One of the lab's services, as both runtimes see it. `on_up`: `make up` starts it (False for
    those a command of their own starts: `make submit`'s driver, `make notebook`)."""

    name: str
    ports: tuple[Port, ...]
    url: Url
    health: str | None = None  # a function of lab.system.health, by name
    ready_what: str | None = None  # what that check waits for (a message code)
    runtimes: tuple[str, ...] = ("local", "docker")
    on_up: bool = True
    cluster_only: bool = False  # a service of the cluster profile (compose/cluster.yml)
    connect_only: bool = False  # started by `make up` with CONNECT=1 only
    class_only: bool = False  # started by `make class` only (CLASS=1)

    @property
    def published(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.published)

    def ready(self, settings: Settings):
        """The service's health check, once: truthy when ready (it raises or returns falsy while not)."""
        from lab.system import health

        return getattr(health, self.health)(settings)

    def waits_for(self) -> str:
        return MESSAGES(self.ready_what)


def _http(key: str, path: str = "") -> Url:
    return lambda s, runtime: f"http://{s.host}:{s[key]}{path}"


def _broker_url(key: str) -> Url:
    return lambda s, runtime: MESSAGES("url_broker", address=f"{s.host}:{s[key]}")


def _postgres_url(s: Settings, runtime: str) -> str:
    return f"postgresql://{s['POSTGRES_USER']}@{s.host}:{s['POSTGRES_PORT']}/{s['POSTGRES_DB']}"


def _master_url(s: Settings, runtime: str) -> str:
    ui = _http("SPARK_MASTER_UI_PORT")(s, runtime)
    return f"{ui}  ({s.spark_master})" if runtime == "local" else MESSAGES("url_master_docker", url=ui)


def _worker_url(s: Settings, runtime: str) -> str:
    if runtime == "local":
        return _http("SPARK_WORKER_UI_PORT")(s, runtime)
    return MESSAGES("url_workers_docker", workers=s.workers)


def _grafana_url(s: Settings, runtime: str) -> str:
    return MESSAGES("url_grafana", url=_http("GRAFANA_PORT")(s, runtime))


SERVICES: tuple[Service, ...] = (
    Service(
        "kafka",
        (
            Port("KAFKA_PORT", "purpose_kafka"),
            Port("KAFKA_CONTROLLER_PORT", "purpose_kafka_controller", published=False),
            Port("KAFKA_JMX_EXPORTER_PORT", "purpose_kafka_jmx", published=False),
        ),
        lambda s, runtime: s.kafka_bootstrap,
        "kafka_ready",
        "ready_kafka",
    ),
    # The cluster profile's other two brokers (compose/cluster.yml): ready as Compose's healthcheck says.
    *(
        Service(
            f"kafka-{n}",
            (Port(f"KAFKA_{n}_PORT", "purpose_kafka"),),
            _broker_url(f"KAFKA_{n}_PORT"),
            runtimes=("docker",),
            cluster_only=True,
        )
        for n in (2, 3)
    ),
    Service(
        "postgres",
        (Port("POSTGRES_PORT", "purpose_postgres"),),
        _postgres_url,
        "postgres_server_ready",
        "ready_postgres",
    ),
    Service(
        "spark-master",
        (
            Port("SPARK_MASTER_PORT", "purpose_master", published=False),
            Port("SPARK_MASTER_UI_PORT", "purpose_master_ui"),
        ),
        _master_url,
        "spark_master_ready",
        "ready_master",
    ),
    Service(
        "spark-worker",
        (
            Port("SPARK_WORKER_PORT", "purpose_worker", published=False),
            Port("SPARK_WORKER_UI_PORT", "purpose_worker_ui", published=False),
        ),
        _worker_url,
        "spark_worker_registered",
        "ready_worker",
    ),
    Service(
        "prometheus",
        (Port("PROMETHEUS_PORT", "purpose_prometheus"),),
        _http("PROMETHEUS_PORT"),
        "prometheus_ready",
        "ready_prometheus",
    ),
    Service(
        "producer",
        (Port("PRODUCER_METRICS_PORT", "purpose_producer"),),
        _http("PRODUCER_METRICS_PORT", "/metrics"),
        "producer_ready",
        "ready_producer",
    ),
    Service(
        "spark-connect",
        (Port("SPARK_CONNECT_PORT", "purpose_connect"), Port("SPARK_CONNECT_UI_PORT", "purpose_connect_ui")),
        lambda s, runtime: s.connect_url,
        "spark_connect_ready",
        "ready_connect",
        connect_only=True,
    ),
    Service(
        "class-gate",
        (Port("CLASS_PORT", "purpose_class_gate"),),
        lambda s, runtime: f"sc://{s.class_address}:{s['CLASS_PORT']}  (TLS)",
        "class_gate_ready",
        "ready_class_gate",
        class_only=True,
    ),
    Service("grafana", (Port("GRAFANA_PORT", "purpose_grafana"),), _grafana_url, runtimes=("docker",)),
    # Started by commands of their own (make submit, make notebook); in Docker, services of a Compose profile.
    Service(
        "spark-driver",
        (Port("SPARK_DRIVER_UI_PORT", "purpose_driver_ui"), Port("JOB_METRICS_PORT", "purpose_job_metrics")),
        _http("SPARK_DRIVER_UI_PORT"),
        on_up=False,
    ),
    Service(
        "notebook",
        (Port("NOTEBOOK_PORT", "purpose_jupyterlab"), Port("NOTEBOOK_SPARK_UI_PORT", "purpose_notebook_ui")),
        _http("NOTEBOOK_PORT"),
        on_up=False,
    ),
)

BY_NAME = {svc.name: svc for svc in SERVICES}
# The services whose images Docker's `make up` builds: the others run one of these images.
BUILT = tuple(s.name for s in SERVICES if s.on_up and not (s.cluster_only or s.connect_only or s.class_only))


def up_services(
    runtime: str, cluster: bool = False, connect: bool = False, classroom: bool = False
) -> tuple[Service, ...]:
    """What `make up` starts in `runtime` ("local" or "docker"), in start order; with the cluster
    profile's services when `cluster`, the Spark Connect server when `connect`, and the classroom's
    gate when `classroom` (`make class`)."""
    return tuple(
        svc
        for svc in SERVICES
        if svc.on_up
        and runtime in svc.runtimes
        and (cluster or not svc.cluster_only)
        and (connect or not svc.connect_only)
        and (classroom or not svc.class_only)
    )


def check_ports(settings: Settings, ports: Iterable[Port]) -> None:
    """Raise RuntimeFailure naming every one of `ports` that is taken on LAB_HOST (and who holds it)."""
    from lab.system import ports as system_ports

    host = settings.host
    taken = [
        system_ports.describe_taken(host, port.number(settings), port.says())
        for port in ports
        if not system_ports.is_free(host, port.number(settings))
    ]
    if taken:
        raise RuntimeFailure(MESSAGES("ports_taken", taken="; ".join(taken)))
