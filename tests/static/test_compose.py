"""The Compose runtime, checked without a Docker engine: schema, pinning, ports, mounts, targets,
and agreement with the local runtime's versions and topics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from lab.render import COMPOSE_PORTS, compose_targets
from lab.settings import ROOT, load

COMPOSE = ROOT / "compose" / "compose.yml"
SCHEMA = ROOT.parent / "shared" / "schemas" / "compose-spec.json"
DOCKERFILES = sorted((ROOT / "services").glob("*/Dockerfile"))
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation: ${VAR}, ${VAR:-default}, and $$ for a literal $."""

    def sub(match):
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in env and env[name] != "":
            return env[name]
        if default is not None:
            return default
        raise AssertionError(f"compose.yml uses ${{{name}}}, which .env does not define")

    return _VAR.sub(sub, text)


@pytest.fixture(scope="module")
def settings():
    return load(environ={})


def interpolate_tree(node, env):
    """As Compose does: parse the YAML first, then interpolate every string in it."""
    if isinstance(node, dict):
        return {k: interpolate_tree(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(v, env) for v in node]
    return interpolate(node, env) if isinstance(node, str) else node


@pytest.fixture(scope="module")
def compose(settings):
    return interpolate_tree(yaml.safe_load(COMPOSE.read_text()), settings.values)


def test_validates_against_the_compose_specification(compose):
    assert SCHEMA.exists(), f"the Compose schema is expected at {SCHEMA}"
    jsonschema.validate(compose, json.loads(SCHEMA.read_text()))


def test_has_the_lab_services(compose):
    assert {"kafka", "kafka-init", "spark-master", "spark-worker", "spark-driver", "producer", "prometheus",
            "grafana", "postgres", "kafka-1", "kafka-2", "kafka-3"} <= set(compose["services"])


def test_every_image_is_pinned_to_the_env_versions(compose, settings):
    for name, svc in compose["services"].items():
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", f"{name}: image {image} is not pinned"
    s = compose["services"]
    assert s["kafka"]["image"].endswith(f":{settings['KAFKA_VERSION']}")
    assert s["prometheus"]["image"] == f"prom/prometheus:v{settings['PROMETHEUS_VERSION']}"
    assert s["grafana"]["image"] == f"grafana/grafana:{settings['GRAFANA_VERSION']}"
    assert s["postgres"]["image"] == f"postgres:{settings['POSTGRES_VERSION']}"
    assert s["spark-master"]["build"]["args"] == {"PYTHON_VERSION": settings["PYTHON_VERSION"],
                                                   "SPARK_VERSION": settings["SPARK_VERSION"]}
    assert s["kafka"]["build"]["args"]["KAFKA_VERSION"] == settings["KAFKA_VERSION"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_bases_are_pinned(dockerfile):
    for line in dockerfile.read_text().splitlines():
        if line.startswith("FROM "):
            image = line.split()[1]
            assert ":" in image and not image.endswith(":latest"), f"{dockerfile}: {line}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfiles_pass_hadolint_and_run_as_non_root(dockerfile):
    hadolint = Path(sys.executable).parent / "hadolint"
    proc = subprocess.run([str(hadolint), "--no-color", str(dockerfile)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    users = [line.split()[1] for line in dockerfile.read_text().splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), f"{dockerfile.parent.name} must end as a non-root user"


def test_ports_are_published_on_loopback_only(compose):
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond 127.0.0.1"


def test_bind_mounts_exist_in_the_repo(compose):
    for name, svc in compose["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).resolve().exists(), f"{name} mounts missing {source}"


def test_healthchecks_gate_the_dependencies(compose):
    one_shot = {"kafka-init", "spark-driver"}  # they run to completion, nothing waits on their health
    for name, svc in compose["services"].items():
        if name not in one_shot:
            assert "healthcheck" in svc, f"{name} has no healthcheck"
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert cond["condition"] in ("service_healthy", "service_completed_successfully"), f"{name} -> {dep}"


def test_prometheus_targets_are_generated_and_point_at_real_services(compose, settings):
    folder = ROOT / "compose" / "prometheus-targets"
    for file_name, text in compose_targets(settings).items():
        assert (folder / file_name).read_text() == text, f"{file_name} is out of date: run `make generate`"
        for group in json.loads(text):
            for target in group["targets"]:
                host, port = target.rsplit(":", 1)
                assert host in compose["services"], f"{file_name}: no service {host}"
                assert port in json.dumps(compose["services"][host]), f"{file_name}: {host} does not use port {port}"
    assert COMPOSE_PORTS["spark-master"] in compose["services"]["spark-master"]["command"]


def test_same_topics_and_settings_as_the_local_runtime(compose, settings):
    init = " ".join(compose["services"]["kafka-init"]["command"])
    for topic in settings.topics.values():
        assert re.search(rf"(^|\s){re.escape(topic)}[\s;]", init), f"kafka-init does not create {topic}"
    assert f"--partitions {settings['KAFKA_PARTITIONS']}" in init
    env = compose["services"]["kafka"]["environment"]
    template = (ROOT / "services" / "kafka" / "server.properties").read_text()
    placeholders = set(re.findall(r"\$\{([A-Z_0-9]+)\}", template))
    missing = placeholders - set(env)
    assert not missing, f"the broker's template needs {missing}, which compose does not set"
    assert env["KAFKA_PARTITIONS"] == settings["KAFKA_PARTITIONS"]
    assert "INTERNAL://" in env["KAFKA_LISTENERS"] and "EXTERNAL://" in env["KAFKA_LISTENERS"], "separate listeners"
    worker = compose["services"]["spark-worker"]["command"]
    assert worker[worker.index("--cores") + 1] == settings["SPARK_WORKER_CORES"]


def test_three_broker_profile_replicates(compose):
    for n in (1, 2, 3):
        env = compose["services"][f"kafka-{n}"]["environment"]
        assert (env["KAFKA_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == ("3", "2")
        assert env["KAFKA_NODE_ID"] == str(n)
        assert compose["services"][f"kafka-{n}"]["profiles"] == ["kafka-cluster"]


def test_grafana_is_provisioned_with_the_labs_prometheus(compose):
    grafana = compose["services"]["grafana"]
    assert "../grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "../grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]
    datasource = yaml.safe_load((ROOT / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    url = datasource["datasources"][0]["url"]
    assert url == "http://prometheus:9090" and "prometheus" in compose["services"]
    provider = yaml.safe_load((ROOT / "grafana" / "provisioning" / "dashboards" / "lab.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_named_volumes_for_state(compose):
    assert {"kafka-data", "prometheus-data", "grafana-data", "lab-state"} <= set(compose["volumes"])
