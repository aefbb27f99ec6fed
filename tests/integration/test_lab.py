"""The lab's services are real and healthy, and bound to loopback only."""

import json

import psutil

from lab.kafka.reading import consume_all
from lab.system import health
from lab.system.httpclient import get_json
from tests.support import lab as run
from tests.support.language import english_lines


def test_every_service_is_healthy(lab_up):
    s = lab_up
    assert health.kafka_ready(s)
    master = health.spark_master_state(s)
    assert master["status"] == "ALIVE"
    alive = [w for w in master["workers"] if w["state"] == "ALIVE"]
    assert len(alive) == 1 and alive[0]["cores"] == s.int("SPARK_WORKER_CORES")
    assert health.prometheus_ready(s)
    assert health.producer_ready(s)
    assert health.postgres_server_ready(s)


def test_topics_exist_with_configured_partitions(lab_up):
    from confluent_kafka.admin import AdminClient

    meta = AdminClient({"bootstrap.servers": lab_up.kafka_bootstrap}).list_topics(timeout=10)
    for topic in lab_up.topics.values():
        assert len(meta.topics[topic].partitions) == lab_up.int("KAFKA_PARTITIONS"), topic


def test_rest_submission_is_off_and_ports_are_loopback(lab_up):
    s = lab_up
    master = health.spark_master_state(s)
    assert master["url"] == f"spark://127.0.0.1:{s['SPARK_MASTER_PORT']}"
    assert not run.tcp_open(s.host, 6066), "Spark's REST submission port must stay closed"
    listening = {(c.laddr.ip, c.laddr.port) for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
    lab_ports = {
        s.int(k)
        for k in (
            "KAFKA_PORT",
            "KAFKA_CONTROLLER_PORT",
            "SPARK_MASTER_PORT",
            "SPARK_MASTER_UI_PORT",
            "SPARK_WORKER_UI_PORT",
            "PROMETHEUS_PORT",
            "POSTGRES_PORT",
            "PRODUCER_METRICS_PORT",
            "KAFKA_JMX_EXPORTER_PORT",
        )
    }
    wildcard = {"0.0.0.0", "::"}
    exposed = sorted(port for addr, port in listening if port in lab_ports and addr in wildcard)
    assert not exposed, f"lab ports listening on all interfaces: {exposed}"


def test_prometheus_scrapes_the_lab(lab_up):
    from streamlab.wait import wait_for

    s = lab_up
    base = f"http://{s.host}:{s['PROMETHEUS_PORT']}"

    def up_jobs():
        result = get_json(f"{base}/api/v1/query", 5, {"query": "up"})["data"]["result"]
        return {r["metric"]["job"] for r in result if r["value"][1] == "1"}

    wanted = {"prometheus", "kafka", "producer", "spark-master", "spark-worker"}
    jobs = wait_for(lambda: wanted <= up_jobs() and up_jobs(), 60, f"Prometheus to scrape {sorted(wanted)}")
    assert wanted <= jobs


def test_background_producer_feeds_the_topics(lab_up):
    from streamlab.wait import wait_for

    records = wait_for(
        lambda: consume_all(lab_up.kafka_bootstrap, lab_up.topics["page_views"]),
        60,
        "the producer service to write page views",
    )
    assert all(json.loads(r.value)["event_id"] for r in records)


def test_up_again_is_a_no_op(lab_up, lab_env):
    before = run.lab("status", environ=lab_env, check=True).stdout
    proc = run.lab("up", environ=lab_env, check=True)
    assert "already up" in proc.stdout
    after = run.lab("status", environ=lab_env, check=True).stdout

    def pids(text):
        return [line.split()[2] for line in text.splitlines()[1:]]

    assert pids(before) == pids(after)
    # In Spanish: the same no-op, and the table, with not one English sentence.
    spanish = run.lab("up", environ={**lab_env, "LAB_LANG": "es"}, check=True)
    assert spanish.stdout.startswith("El laboratorio ya está en marcha; no hay nada que hacer.\n"), spanish.stdout
    assert pids(spanish.stdout.split("\n", 1)[1]) == pids(before)
    assert english_lines(spanish.stdout + spanish.stderr) == []
