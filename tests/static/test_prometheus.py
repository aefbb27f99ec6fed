"""promtool checks the lab's Prometheus config, rules and alert unit tests (the real binary)."""

import shutil
import subprocess

import pytest

from lab.config.paths import SERVICES_DIR
from lab.config.render import COMPOSE_PORTS, SCRAPED, compose_hosts, write_prometheus_config
from lab.config.settings import load

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is installed by `make install` (Debian's prometheus)"
)


def promtool(*args, cwd=None):
    proc = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize("runtime", ["local", "docker"])
def test_config_with_generated_targets_is_valid(tmp_path, runtime):
    hosts = {s: ["127.0.0.1"] for s in SCRAPED} if runtime == "local" else compose_hosts("streaming-lab", 2)
    config = write_prometheus_config(
        load(environ={}), SERVICES_DIR, tmp_path, hosts, COMPOSE_PORTS if runtime == "docker" else None
    )
    out = promtool("check", "config", str(config))
    assert "SUCCESS" in out
    assert len(list((tmp_path / "rules").glob("*.yml"))) == 2


def test_rules_are_valid():
    out = promtool("check", "rules", *map(str, sorted((SERVICES_DIR / "prometheus" / "rules").glob("*.yml"))))
    assert out.count("SUCCESS") == 2


def test_alerts_fire_when_and_only_when_they_should():
    out = promtool("test", "rules", "alerts_test.yml", cwd=SERVICES_DIR / "prometheus" / "tests")
    assert "SUCCESS" in out
