import re

import pytest

from lab.config.settings import ROOT, SettingsError, load, parse_env_file


def test_env_file_parses_and_environment_overrides(tmp_path):
    env = tmp_path / ".env"
    env.write_text("# comment\nKAFKA_PORT=9092\nLAB_HOST='127.0.0.1'\nTOPIC_ORDERS=orders\n")
    settings = load(env, environ={"KAFKA_PORT": "19092", "UNRELATED": "x"})
    assert settings["KAFKA_PORT"] == "19092"
    assert settings.host == "127.0.0.1"
    assert settings.kafka_bootstrap == "127.0.0.1:19092"
    assert settings.topics == {"orders": "orders"}
    assert settings.get("UNRELATED") is None


def test_bad_line_names_file_and_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("OK=1\nthis is not a setting\n")
    with pytest.raises(SettingsError, match=r"\.env:2"):
        parse_env_file(env)


def test_missing_key_and_bad_int_are_clear_errors(tmp_path):
    env = tmp_path / ".env"
    env.write_text("KAFKA_PORT=ninety\n")
    settings = load(env, environ={})
    with pytest.raises(SettingsError, match="KAFKA_PORT='ninety' is not an integer"):
        settings.int("KAFKA_PORT")
    with pytest.raises(SettingsError, match="NOPE is not defined"):
        settings["NOPE"]


def test_external_cluster_overrides(tmp_path):
    env = tmp_path / ".env"
    env.write_text("LAB_HOST=127.0.0.1\nKAFKA_PORT=9092\nSPARK_MASTER_PORT=7077\n")
    settings = load(env, environ={"KAFKA_BOOTSTRAP": "k1:9092,k2:9092", "SPARK_MASTER": "spark://m:7077"})
    assert settings.kafka_bootstrap == "k1:9092,k2:9092"
    assert settings.spark_master == "spark://m:7077"


def test_lab_env_has_everything_the_lab_reads():
    settings = load(environ={})
    for key in (
        "SPARK_VERSION",
        "KAFKA_VERSION",
        "KAFKA_PORT",
        "KAFKA_CONTROLLER_PORT",
        "SPARK_MASTER_PORT",
        "SPARK_MASTER_UI_PORT",
        "SPARK_WORKER_UI_PORT",
        "SPARK_DRIVER_UI_PORT",
        "PROMETHEUS_PORT",
        "GRAFANA_PORT",
        "SPARK_WORKER_CORES",
        "SPARK_WORKER_MEMORY",
    ):
        assert settings[key]
    assert settings.host == "127.0.0.1", "services must listen on loopback by default"
    assert settings["KAFKA_VERSION"].startswith("4."), "Kafka 4.x (KRaft only)"


def test_versions_are_pinned_once():
    """requirements.txt pins the same pyspark as .env; the connector pom uses .env's Scala."""
    settings = load(environ={})
    lock = (ROOT / "requirements.txt").read_text()
    assert f"pyspark=={settings['SPARK_VERSION']}" in lock
    # The Spark Connect client: the same Spark as the server, pinned once (its other packages by the lock).
    thin = (ROOT / "requirements" / "thin.in").read_text()
    assert f"pyspark-client=={settings['SPARK_VERSION']}" in thin and thin.count("==") == 1
    pom = (ROOT / "services" / "spark" / "pom.xml").read_text()
    assert f"spark-sql-kafka-0-10_{settings['SCALA_BINARY_VERSION']}" in pom
    assert "${spark.version}" in pom and not re.search(
        r"<version>\d+\.\d+\.\d+</version>", pom.split("<dependencies>")[1]
    )


@pytest.mark.parametrize("form", ["environment", "command line"])
def test_make_passes_every_setting_on_from_the_environment_and_the_command_line(form):
    """`KAFKA_PORT=19092 make up` and `make up KAFKA_PORT=19092` both win over .env, for every key."""
    import os
    import subprocess

    keys = parse_env_file(ROOT / ".env")
    wanted = {key: f"override-{i}" for i, key in enumerate(keys)}
    env = {k: v for k, v in os.environ.items() if k not in keys}
    args = [f"{k}={v}" for k, v in wanted.items()] if form == "command line" else []
    proc = subprocess.run(
        ["make", "-s", "config", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, **wanted} if form == "environment" else env,
    )
    assert proc.returncode == 0, proc.stderr
    got = dict(line.split("    #")[0].split("=", 1) for line in proc.stdout.splitlines())
    assert got == wanted
    assert f"{len(keys)} settings, {len(keys)} from the environment" in proc.stderr


def test_connect_is_off_by_default_and_its_address_follows_the_settings():
    settings = load(environ={})
    assert not settings.connect and settings.connect_url == "sc://127.0.0.1:15002"
    on = load(environ={"CONNECT": "1", "LAB_HOST": "127.0.0.2", "SPARK_CONNECT_PORT": "25002"})
    assert on.connect and on.connect_url == "sc://127.0.0.2:25002"
