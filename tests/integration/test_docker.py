"""The Compose runtime for real, where a Docker engine answers; skipped elsewhere (such as CI here,
where the Compose files are checked statically by tests/static/test_compose.py)."""

import pytest

from lab.runtime import docker_engine_answers
from tests.support import lab as run

pytestmark = [pytest.mark.docker, pytest.mark.skipif(
    not docker_engine_answers(), reason="no Docker engine answers `docker info` on this machine")]


def test_compose_lab_runs_basic_and_windowing():
    env = run.env(RUNTIME="docker")
    try:
        run.lab("up", environ=env, timeout=1800, check=True)
        run.lab("produce", "--count", "500", "--rate", "0", "--seed", "3", environ=env, timeout=300, check=True)
        basic = run.lab("submit", "basic", "--trigger", "availableNow", environ=env, timeout=600, check=True)
        assert "Batch: 0" in basic.stdout
        windowing = run.lab("submit", "windowing", "--trigger", "availableNow", environ=env, timeout=600, check=True)
        assert "window_start" in windowing.stdout
    finally:
        run.lab("down", environ=env, timeout=600)
