"""Choose the runtime: RUNTIME from .env or the environment, else Docker when an engine answers,
else local processes. Both runtimes offer the same operations, so every make target works with
either."""

from __future__ import annotations

import shutil
import subprocess

from lab.settings import Settings

RUNTIMES = ("local", "docker")


def docker_engine_answers(timeout: float = 5.0) -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True,
                              timeout=timeout).returncode == 0
    except (subprocess.TimeoutExpired, OSError):
        return False


def choose(settings: Settings) -> str:
    wanted = (settings.get("RUNTIME") or "").strip().lower()
    if wanted and wanted not in RUNTIMES:
        raise ValueError(f"RUNTIME={wanted!r} is not one of {', '.join(RUNTIMES)}")
    return wanted or ("docker" if docker_engine_answers() else "local")
