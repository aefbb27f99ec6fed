"""Render the lab's config templates from .env: one template per config, shared by both runtimes.

Templates use `${KEY}` placeholders (string.Template). An unknown key is an error naming it,
never an empty string, so a typo cannot produce a silently broken config.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

from lab.settings import Settings, SettingsError


def render_text(template: str, values: dict[str, str], source: str = "template") -> str:
    try:
        return string.Template(template).substitute(values)
    except KeyError as exc:
        raise SettingsError(f"{source}: unknown placeholder ${{{exc.args[0]}}}") from None


def render_file(src: Path, dst: Path, values: dict[str, str]) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(render_text(src.read_text(), values, str(src)))
    return dst


def kafka_values(settings: Settings, *, data_dir: str, listen_host: str, internal_host: str,
                 advertised_host: str) -> dict[str, str]:
    """The values server.properties needs: .env plus what differs between runtimes."""
    return {**settings.values, "KAFKA_DATA_DIR": data_dir, "KAFKA_LISTEN_HOST": listen_host,
            "KAFKA_INTERNAL_HOST": internal_host, "KAFKA_ADVERTISED_HOST": advertised_host}


def prometheus_targets(settings: Settings, host_of: dict[str, str]) -> dict[str, list[dict]]:
    """file_sd target lists, one per scrape job file. `host_of` maps a service to its host name
    (127.0.0.1 for every service locally; the Compose service name in Docker)."""

    def target(service: str, port_key: str) -> list[dict]:
        return [{"targets": [f"{host_of[service]}:{settings[port_key]}"], "labels": {"service": service}}]

    return {
        "prometheus": target("prometheus", "PROMETHEUS_PORT"),
        "kafka": target("kafka", "KAFKA_JMX_EXPORTER_PORT"),
        "producer": target("producer", "PRODUCER_METRICS_PORT"),
        "spark-master": target("spark-master", "SPARK_MASTER_UI_PORT"),
        "spark-worker": target("spark-worker", "SPARK_WORKER_UI_PORT"),
        "spark-driver": target("spark-driver", "SPARK_DRIVER_UI_PORT"),
        "streaming": target("spark-driver", "JOB_METRICS_PORT"),
    }


def write_prometheus_config(settings: Settings, services_dir: Path, out_dir: Path,
                            host_of: dict[str, str]) -> Path:
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
    for name, content in prometheus_targets(settings, host_of).items():
        (targets / f"{name}.json").write_text(json.dumps(content, indent=2) + "\n")
    return out_dir / "prometheus.yml"
