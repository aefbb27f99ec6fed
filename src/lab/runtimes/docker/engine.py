"""The Docker engine as the Docker runtime talks to it without Compose: the Docker SDK for Python.

Contract:
- `engine(env)` is a client for the engine the `docker` CLI reaches with the environment `env`
  (`engine_args`: DOCKER_HOST, else the CLI's context), each call bounded by ENGINE_TIMEOUT.
- `ENGINE_ERRORS` is what an engine call raises where the CLI would exit non-zero; callers that
  treat "no engine" or "no such container" as an answer catch exactly these.
- `CpuMeter` reads the CPU seconds one container has used (`make bench`).

The one module of the lab that imports the Docker SDK (pyproject.toml's contract): the Spark image,
which has no SDK, imports lab.runtimes.docker.container, never this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import docker
import requests
from docker.context import ContextAPI

ENGINE_TIMEOUT = 30  # seconds one engine call may take (an exec in a driver, a container list)
# What an engine call raises where the CLI exited non-zero: the engine's refusal (NotFound,
# APIError), no engine to make a client for (DockerException), or a connection that failed.
ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.ConnectionError)


def engine_args(env: Mapping[str, str]) -> dict:
    """How to reach the engine the `docker` CLI reaches with `env`, as the CLI picks it: DOCKER_HOST
    (with DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) if set; else the context DOCKER_CONTEXT names, else
    the current one of the CLI's config (Docker Desktop's and colima's live there); else, or for a
    context that does not exist, the default socket. Returns docker.DockerClient's base_url and tls.
    The contexts are read from the CLI's config folder as this process's DOCKER_CONFIG gives it
    (the SDK's own lookup)."""
    if env.get("DOCKER_HOST"):
        return docker.utils.kwargs_from_env(environment=dict(env))
    try:
        context = ContextAPI.get_context(env.get("DOCKER_CONTEXT") or None) or ContextAPI.DEFAULT_CONTEXT
    except Exception as exc:  # the SDK says a context file is corrupt with a bare Exception
        raise docker.errors.ContextException(str(exc)) from exc
    return {"base_url": context.Host, **({"tls": context.TLSConfig} if context.TLSConfig else {})}


def engine(env: Mapping[str, str]) -> docker.DockerClient:
    """A Docker SDK client for the engine of `env` (engine_args), each call bounded by
    ENGINE_TIMEOUT. It asks the engine its API version at once, so it raises DockerException when
    no engine answers. The caller closes it."""
    return docker.DockerClient(**engine_args(env), timeout=ENGINE_TIMEOUT)


class CpuMeter:
    """CPU seconds a container has used: from its cgroup's file on a Linux host (cheap), else read
    inside the container. Keeps the last reading, so that a container that has exited (a
    producer at the end of its run) still counts what it used."""

    HOST_FILES = (
        "/sys/fs/cgroup/docker/{id}/cpu.stat",
        "/sys/fs/cgroup/system.slice/docker-{id}.scope/cpu.stat",
        "/sys/fs/cgroup/cpuacct/docker/{id}/cpuacct.usage",
    )

    def __init__(self, name: str, engine: Callable[[], docker.DockerClient]):
        self.name, self.engine, self.container, self.last = name, engine, None, 0.0

    def seconds(self) -> float:
        try:
            self.last = max(self.last, self._read())
        # Not started yet, gone, or no engine (requests' errors are OSErrors): the last reading stands.
        except (OSError, ValueError, docker.errors.DockerException):
            pass
        return self.last

    def _read(self) -> float:
        if self.container is None:  # inspected once: its id names the cgroup, and exec needs no name lookup
            self.container = self.engine().containers.get(self.name)
        for pattern in self.HOST_FILES:
            path = Path(pattern.format(id=self.container.id))
            if path.exists():
                return self._parse(path.read_text(), path.name)
        code, (out, _) = self.container.exec_run(["cat", "/sys/fs/cgroup/cpu.stat"], demux=True)
        if code != 0:  # no cgroup v2 file in there either: no reading
            return self.last
        return self._parse((out or b"").decode(), "cpu.stat")

    @staticmethod
    def _parse(text: str, kind: str) -> float:
        if kind == "cpuacct.usage":
            return int(text) / 1e9
        usage = next(line for line in text.splitlines() if line.startswith("usage_usec"))
        return int(usage.split()[1]) / 1e6
