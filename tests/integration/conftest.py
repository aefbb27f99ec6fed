"""The integration tests' lab: a real local lab (Kafka, Spark master and worker, Prometheus,
PostgreSQL, the producer) started once for the integration tests, with its own run folder and
ports (tests/support/lab.py), and torn down after the last of them, whatever happened (under
`make test`, one such lab in each of its two processes). A learner's own lab (`make up`) can run
meanwhile: it is checked to be untouched. Anything else already on the test lab's ports is a clear
error, never reused."""

from __future__ import annotations

import os
import shutil

import pytest

from lab import runtimes
from lab.config.paths import Paths
from lab.config.settings import load
from lab.kafka.admin import delete_topics, fresh_topics
from tests.support import lab as run


@pytest.fixture(scope="session")
def lab_env():
    return run.env()


@pytest.fixture(scope="session")
def test_settings(lab_env):
    return load(environ=lab_env)


@pytest.fixture(scope="package", autouse=True)
def learners_lab_untouched():
    """The learner's local lab (its run folder and ports, as `make up` has them): the same services
    with the same processes after the tests as before, whether it was up or not."""
    learner = runtimes.get(load(environ={**os.environ, "RUNTIME": "local"}))
    before = learner.service_pids()
    yield
    after = learner.service_pids()
    assert after == before, f"the learner's lab changed during the tests: {before} before, {after} after"


@pytest.fixture(scope="package")
def lab_up(lab_env, test_settings):
    paths = Paths.of(test_settings)
    run.lab("down", environ=lab_env, timeout=120)
    shutil.rmtree(paths.run, ignore_errors=True)
    proc = run.lab("up", environ=lab_env, timeout=600)
    if proc.returncode != 0:
        run.lab("down", environ=lab_env, timeout=120)
        pytest.fail(f"the test lab did not come up:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}", pytrace=False)
    yield test_settings
    proc = run.lab("down", environ=lab_env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    left = runtimes.get(test_settings).leftovers()
    assert not left, f"processes left after down: {left}"


@pytest.fixture
def topics(request, lab_up, lab_env):
    """Private topics for one test, so the background producer's events never mix in."""
    overrides = fresh_topics(lab_up.kafka_bootstrap, request.node.name.split("[")[0][:40].replace("test_", "t_"))
    yield {**lab_env, **overrides}
    delete_topics(lab_up.kafka_bootstrap, list(overrides.values()), missing_ok=True)
