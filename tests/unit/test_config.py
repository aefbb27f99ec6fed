"""streamlab.config: what a job reads from its environment, and the options that win over it."""

from pathlib import Path

import pytest

from lab.config.clients import client_env
from lab.config.paths import Paths
from lab.config.settings import load
from streamlab import options
from streamlab.config import Config, ConfigError


def test_defaults_suit_a_plain_spark_submit_beside_a_local_kafka():
    config = Config.from_env({})
    assert config.bootstrap == "127.0.0.1:9092"
    assert config.topic("page_views") == "page_views" and config.topic("quarantine") == "quarantine"
    assert (config.checkpoint_root, config.output_root, config.data_root) == (
        Path("checkpoints"),
        Path("outputs"),
        Path("data"),
    )
    assert (config.metrics_port, config.metrics_host, config.final_scrape_seconds) == (9108, "127.0.0.1", 6.0)
    assert not config.paths_on_server  # the job reads its own checkpoints


def test_the_environment_sets_every_field():
    config = Config.from_env(
        {
            "KAFKA_BOOTSTRAP": "kafka:19092",
            "TOPIC_ORDERS": "drill_orders",
            "CHECKPOINT_ROOT": "/c",
            "OUTPUT_ROOT": "/o",
            "DATA_ROOT": "/d",
            "JOB_METRICS_PORT": "0",
            "METRICS_HOST": "0.0.0.0",
            "JOB_FINAL_SCRAPE_SECONDS": "0",
            "POSTGRES_DSN": "host=db",
            "PATHS_ON_SERVER": "1",
        }
    )
    assert config == Config(
        bootstrap="kafka:19092",
        topics={**Config().topics, "orders": "drill_orders"},
        checkpoint_root=Path("/c"),
        output_root=Path("/o"),
        data_root=Path("/d"),
        metrics_port=0,
        metrics_host="0.0.0.0",
        final_scrape_seconds=0.0,
        postgres_dsn="host=db",
        paths_on_server=True,
    )


def test_a_bad_port_names_the_variable():
    with pytest.raises(ConfigError, match="JOB_METRICS_PORT='x'"):
        Config.from_env({"JOB_METRICS_PORT": "x"})


@pytest.mark.parametrize("bad", ["x", "-1", "nan"])
def test_a_bad_final_scrape_wait_names_the_variable(bad):
    with pytest.raises(ConfigError, match=f"JOB_FINAL_SCRAPE_SECONDS='{bad}' is not a number of seconds"):
        Config.from_env({"JOB_FINAL_SCRAPE_SECONDS": bad})


def test_options_read_the_environment_once_and_win_over_it(capsys):
    opts = options.parse(options.parser("job"), ["--bootstrap-servers", "b:1"], environ={"KAFKA_BOOTSTRAP": "a:1"})
    assert opts.config.bootstrap == "b:1"
    assert options.parse(options.parser("job"), [], environ={"KAFKA_BOOTSTRAP": "a:1"}).config.bootstrap == "a:1"
    with pytest.raises(SystemExit) as exit_:
        options.parse(options.parser("job"), [], environ={"JOB_METRICS_PORT": "x"})
    assert exit_.value.code == 2 and "JOB_METRICS_PORT" in capsys.readouterr().err


def test_the_control_plane_passes_what_the_jobs_read(tmp_path):
    """lab.config.clients.client_env -> streamlab.config: the lab's settings arrive whole, and a drill's
    own topics (an environment override) win."""
    settings = load(environ={"LAB_RUN": str(tmp_path), "KAFKA_PORT": "29092"})
    paths = Paths.of(settings)
    env = client_env(settings.overridden({"TOPIC_PAGE_VIEWS": "drill_views"}), paths)
    config = Config.from_env(env)
    assert config.bootstrap == "127.0.0.1:29092"
    assert config.topics == {**settings.topics, "page_views": "drill_views"}
    assert (config.checkpoint_root, config.output_root, config.data_root) == (
        paths.checkpoints,
        paths.outputs,
        paths.data,
    )
    assert config.metrics_port == settings.int("JOB_METRICS_PORT")
    assert config.final_scrape_seconds == float(settings["JOB_FINAL_SCRAPE_SECONDS"]) == 6.0
    assert f"port={settings['POSTGRES_PORT']}" in config.postgres_dsn
