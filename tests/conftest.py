"""Fixtures shared by every test folder, and a table of where the suite's time goes."""

from __future__ import annotations

import os
import sys
import time

import pytest

from lab.config.settings import ROOT, load
from tests.support.lab import QUICK_JIT

_LANG_BEFORE: list[str | None] = []


def pytest_configure(config):
    """The suite reads the lab's English unless a test asks for Spanish (LAB_LANG=es in the
    environment it gives a command): a learner's locale or LAB_LANG must not change what the tests
    expect. Set before collection, given back when the session ends (pytest_unconfigure)."""
    _LANG_BEFORE.append(os.environ.get("LAB_LANG"))
    os.environ["LAB_LANG"] = "en"


def pytest_unconfigure(config):
    before = _LANG_BEFORE.pop() if _LANG_BEFORE else None
    if before is None:
        os.environ.pop("LAB_LANG", None)
    else:
        os.environ["LAB_LANG"] = before


@pytest.fixture(scope="session")
def settings():
    return load()


FILE_SYSTEM_CHECKPOINTS = "org.apache.spark.sql.execution.streaming.checkpointing.FileSystemBasedCheckpointFileManager"


@pytest.fixture(scope="session")
def spark(settings):
    """A local SparkSession for unit tests on small static DataFrames (no cluster, no Kafka)."""
    from pyspark.sql import SparkSession

    from lab.config.paths import Paths
    from lab.spark import cds
    from lab.spark.submit import spark_env

    paths = Paths.of(settings)
    env = spark_env(settings, paths)
    with pytest.MonkeyPatch.context() as mp:
        # Python workers must run this interpreter (the lab's venv, with pandas and pyarrow).
        mp.setenv("PYSPARK_PYTHON", sys.executable)
        # The lab's class path, so that the JVM maps the class-data archive when `make install`
        # has made it (lab.spark.cds): seconds less at each start.
        mp.setenv("SPARK_CONF_DIR", env["SPARK_CONF_DIR"])
        mp.setenv("SPARK_DIST_CLASSPATH", env["SPARK_DIST_CLASSPATH"])
        session = (
            SparkSession.builder.master("local[2]")
            .appName("unit-tests")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2")
            # Streaming runs without adaptive execution; the batch queries here too, for less planning.
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            # The quick compiler only, as the integration tests' JVMs.
            .config(
                "spark.driver.extraJavaOptions", " ".join([QUICK_JIT["SPARK_JAVA_OPTIONS"], *cds.java_options(paths)])
            )
            # Hadoop's FileContext forks `readlink` twice at every checkpoint file's rename, without
            # its native library: 2,400 processes in the unit tests. Renames on a local disk are atomic.
            .config("spark.sql.streaming.checkpointFileManagerClass", FILE_SYSTEM_CHECKPOINTS)
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


# The Docker lab's engine and images take minutes to make on a fresh machine, mostly downloading and
# building. Under `make test` the Docker module's process makes them at its start. In a single
# pytest process, they are made in the background from the session's start
# (tests/support/dockerhost.Prebuild), overlapping the local lab's tests; LAB_DOCKER_PREBUILD=0
# makes them in the Docker tests instead.
def pytest_collection_finish(session):
    if session.config.option.collectonly or os.environ.get("LAB_DOCKER_PREBUILD") == "0":
        return
    if hasattr(session.config, "workerinput"):  # pytest-xdist: the Docker module has a process of its own
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


# `make test` runs two processes (pytest-xdist, `-n 2`), each with a local test lab of its own
# (tests/support/lab.py): one runs the unit and static tests, the Docker lab's module (its engine
# has a network namespace of its own, so no port is shared) and the integration modules in
# BESIDE_DOCKER; the other, the rest of the integration modules. The two take about as long, and
# the tests that wait (on triggers, restarts, Kafka) leave the cores to the other process. Without
# the Docker lab's module (`make test DOCKER=0`), the first runs BESIDE_UNIT's instead.
INTEGRATION_ORDER = [
    "test_lab.py",
    "test_drills.py",
    "test_exercises.py",
    "test_basic.py",
    "test_windowing.py",
    "test_connect.py",
    "test_classroom.py",
    "test_jobs.py",
    "test_producer.py",
    "test_consume.py",
    "test_realtime.py",
    "test_notebooks.py",
    "test_demo.py",
    "test_bench.py",
    "test_observability.py",
    "test_lifecycle.py",
]
BESIDE_DOCKER = {"test_notebooks.py", "test_observability.py"}
# On a machine that never made the Docker engine (Compose built from source, the Debian base, the
# images: about 10 minutes more), observability goes to the other process, which would otherwise
# end about that much sooner.
BESIDE_COLD_DOCKER = BESIDE_DOCKER - {"test_observability.py"}
# Without the Docker lab's module (`make test DOCKER=0`, or no engine can run here), the drills and
# windowing take the place of it and of notebooks and observability: the split whose two halves
# measured closest.
BESIDE_UNIT = {"test_drills.py", "test_exercises.py", "test_windowing.py"}


# The single-broker Docker lab, then the cluster profile, on the same engine (their ports are the same).
DOCKER_ORDER = ["test_docker_lab.py", "test_docker_cluster.py"]


def _rank(item, docker_first: bool) -> tuple[int, float]:
    folder, _, name = item.nodeid.split("::")[0].rpartition("/")
    if folder == "tests/docker":
        return (1 if docker_first else 3, DOCKER_ORDER.index(name) if name in DOCKER_ORDER else len(DOCKER_ORDER))
    if folder == "tests/integration":
        # A module not in the list runs before the last one, which takes the session's lab down.
        last = len(INTEGRATION_ORDER) - 1
        return (2, INTEGRATION_ORDER.index(name) if name in INTEGRATION_ORDER else last - 0.5)
    return (0, 0)


def pytest_collection_modifyitems(config, items):
    # Stable: unit and static, then the integration modules in their order; the Docker module last,
    # but first among its process's modules under `make test`, where it is the longest.
    items.sort(key=lambda item: _rank(item, hasattr(config, "workerinput")))


def process_of(module: str, docker: bool = True, cold: bool = False) -> str:
    """Which of `make test`'s two processes runs a test module (a path from the project root), when
    the Docker lab's module runs (`docker`; `cold`: its engine must be made first) and when it does
    not."""
    folder, _, name = module.rpartition("/")
    beside = (BESIDE_COLD_DOCKER if cold else BESIDE_DOCKER) if docker else BESIDE_UNIT
    return "local" if folder == "tests/integration" and name not in beside else "beside-docker"


def _needs_a_lab(module: str) -> bool:
    return module.startswith(("tests/integration/", "tests/docker/"))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: `-p no:xdist` still runs
def pytest_xdist_make_scheduler(config, log):
    """Two units of work, one per process (see above)."""
    from xdist.scheduler import LoadScopeScheduling

    class TwoLabs(LoadScopeScheduling):
        labs: bool | None = None
        docker = cold = False

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::")[0]
            if self.labs is None:  # the collection is complete when the first scope is asked for
                modules = {other.split("::")[0] for other in self.collection}
                self.labs = any(_needs_a_lab(m) for m in modules)
                if any(m.startswith("tests/docker/") for m in modules):
                    from tests.support import dockerhost

                    self.docker = dockerhost.unavailable() is None
                    self.cold = self.docker and dockerhost.slow_to_prepare()
            # Without a lab (`make test-unit`), a module goes to whichever process is free.
            return process_of(module, self.docker, self.cold) if self.labs else module

    return TwoLabs(config, log)


# Seconds (setup + call + teardown) and tests, per test module, printed at the end beside the
# budget committed in tests/budget.toml. A module-scoped fixture's cost lands on its module; the
# integration lab's start on the first integration module, its teardown on the last.
_MODULES: dict[str, list] = {}


def pytest_runtest_logreport(report):
    seconds_and_tests = _MODULES.setdefault(report.nodeid.split("::")[0], [0.0, 0])
    seconds_and_tests[0] += report.duration
    if report.when == "call":
        seconds_and_tests[1] += 1


def pytest_terminal_summary(terminalreporter):
    if not _MODULES:
        return
    from tests.support.budget import Budget

    terminalreporter.section("time per test module, against tests/budget.toml")
    for line in Budget.load().table(_MODULES, time.monotonic() - _STARTED):
        terminalreporter.write_line(line)


_STARTED = time.monotonic()
