"""Which runtime this machine runs, and why.

- `choose(settings)` picks the runtime and says why: RUNTIME if set (local or docker), else
  docker when a Docker engine answers *and* Compose v2 works, else local. Asking for docker
  where it cannot run is one line saying what to install or start (UsageError for an unknown
  name, RuntimeFailure for a runtime that cannot run here).
- `get(settings)` returns that runtime as a `Runtime`: the only place that imports
  lab.runtimes.local or lab.runtimes.docker. The cluster profile (CLUSTER=1) runs in Docker only.

Stdlib only: the Makefile runs `python3 -m lab.runtimes` before any package is installed, to know
which packages to install.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from lab.config.settings import Settings
from lab.errors import RuntimeFailure, UsageError
from lab.runtimes.base import Runtime
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")

RUNTIMES = ("local", "docker")


def _quiet(cmd: list[str], timeout: float, env: dict[str, str] | None) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except (subprocess.TimeoutExpired, OSError):
        return None


def docker_engine_answers(timeout: float = 10.0, env: dict[str, str] | None = None) -> bool:
    """Does an engine answer, for this process's environment or `env` (DOCKER_HOST, PATH)?"""
    proc = _quiet(["docker", "info", "--format", "{{.ServerVersion}}"], timeout, env)
    return proc is not None and proc.returncode == 0


def compose_version(timeout: float = 10.0, env: dict[str, str] | None = None) -> str | None:
    """Compose v2's version (`dev` when built without one), or None without the v2 plugin."""
    proc = _quiet(["docker", "compose", "version", "--short"], timeout, env)
    if proc is None or proc.returncode != 0:
        return None
    return proc.stdout.strip() or "unknown"


@dataclass(frozen=True)
class Choice:
    name: str
    reason: str


def choose(settings: Settings) -> Choice:
    """The runtime, and why, in the lab's language (settings.language())."""
    lang = settings.language()

    def say(code: str, **params) -> str:
        return MESSAGES.text(code, lang, **params)

    wanted = (settings.get("RUNTIME") or "").strip().lower()
    if wanted and wanted not in RUNTIMES:
        raise UsageError(say("runtime_unknown", wanted=wanted, runtimes=", ".join(RUNTIMES)))
    if wanted == "local":
        return Choice("local", say("reason_local"))
    engine = docker_engine_answers()
    compose = compose_version() if engine else None
    if wanted == "docker":
        if not engine:
            raise RuntimeFailure(say("docker_wanted_but", why=say("no_engine")))
        if not compose:
            raise RuntimeFailure(say("docker_wanted_but", why=say("no_compose")))
        return Choice("docker", say("reason_docker", version=compose))
    if engine and compose:
        return Choice("docker", say("reason_docker_found", version=compose))
    why = say("no_engine_short") if not engine else say("no_compose_short")
    return Choice("local", say("reason_local_fallback", why=why))


def get(settings: Settings, choice: Choice | None = None) -> Runtime:
    """The runtime chosen; the cluster profile (CLUSTER=1) in the local runtime is a UsageError."""
    choice = choice or choose(settings)
    if choice.name == "local" and settings.cluster:
        raise UsageError(Catalogue.load("lab", "services").text("cluster_docker_only", settings.language()))
    if choice.name == "docker":
        from lab.runtimes.docker.runtime import Docker

        return Docker(settings)
    from lab.runtimes.local.runtime import Local

    return Local(settings)
