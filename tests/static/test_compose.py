"""The Compose runtime, checked without a Docker engine: schema, the images' bases and pinning,
ports (exactly the service catalogue's), mounts, targets, and agreement with the local runtime's
versions and topics. (The Docker
lab itself runs for real in tests/docker.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from lab.config.render import COMPOSE_PORTS, compose_hosts, prometheus_targets
from lab.config.settings import ROOT, load
from lab.runtimes import catalogue

COMPOSE = ROOT / "compose" / "compose.yml"
CLUSTER = ROOT / "compose" / "cluster.yml"  # the cluster profile's override (`make up CLUSTER=1`)
# compose-go v2.9.1's schema, the one the pinned Compose validates with (data/README.md).
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"
DOCKERFILES = sorted((ROOT / "services").glob("*/Dockerfile"))
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}")
# What `make up` sets beside .env (src/lab/runtimes/docker/compose.py).
RUNTIME_ENV = {"LAB_RUN_DIR": "/home/learner/lab/.lab/docker", "LAB_UID": "1000", "LAB_GID": "1000"}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, and $$ for a $."""

    def sub(match):
        if match.group(0) == "$$":
            return "$"
        name, kind, arg = match.group(1), match.group(2), match.group(3)
        if name in env and env[name] != "":
            return env[name]
        if kind == "-":
            return arg
        raise AssertionError(
            f"compose.yml uses ${{{name}}}, which neither .env nor `make up` defines"
            + (f" ({arg})" if kind == "?" else "")
        )

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
    return interpolate_tree(yaml.safe_load(COMPOSE.read_text()), {**settings.values, **RUNTIME_ENV})


def merged(base, override, key=""):
    """Compose's merge of an override file, as far as the lab's files need it: mappings merge,
    `volumes` lists merge by their mount point, other lists and values are replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {k: merged(base[k], v, k) if k in base else v for k, v in override.items()} | {
            k: v for k, v in base.items() if k not in override
        }
    if key == "volumes" and isinstance(base, list):
        by_target = {str(v).split(":")[1]: v for v in base}
        by_target.update({str(v).split(":")[1]: v for v in override})
        return list(by_target.values())
    return override


@pytest.fixture(scope="module")
def cluster(settings):
    """compose.yml with compose/cluster.yml over it, interpolated: the cluster profile's model."""
    both = merged(yaml.safe_load(COMPOSE.read_text()), yaml.safe_load(CLUSTER.read_text()))
    return interpolate_tree(both, {**settings.values, **RUNTIME_ENV})


def test_validates_against_the_compose_specification(compose):
    jsonschema.validate(compose, json.loads(SCHEMA.read_text()))


def test_has_the_lab_services(compose):
    assert {
        "kafka",
        "kafka-init",
        "spark-master",
        "spark-worker",
        "spark-driver",
        "producer",
        "prometheus",
        "grafana",
        "postgres",
    } <= set(compose["services"])


def test_every_image_is_pinned_to_the_env_versions(compose, settings):
    for name, svc in compose["services"].items():
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", f"{name}: image {image} is not pinned"
    s = compose["services"]
    assert s["kafka"]["image"] == f"streaming-lab/kafka:{settings['KAFKA_VERSION']}"
    assert s["prometheus"]["image"] == f"streaming-lab/prometheus:{settings['PROMETHEUS_VERSION']}"
    assert s["postgres"]["image"] == f"streaming-lab/postgres:{settings['POSTGRES_VERSION']}"
    assert s["grafana"]["image"] == f"grafana/grafana:{settings['GRAFANA_VERSION']}"
    assert s["spark-master"]["build"]["args"] == {
        "PYTHON_VERSION": settings["PYTHON_VERSION"],
        "SPARK_VERSION": settings["SPARK_VERSION"],
    }
    assert s["kafka"]["build"]["args"] == {
        k: settings[k] for k in ("KAFKA_VERSION", "LOG4J_VERSION", "SLF4J_VERSION", "JMX_EXPORTER_VERSION")
    }
    assert s["prometheus"]["build"]["args"] == {"PROMETHEUS_VERSION": settings["PROMETHEUS_VERSION"]}
    assert s["postgres"]["build"]["args"] == {"POSTGRES_VERSION": settings["POSTGRES_VERSION"]}


def test_every_image_but_grafana_is_built_here(compose):
    for name, svc in compose["services"].items():
        if name == "grafana":
            assert "build" not in svc
        else:
            assert svc["image"].startswith("streaming-lab/") and "build" in svc, f"{name} must be built by the lab"
            assert (ROOT / svc["build"]["dockerfile"]).exists()


def _stages(dockerfile: Path) -> list[tuple[str, str | None, list[str]]]:
    """(base, stage name, lines) for each FROM of a Dockerfile."""
    stages = []
    for line in dockerfile.read_text().splitlines():
        if line.startswith("FROM "):
            words = line.split()
            stages.append((words[1], words[3] if len(words) > 3 and words[2].upper() == "AS" else None, []))
        elif stages:
            stages[-1][2].append(line)
    return stages


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_images_start_from_the_debian_base_and_leave_build_tools_behind(dockerfile):
    stages = _stages(dockerfile)
    names = set()
    for base, name, _ in stages:
        assert base == "debian:bookworm-slim" or base in names, f"{dockerfile}: FROM {base}"
        names.add(name)
    final = "\n".join(stages[-1][2])
    for tool in ("maven", "mvn ", "gcc", "build-essential"):
        assert tool not in final, f"{dockerfile.parent.name}: {tool} in the image that runs"
    assert "USER " in final or "USER" in "\n".join(ln for _, _, lines in stages for ln in lines)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_images_name_no_cpu_architecture(dockerfile):
    """They build on amd64 and arm64 alike: Debian's packages and the wheels exist for both."""
    text = dockerfile.read_text().lower()
    for arch in ("amd64", "x86_64", "aarch64", "arm64", "--platform"):
        assert arch not in text, f"{dockerfile.parent.name} names {arch}"


def test_the_jre_layer_is_shared_by_kafka_and_spark():
    """Written the same way, so the engine builds and stores it once."""
    layers = []
    for name in ("kafka", "spark"):
        base, stage, lines = _stages(ROOT / "services" / name / "Dockerfile")[0]
        assert (base, stage) == ("debian:bookworm-slim", "jre")
        layers.append([ln for ln in lines if ln and not ln.startswith("#")])
    assert layers[0] == layers[1]


def test_the_build_context_sends_what_the_dockerfiles_copy():
    import fnmatch

    rules = [
        ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip() and not ln.startswith("#")
    ]
    assert rules[0] == "*", "an allowlist: everything else (the venv, run state) stays out of the context"
    allowed = [r[1:].rstrip("/") for r in rules[1:] if r.startswith("!")]
    for dockerfile in DOCKERFILES:
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY ") and "--from" not in line:
                for source in line.split()[1:-1]:
                    assert any(fnmatch.fnmatch(source, a) or source.startswith(a + "/") for a in allowed), (
                        f"{dockerfile.parent.name} copies {source}, which .dockerignore leaves out"
                    )


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfiles_pass_hadolint_and_run_as_non_root(dockerfile):
    hadolint = Path(sys.executable).parent / "hadolint"
    proc = subprocess.run([str(hadolint), "--no-color", str(dockerfile)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    users = [line.split()[1] for line in dockerfile.read_text().splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), f"{dockerfile.parent.name} must end as a non-root user"


# The one port that may be published beyond 127.0.0.1 (where the teacher says): every call through
# the classroom's gate is authenticated, over TLS.
AUTHENTICATED = {"class-gate": "CLASS_HOST"}


def test_ports_are_published_on_loopback_only(compose):
    """With .env's settings: CLASS_HOST too is 127.0.0.1 until a teacher sets it."""
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond 127.0.0.1"


def test_the_published_ports_are_the_service_catalogues():
    """compose.yml publishes exactly the ports lab.runtimes.catalogue marks published (those the
    Docker runtime checks before starting anything), at the settings the catalogue names, on 127.0.0.1."""
    for path, cluster_only in ((COMPOSE, False), (CLUSTER, True)):
        raw = yaml.safe_load(path.read_text())  # before interpolation: the settings' names
        published: dict[str, set[str]] = {}
        for name, svc in raw["services"].items():
            for port in svc.get("ports", []):
                host = re.escape(f"${{{AUTHENTICATED[name]}}}") if name in AUTHENTICATED else r"127\.0\.0\.1"
                match = re.fullmatch(host + r":\$\{([A-Z_0-9]+)\}:[^:]+", str(port))
                assert match, f"{name} publishes {port}, not 127.0.0.1:${{SETTING}}:<port inside>"
                published.setdefault(name, set()).add(match.group(1))
        wanted = {
            s.name: {p.key for p in s.published}
            for s in catalogue.SERVICES
            if s.published and s.cluster_only == cluster_only
        }
        assert published == wanted, path.name


def test_the_catalogues_services_are_composes_with_their_texts_and_checks(compose, cluster):
    """Each is a Compose service (with a healthcheck, if `make up` starts it); each port's purpose,
    health check and what it waits for exist."""
    from lab.system import health

    for svc in catalogue.SERVICES:
        model = cluster if svc.cluster_only else compose
        assert svc.name in model["services"], f"{svc.name} is no Compose service"
        if svc.on_up:
            assert "healthcheck" in model["services"][svc.name], f"{svc.name} has no healthcheck"
        assert all(p.says() for p in svc.ports)
        if svc.health:
            assert callable(getattr(health, svc.health)) and svc.waits_for(), svc.name


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


def test_prometheus_targets_point_at_real_services(compose, settings):
    hosts = compose_hosts("streaming-lab", 2, connect=True)
    assert hosts["spark-worker"] == ["streaming-lab-spark-worker-1", "streaming-lab-spark-worker-2"]
    assert "spark-connect" not in compose_hosts("streaming-lab", 2)  # scraped with CONNECT=1 only
    targets = prometheus_targets(settings, hosts, COMPOSE_PORTS)
    assert [g["labels"]["service"] for g in targets["spark-driver"]] == ["spark-driver", "spark-connect"]
    for file_name, groups in targets.items():
        for group in groups:
            for target in group["targets"]:
                host, port = target.rsplit(":", 1)
                service = re.sub(r"^streaming-lab-(.*)-\d+$", r"\1", host)
                assert service in compose["services"], f"{file_name}: no service {host}"
                assert port in json.dumps(compose["services"][service]), f"{file_name}: {host} does not use port {port}"
    assert COMPOSE_PORTS["spark-master"] in compose["services"]["spark-master"]["command"]
    mounts = compose["services"]["prometheus"]["volumes"]
    assert f"{RUNTIME_ENV['LAB_RUN_DIR']}/conf/prometheus:/etc/prometheus:ro" in mounts


def test_same_topics_and_settings_as_the_local_runtime(compose, settings):
    init = compose["services"]["kafka-init"]
    assert init["entrypoint"] == ["python", "-m", "lab.kafka.topics"], "topics are made by the local runtime's code"
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    env = compose["services"]["kafka"]["environment"]
    template = (ROOT / "services" / "kafka" / "server.properties").read_text()
    placeholders = set(re.findall(r"\$\{([A-Z_0-9]+)\}", template))
    missing = placeholders - set(env)
    assert not missing, f"the broker's template needs {missing}, which compose does not set"
    assert env["KAFKA_PARTITIONS"] == settings["KAFKA_PARTITIONS"]
    assert "INTERNAL://" in env["KAFKA_LISTENERS"] and "EXTERNAL://" in env["KAFKA_LISTENERS"], "separate listeners"
    worker = compose["services"]["spark-worker"]["command"]
    assert worker[worker.index("--cores") + 1] == settings["SPARK_WORKER_CORES"]


def test_the_cluster_profile_replicates(cluster, settings):
    """Three brokers and controllers (node ids 1-3, one quorum), replication factor 3 and
    min.insync.replicas 2, each on its own volume and host port; topics made once all three are
    healthy; every client bootstraps from the three."""
    jsonschema.validate(cluster, json.loads(SCHEMA.read_text()))
    template = (ROOT / "services" / "kafka" / "server.properties").read_text()
    placeholders = set(re.findall(r"\$\{([A-Z_0-9]+)\}", template))
    brokers = {"kafka": "1", "kafka-2": "2", "kafka-3": "3"}
    quorum, volumes, ports = set(), set(), set()
    for name, node in brokers.items():
        svc = cluster["services"][name]
        env = svc["environment"]
        assert (env["KAFKA_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"], env["KAFKA_NODE_ID"]) == (
            "3",
            "2",
            node,
        )
        assert not placeholders - set(env), f"{name} lacks {placeholders - set(env)}"
        assert f"INTERNAL://{name}:19092" in env["KAFKA_ADVERTISED_LISTENERS"]
        quorum.add(env["KAFKA_INITIAL_CONTROLLERS"])
        volumes.update(v.split(":")[0] for v in svc["volumes"] if v.endswith(":/var/lib/kafka/data"))
        ports.update(svc["ports"])
    assert len(quorum) == 1 and quorum.pop().count("@") == 3, "one quorum of three voters"
    assert volumes == {"kafka-1-data", "kafka-2-data", "kafka-3-data"}, "the single broker's storage is never reused"
    assert len(ports) == 3
    init = cluster["services"]["kafka-init"]
    assert {k for k, v in init["depends_on"].items() if v["condition"] == "service_healthy"} == set(brokers)
    assert init["environment"]["KAFKA_REPLICATION_FACTOR"] == "3"
    for client in ("kafka-init", "spark-driver", "notebook", "producer"):
        bootstrap = cluster["services"][client]["environment"]["KAFKA_BOOTSTRAP"]
        assert bootstrap == "kafka:19092,kafka-2:19092,kafka-3:19092", client


def test_grafana_is_provisioned_with_the_labs_prometheus(compose):
    grafana = compose["services"]["grafana"]
    assert "../grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "../grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]
    datasource = yaml.safe_load((ROOT / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    url = datasource["datasources"][0]["url"]
    assert url == "http://prometheus:9090" and "prometheus" in compose["services"]
    provider = yaml.safe_load((ROOT / "grafana" / "provisioning" / "dashboards" / "lab.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_named_volumes_for_data_and_the_run_folder_mounted_from_the_host(compose):
    assert {"kafka-data", "prometheus-data", "grafana-data", "postgres-data"} <= set(compose["volumes"])
    for name in ("spark-master", "spark-worker", "spark-driver", "producer"):
        svc = compose["services"][name]
        assert f"{RUNTIME_ENV['LAB_RUN_DIR']}:/lab-state" in svc["volumes"], name
        assert "../:/lab:ro" in svc["volumes"], f"{name}: the code is mounted read-only, never copied"
        assert svc["user"] == "1000:1000", f"{name} runs as the host user, so the run folder stays theirs"
