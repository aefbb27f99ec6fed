"""Health checks for the lab's services: each returns truthy when healthy, raises or returns
falsy otherwise, and does one bounded network call. Combine with `lab.wait.wait_for`.

Stdlib HTTP on purpose (no requests): these run in `make status` before anything is imported.
"""

from __future__ import annotations

import json
import socket
import urllib.request

from lab.settings import Settings

HTTP_TIMEOUT = 2.0


def http_get(url: str, timeout: float = HTTP_TIMEOUT) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.read()


def http_ok(url: str) -> bool:
    try:
        return http_get(url)[0] == 200
    except OSError:
        return False


def tcp_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with socket.socket() as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def kafka_metadata(bootstrap: str, timeout: float = 3.0):
    """The broker answers a metadata request: returns the ClusterMetadata, or raises."""
    from confluent_kafka.admin import AdminClient

    # log_level 0: silent. Every caller reports a failure in its own one line (submit) or wait
    # message (`make up`); librdkafka's own "Connect ... failed" lines would only repeat it.
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": 2000,
                         "log_level": 0})
    return admin.list_topics(timeout=timeout)


def kafka_ready(settings: Settings) -> bool:
    return bool(kafka_metadata(settings.kafka_bootstrap).brokers)


def spark_master_state(settings: Settings) -> dict:
    _, body = http_get(f"http://{settings.host}:{settings['SPARK_MASTER_UI_PORT']}/json/")
    return json.loads(body)


def spark_master_ready(settings: Settings) -> bool:
    return spark_master_state(settings).get("status") == "ALIVE"


def spark_alive_workers(settings: Settings) -> int:
    return sum(1 for w in spark_master_state(settings).get("workers", []) if w.get("state") == "ALIVE")


def spark_worker_registered(settings: Settings) -> bool:
    return spark_alive_workers(settings) >= 1


def prometheus_ready(settings: Settings) -> bool:
    return http_ok(f"http://{settings.host}:{settings['PROMETHEUS_PORT']}/-/ready")


def producer_ready(settings: Settings) -> bool:
    return http_ok(f"http://{settings.host}:{settings['PRODUCER_METRICS_PORT']}/metrics")


def postgres_server_ready(settings: Settings) -> bool:
    """The server accepts a login (to its maintenance database: the lab's may not exist yet)."""
    import psycopg

    from lab.postgres import dsn

    with psycopg.connect(dsn(settings, "postgres"), connect_timeout=2) as conn:
        return conn.execute("select 1").fetchone() == (1,)
