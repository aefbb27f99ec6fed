"""The local runtime's service definitions (lab.runtimes.local.services) for fixed settings: the command lines,
ports, URLs and order that supervisord and `make status` get. No process is started."""

import os
from pathlib import Path

import pytest

from lab.config.paths import SPARK_DEFAULTS, Paths
from lab.config.settings import ROOT, load
from lab.runtimes.local import install
from lab.runtimes.local import services as local
from lab.runtimes.local.supervisor import supervisor_conf
from lab.spark import submit
from lab.system import health

HOST = "127.0.0.5"
PORTS = {
    "KAFKA_PORT": "1101",
    "KAFKA_CONTROLLER_PORT": "1102",
    "KAFKA_JMX_EXPORTER_PORT": "1103",
    "POSTGRES_PORT": "1104",
    "SPARK_MASTER_PORT": "1105",
    "SPARK_MASTER_UI_PORT": "1106",
    "SPARK_WORKER_PORT": "1107",
    "SPARK_WORKER_UI_PORT": "1108",
    "PROMETHEUS_PORT": "1109",
    "PRODUCER_METRICS_PORT": "1110",
}
SIZES = {
    "KAFKA_HEAP": "384m",
    "SPARK_WORKER_CORES": "3",
    "SPARK_WORKER_MEMORY": "3g",
    "PRODUCER_RATE": "77",
    "JMX_EXPORTER_VERSION": "9.9.9",
    "POSTGRES_USER": "u",
    "POSTGRES_DB": "d",
}


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """Settings, run folder and state folder of a lab defined on fixed values, whatever the machine."""
    monkeypatch.setattr(local, "spark_home", lambda: Path("/opt/spark"))
    monkeypatch.setattr(submit, "spark_home", lambda: Path("/opt/spark"))
    monkeypatch.setattr(install, "postgres_bin", lambda settings: Path("/pg/bin"))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    state, run = tmp_path / "state", tmp_path / "run"
    settings = load(environ={"LAB_STATE": str(state), "LAB_RUN": str(run), "LAB_HOST": HOST, **PORTS, **SIZES})
    return settings, Paths.of(settings), state, run


def test_the_services_and_their_command_lines(lab):
    settings, paths, state, run = lab
    svcs = local.services(settings, paths)
    assert [s.name for s in svcs] == ["kafka", "postgres", "spark-master", "spark-worker", "prometheus", "producer"]
    kafka = f"{ROOT}/services/kafka"
    assert {s.name: s.command for s in svcs} == {
        "kafka": [
            "java",
            "-Xms384m",
            "-Xmx384m",
            "-Djava.awt.headless=true",
            "-XX:+UseG1GC",
            f"-Dlog4j2.configurationFile={kafka}/log4j2.properties",
            f"-javaagent:{state}/jars/agents/jmx_prometheus_javaagent-9.9.9.jar={HOST}:1103:{kafka}/jmx-exporter.yaml",
            "-cp",
            f"{state}/jars/kafka/*",
            "kafka.Kafka",
            f"{run}/conf/kafka/server.properties",
        ],
        "postgres": [
            "/pg/bin/postgres",
            "-D",
            f"{run}/data/postgres",
            "-c",
            f"listen_addresses={HOST}",
            "-c",
            "port=1104",
            "-c",
            "unix_socket_directories=",
            "-c",
            "shared_buffers=64MB",
            "-c",
            "fsync=on",
        ],
        "spark-master": [
            "/opt/spark/bin/spark-class",
            "org.apache.spark.deploy.master.Master",
            "--properties-file",
            str(SPARK_DEFAULTS),
            "--host",
            HOST,
            "--port",
            "1105",
            "--webui-port",
            "1106",
        ],
        "spark-worker": [
            "/opt/spark/bin/spark-class",
            "org.apache.spark.deploy.worker.Worker",
            "--properties-file",
            str(SPARK_DEFAULTS),
            "--host",
            HOST,
            "--port",
            "1107",
            "--webui-port",
            "1108",
            "--cores",
            "3",
            "--memory",
            "3g",
            "--work-dir",
            f"{run}/data/spark-work",
            f"spark://{HOST}:1105",
        ],
        "prometheus": [
            "prometheus",
            f"--config.file={run}/conf/prometheus/prometheus.yml",
            f"--storage.tsdb.path={run}/data/prometheus",
            f"--web.listen-address={HOST}:1109",
            "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=7d",
        ],
        "producer": [
            f"{state}/venv/bin/python",
            "-m",
            "producer",
            "--rate",
            "77",
            "--seed",
            "auto",
            "--metrics-port",
            "1110",
            "--wait-for-broker",
            "60",
        ],
    }


def test_ports_urls_order_and_grace(lab):
    settings, paths, state, run = lab
    svcs = {s.name: s for s in local.services(settings, paths)}
    assert {n: s.ports for n, s in svcs.items()} == {
        "kafka": {"Kafka": 1101, "Kafka controller": 1102, "Kafka JMX exporter": 1103},
        "postgres": {"PostgreSQL": 1104},
        "spark-master": {"Spark master": 1105, "Spark master UI": 1106},
        "spark-worker": {"Spark worker": 1107, "Spark worker UI": 1108},
        "prometheus": {"Prometheus": 1109},
        "producer": {"producer metrics": 1110},
    }
    assert {n: s.url for n, s in svcs.items()} == {
        "kafka": f"{HOST}:1101",
        "postgres": f"postgresql://u@{HOST}:1104/d",
        "spark-master": f"http://{HOST}:1106  (spark://{HOST}:1105)",
        "spark-worker": f"http://{HOST}:1108",
        "prometheus": f"http://{HOST}:1109",
        "producer": f"http://{HOST}:1110/metrics",
    }
    assert {n: s.after for n, s in svcs.items() if s.after} == {
        "spark-worker": ("spark-master",),
        "producer": ("kafka",),
    }
    assert {n: s.stop_grace for n, s in svcs.items()} == {
        "kafka": 30,
        "postgres": 20,
        "spark-master": 15,
        "spark-worker": 15,
        "prometheus": 15,
        "producer": 20,
    }
    assert {n for n, s in svcs.items() if s.prepare} == {"kafka", "postgres", "prometheus"}
    assert {n for n, s in svcs.items() if s.on_ready} == {"kafka", "postgres"}
    assert {n: s.user for n, s in svcs.items() if s.user} == {"postgres": "postgres"}  # run as root here
    assert svcs["spark-worker"].env["SPARK_HOME"] == "/opt/spark" == svcs["spark-master"].env["SPARK_HOME"]
    assert svcs["producer"].env["KAFKA_BOOTSTRAP"] == f"{HOST}:1101"


def test_each_service_waits_on_its_own_health_check(lab, monkeypatch):
    settings, paths, state, run = lab
    checks = (
        "kafka_ready",
        "postgres_server_ready",
        "spark_master_ready",
        "spark_worker_registered",
        "prometheus_ready",
        "producer_ready",
    )
    for name in checks:
        monkeypatch.setattr(health, name, lambda s, name=name: (name, s["LAB_HOST"]))
    assert [s.ready() for s in local.services(settings, paths)] == [(name, HOST) for name in checks]


def test_postgres_runs_as_the_current_user_when_not_root(lab, monkeypatch):
    settings, paths, state, run = lab
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert [s.user for s in local.services(settings, paths)] == [None] * 6


def test_the_supervisord_program_of_a_service(lab):
    settings, paths, state, run = lab
    conf = supervisor_conf(settings, paths, local.services(settings, paths))
    program = conf.split("[program:spark-master]\n")[1].split("\n\n")[0].splitlines()
    assert program[0] == (
        "command=/opt/spark/bin/spark-class org.apache.spark.deploy.master.Master "
        f"--properties-file {SPARK_DEFAULTS} --host {HOST} "
        "--port 1105 --webui-port 1106"
    )
    assert f"stdout_logfile={run}/logs/spark-master.log" in program
    assert program[-1].startswith(f'environment=LAB_INSTANCE="{run}",SPARK_HOME="/opt/spark",')


def test_the_spark_connect_server_runs_only_with_connect_1(lab, monkeypatch):
    settings, paths, state, run = lab
    monkeypatch.setattr(submit, "connector_jars", lambda paths: [Path("/jars/kafka.jar")])
    assert "spark-connect" not in [s.name for s in local.services(settings, paths)]
    connect = settings.overridden({"CONNECT": "1", "SPARK_CONNECT_PORT": "1111", "SPARK_CONNECT_UI_PORT": "1112"})
    svcs = {s.name: s for s in local.services(connect, paths)}
    assert list(svcs)[-1] == "spark-connect"
    server = svcs["spark-connect"]
    assert server.ports == {
        "the Spark Connect server (gRPC, for thin clients)": 1111,
        "the Spark Connect server's Spark UI": 1112,
    }
    assert server.url == f"sc://{HOST}:1111"
    assert server.after == ("spark-master",)
    cmd = server.command
    assert cmd[:3] == [
        "/opt/spark/bin/spark-submit",
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
    ]
    assert cmd[cmd.index("--master") + 1] == f"spark://{HOST}:1105"
    assert "--py-files" not in cmd  # it runs no job file
    assert cmd[cmd.index("--jars") + 1] == "/jars/kafka.jar"
    conf = dict(cmd[i + 1].split("=", 1) for i, arg in enumerate(cmd) if arg == "--conf")
    assert conf["spark.connect.grpc.binding.address"] == HOST
    assert conf["spark.connect.grpc.binding.port"] == "1111"
    assert conf["spark.ui.port"] == "1112"
    assert conf["spark.dynamicAllocation.enabled"] == "true"
    assert conf["spark.dynamicAllocation.minExecutors"] == "0"
    assert conf["spark.executor.cores"] == "1"
    assert server.prepare is not None  # its driver joins Prometheus' targets
    assert server.env["KAFKA_BOOTSTRAP"] == f"{HOST}:1101"
