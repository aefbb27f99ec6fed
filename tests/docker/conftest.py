"""The Docker tests' engine, and their figures (images built, seconds to healthy, rows checked) at
the end of the run.

`docker_engine` (session): (env, namespace) of an engine with the lab's images built, started here
where none answers (tests/support/dockerhost.py); the single-broker lab's module and the cluster
profile's use it one after the other. The modules may run in a process of their own (`make test`
runs them beside the others, with pytest-xdist): their figures go through a file, which the
process that prints the summary reads."""

import os
import time
from pathlib import Path

import pytest

from lab.config.settings import ROOT

FIGURES = ROOT / ".lab" / "test-docker" / "figures.txt"
PROJECT = "streaming-lab-test"  # the Docker tests' Compose project
PREBUILD = pytest.StashKey[object]()  # tests/conftest.py: the engine's images, made in the background
_STARTED = time.time()


def figure(text: str, path: Path = FIGURES) -> None:
    """One line for the summary; the first of a session starts the file afresh."""
    fresh = not path.exists() or path.stat().st_mtime < _STARTED
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w" if fresh else "a") as out:
        out.write(text.replace("\n", " ") + "\n")


@pytest.fixture(scope="session")
def docker_engine(request):
    from tests.support import dockerhost

    reason = dockerhost.unavailable()
    if reason:
        if os.environ.get("LAB_REQUIRE_DOCKER"):
            pytest.fail(f"the Docker lab must run here (LAB_REQUIRE_DOCKER), but: {reason}", pytrace=False)
        pytest.skip(reason)
    built = {}

    def build(env):
        built.update(dockerhost.build_images({**env, "COMPOSE_PROJECT_NAME": PROJECT}))

    prebuild = request.config.stash.get(PREBUILD, None)
    t0 = time.monotonic()
    with dockerhost.engine(build=build, prebuild=prebuild) as (env, ns):
        if prebuild is not None:
            built.update(prebuild.wait())
            ready = f"prepared in the background, started {time.monotonic() - prebuild.started:.0f}s ago; "
        else:
            ready = ""
        images = built["images"]
        figure(
            f"images built: {len(images)} in {built['seconds']:.0f}s "
            f"({'; '.join(images)}); {ready}engine ready after {time.monotonic() - t0:.0f}s of this test",
        )
        yield env, ns


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES.exists() and FIGURES.stat().st_mtime >= _STARTED:
        terminalreporter.section("Docker lab, end to end")
        for line in FIGURES.read_text().splitlines():
            terminalreporter.write_line(line)
