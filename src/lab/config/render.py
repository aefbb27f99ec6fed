"""Render the lab's config templates from .env: one template per config, shared by both runtimes.

Templates use `${KEY}` placeholders (string.Template). An unknown key is an error naming it,
never an empty string, so a typo cannot produce a silently broken config.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

from lab.config.settings import Settings, SettingsError


def render_text(template: str, values: dict[str, str], source: str = "template") -> str:
    try:
        return string.Template(template).substitute(values)
    except KeyError as exc:
        raise SettingsError(f"{source}: unknown placeholder ${{{exc.args[0]}}}") from None


def render_file(src: Path, dst: Path, values: dict[str, str]) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(render_text(src.read_text(), values, str(src)))
    return dst


def kafka_values(settings: Settings, *, data_dir: str) -> dict[str, str]:
    """The values server.properties needs in the local runtime: .env plus one loopback listener.
    (Compose sets the same placeholders in compose/compose.yml, with separate listeners.)"""
    host, port, ctrl = settings.host, settings["KAFKA_PORT"], settings["KAFKA_CONTROLLER_PORT"]
    return {
        **settings.values,
        "KAFKA_DATA_DIR": data_dir,
        "KAFKA_NODE_ID": "1",
        "KAFKA_CONTROLLER_BOOTSTRAP": f"{host}:{ctrl}",
        "KAFKA_LISTENERS": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{ctrl}",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:{port}",
        "KAFKA_LISTENER_PROTOCOLS": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_INTER_BROKER_LISTENER": "PLAINTEXT",
    }


def prometheus_targets(
    settings: Settings, hosts: dict[str, list[str]], ports: dict[str, str] | None = None
) -> dict[str, list[dict]]:
    """file_sd target lists, one per scrape job file. `hosts` maps a service to the hosts it runs
    on (127.0.0.1 for every service locally; in Compose, the service's name, or each worker
    container's name), and `ports` overrides a service's port where its container listens on a
    fixed one."""
    ports = ports or {}

    def target(service: str, port: str) -> list[dict]:
        return [{"targets": [f"{host}:{port}" for host in hosts[service]], "labels": {"service": service}}]

    def own(service: str, port_key: str) -> list[dict]:
        return target(service, ports.get(service, settings[port_key]))

    return {
        "prometheus": own("prometheus", "PROMETHEUS_PORT"),
        "kafka": own("kafka", "KAFKA_JMX_EXPORTER_PORT"),
        "producer": own("producer", "PRODUCER_METRICS_PORT"),
        "spark-master": own("spark-master", "SPARK_MASTER_UI_PORT"),
        "spark-worker": own("spark-worker", "SPARK_WORKER_UI_PORT"),
        # A job's driver; and the Spark Connect server's, which holds its clients' drivers, when it runs.
        "spark-driver": own("spark-driver", "SPARK_DRIVER_UI_PORT")
        + (own("spark-connect", "SPARK_CONNECT_UI_PORT") if "spark-connect" in hosts else []),
        # The job's listener: the driver's series, on the metrics port the job serves.
        "streaming": target("spark-driver", settings["JOB_METRICS_PORT"]),
    }


SCRAPED = ("prometheus", "kafka", "producer", "spark-master", "spark-worker", "spark-driver")
# In Compose, each service is reached by its name, on the port it listens on inside its container.
COMPOSE_PORTS = {
    "prometheus": "9090",
    "spark-master": "8080",
    "spark-worker": "8081",
    "spark-driver": "4040",
    "spark-connect": "4040",
}


def compose_hosts(project: str, workers: int, cluster: bool = False, connect: bool = False) -> dict[str, list[str]]:
    """Every scraped service by its Compose name; each worker by its container's name, since the
    service name resolves to one worker at a time; with the cluster profile, the three brokers; with
    CONNECT=1, the Spark Connect server."""
    hosts = {s: [s] for s in (*SCRAPED, "spark-connect") if s != "spark-connect" or connect}
    hosts["spark-worker"] = [f"{project}-spark-worker-{i}" for i in range(1, workers + 1)]
    if cluster:
        hosts["kafka"] = ["kafka", "kafka-2", "kafka-3"]
    return hosts


def write_prometheus_config(
    settings: Settings,
    services_dir: Path,
    out_dir: Path,
    hosts: dict[str, list[str]],
    ports: dict[str, str] | None = None,
) -> Path:
    """Copy prometheus.yml and its rules next to freshly generated targets/*.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    src = services_dir / "prometheus"
    (out_dir / "prometheus.yml").write_text((src / "prometheus.yml").read_text())
    rules_out = out_dir / "rules"
    rules_out.mkdir(exist_ok=True)
    for old in rules_out.glob("*.yml"):
        old.unlink()
    for rule in sorted((src / "rules").glob("*.yml")) if (src / "rules").is_dir() else []:
        (rules_out / rule.name).write_text(rule.read_text())
    targets = out_dir / "targets"
    targets.mkdir(exist_ok=True)
    for name, content in prometheus_targets(settings, hosts, ports).items():
        (targets / f"{name}.json").write_text(json.dumps(content, indent=2) + "\n")
    return out_dir / "prometheus.yml"
