"""Health checks for the lab's services: each returns truthy when healthy, raises or returns
falsy otherwise, and does one bounded network call. Combine with `streamlab.wait.wait_for`.

HTTP goes through lab.system.httpclient (requests), with HTTP_TIMEOUT: healthy is a 200 answer, or the
Spark master's JSON saying so.
"""

from __future__ import annotations

from lab.config.settings import Settings
from lab.system import httpclient

HTTP_TIMEOUT = 2.0


def kafka_metadata(bootstrap: str, timeout: float = 3.0):
    """The broker answers a metadata request: returns the ClusterMetadata, or raises."""
    from confluent_kafka.admin import AdminClient

    # log_level 0: silent. Every caller reports a failure in its own one line (submit) or wait
    # message (`make up`); librdkafka's own "Connect ... failed" lines would only repeat it.
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": 2000, "log_level": 0})
    return admin.list_topics(timeout=timeout)


def kafka_ready(settings: Settings) -> bool:
    return bool(kafka_metadata(settings.kafka_bootstrap).brokers)


def spark_master_state(settings: Settings) -> dict:
    return httpclient.get_json(f"http://{settings.host}:{settings['SPARK_MASTER_UI_PORT']}/json/", HTTP_TIMEOUT)


def spark_master_ready(settings: Settings) -> bool:
    return spark_master_state(settings).get("status") == "ALIVE"


def spark_alive_workers(settings: Settings) -> int:
    return sum(1 for w in spark_master_state(settings).get("workers", []) if w.get("state") == "ALIVE")


def spark_worker_registered(settings: Settings) -> bool:
    return spark_alive_workers(settings) >= 1


def prometheus_ready(settings: Settings) -> bool:
    return httpclient.ok(f"http://{settings.host}:{settings['PROMETHEUS_PORT']}/-/ready", HTTP_TIMEOUT)


def producer_ready(settings: Settings) -> bool:
    return httpclient.ok(f"http://{settings.host}:{settings['PRODUCER_METRICS_PORT']}/metrics", HTTP_TIMEOUT)


def postgres_server_ready(settings: Settings) -> bool:
    """The server accepts a login (to its maintenance database: the lab's may not exist yet)."""
    import psycopg

    from lab.config.postgres import dsn

    with psycopg.connect(dsn(settings, "postgres"), connect_timeout=2) as conn:
        return conn.execute("select 1").fetchone() == (1,)


def class_gate_ready(settings: Settings) -> bool:
    """The classroom gate's TLS port accepts connections (it opens once the gate has its
    certificate and roster)."""
    import socket

    with socket.create_connection((settings.class_address, settings.int("CLASS_PORT")), timeout=HTTP_TIMEOUT):
        return True


def spark_connect_ready(settings: Settings) -> bool:
    """The server's gRPC port accepts connections (it opens once its SparkContext is up) and its
    Spark UI answers."""
    import socket

    with socket.create_connection((settings.host, settings.int("SPARK_CONNECT_PORT")), timeout=HTTP_TIMEOUT):
        pass
    return httpclient.ok(
        f"http://{settings.host}:{settings['SPARK_CONNECT_UI_PORT']}/api/v1/applications", HTTP_TIMEOUT
    )
