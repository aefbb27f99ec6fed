"""Fixtures shared by every test folder, and a table of where the suite's time goes."""

from __future__ import annotations

import os
import sys

import pytest

from lab.settings import ROOT, load

# The suite reads the lab's English unless a test asks for Spanish (LAB_LANG=es in the environment
# it gives a command): a learner's locale or LAB_LANG must not change what the tests expect.
os.environ["LAB_LANG"] = "en"


@pytest.fixture(scope="session")
def settings():
    return load()


@pytest.fixture(scope="session")
def spark():
    """A local SparkSession for unit tests on small static DataFrames (no cluster, no Kafka)."""
    from pyspark.sql import SparkSession

    # Python workers must run this interpreter (the lab's venv, with pandas and pyarrow).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("unit-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# The Docker lab's engine and images take minutes to make on a fresh machine, mostly downloading and
# building: made in the background from the session's start (tests/support/dockerhost.Prebuild),
# they overlap the local lab's tests. LAB_DOCKER_PREBUILD=0 makes them in the Docker tests instead.
def pytest_collection_finish(session):
    if session.config.option.collectonly or os.environ.get("LAB_DOCKER_PREBUILD") == "0":
        return
    docker = [item.get_closest_marker("docker") is not None for item in session.items]
    if any(docker) and not all(docker):  # Docker tests, and others to overlap with
        from tests.docker.conftest import PREBUILD, PROJECT
        from tests.support.dockerhost import Prebuild

        session.config.stash[PREBUILD] = Prebuild.start(
            ROOT / ".lab" / "test-docker" / "prebuild", {"COMPOSE_PROJECT_NAME": PROJECT}
        )


def pytest_sessionfinish(session):
    from tests.docker.conftest import PREBUILD

    prebuild = session.config.stash.get(PREBUILD, None)
    if prebuild is not None:
        prebuild.cancel()


# Seconds (setup + call + teardown) and tests, per test module. A module-scoped fixture's cost
# lands on its module; the integration lab's start on the first integration module, its
# teardown on the last.
_MODULES: dict[str, list] = {}


def pytest_runtest_logreport(report):
    seconds_and_tests = _MODULES.setdefault(report.nodeid.split("::")[0], [0.0, 0])
    seconds_and_tests[0] += report.duration
    if report.when == "call":
        seconds_and_tests[1] += 1


def pytest_terminal_summary(terminalreporter):
    if not _MODULES:
        return
    terminalreporter.section("time per test module")
    total = sum(seconds for seconds, _ in _MODULES.values())
    for module, (seconds, tests) in sorted(_MODULES.items(), key=lambda item: -item[1][0]):
        terminalreporter.write_line(f"{seconds:8.1f} s {100 * seconds / total:5.1f}% {tests:4d} tests  {module}")
    terminalreporter.write_line(f"{total:8.1f} s  in all")
    docker = sum(seconds for module, (seconds, _) in _MODULES.items() if module.startswith("tests/docker/"))
    if docker:
        terminalreporter.write_line(f"{total - docker:8.1f} s  without the Docker lab (tests/docker)")
