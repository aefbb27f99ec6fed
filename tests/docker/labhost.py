"""The Docker tests' lab and host: how a test reaches the lab in the engine's namespace, and a
learner-like host (no Java, Maven or apt; a control-only Python environment) to run `make` from.

- `lab_env(env, ns, **extra)`: the environment every Docker test runs the lab with (RUNTIME=docker,
  the tests' own state and run folders, their Compose project, two workers, no Grafana);
- `Lab(env, ns)`: `lab(...)` runs `python -m lab ...` in the namespace; `call`, `prometheus`,
  `query`, `targets`, `produce` reach the lab's services from there;
- `learner_host(env, folder)`: a PATH without FORBIDDEN and `make install`'s control-only
  environment (checked: no pyspark), as the environment to run `make` with.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from lab.config.settings import ROOT, load
from lab.system.httpclient import get_json
from tests.docker.conftest import PROJECT
from tests.support import dockerhost, netns
from tests.support.lab import QUICK_JIT

STATE = ROOT / ".lab" / "test-docker"  # the learner-like host's LAB_STATE: its own control-only venv
RUN = STATE / "run"
FORBIDDEN = {"java", "javac", "mvn", "apt-get", "apt"}  # what a Docker-only host does not have


def path_without(forbidden: set[str], folder: Path) -> str:
    """A PATH holding every command of this one but the forbidden ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            link = folder / entry.name
            if entry.name in forbidden or link.exists() or link.is_symlink():
                continue
            if entry.is_file() and os.access(entry.path, os.X_OK):
                link.symlink_to(entry.path)
    return str(folder)


class Lab:
    """The running Docker lab, and how to reach it: commands and calls run in its namespace."""

    def __init__(self, env: dict[str, str], ns: str | None):
        self.env, self.ns = env, ns
        self.settings = load(environ=env)

    def lab(self, *args: str, timeout: float = 900, check: bool = True, **extra_env) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            netns.command(self.ns, [sys.executable, "-m", "lab", *args]),
            cwd=ROOT,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"lab {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    def notebook_gone(self) -> bool:
        return not any(name.endswith("-notebook") for name in running(self))

    def call(self, fn, *args, **kwargs):
        return netns.call(self.ns, fn, *args, **kwargs)

    def prometheus(self, path: str, params: dict | None = None) -> dict:
        """A Prometheus API answer's data, asked from inside the lab's namespace."""
        url = f"http://{self.settings.host}:{self.settings['PROMETHEUS_PORT']}/api/v1/{path}"
        return self.call(get_json, url, 10, params)["data"]

    def query(self, expr: str) -> list:
        return self.prometheus("query", {"query": expr})["result"]

    def targets(self) -> list[dict]:
        return self.prometheus("targets")["activeTargets"]

    def produce(self, topics: dict[str, str], *args: str) -> dict:
        from lab.runtimes.docker.runtime import Docker

        summary = RUN / "e2e" / f"produce-{time.monotonic_ns()}.json"
        summary.parent.mkdir(parents=True, exist_ok=True)
        rt = Docker(load(environ={**self.env, **topics}), environ=self.env)
        cmd, env = rt.producer_command(
            ["--dimensions-dir", "", "--summary", str(summary), *args], {**self.env, **topics}
        )
        proc = subprocess.run(netns.command(self.ns, cmd), env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(summary.read_text())


def running(lab: Lab) -> list[str]:
    """The names of the engine's running containers."""
    out = subprocess.run(["docker", "ps", "--format", "{{.Names}}"], env=lab.env, capture_output=True, text=True)
    return out.stdout.split()


def lab_env(env: dict[str, str], ns: str | None, **extra: str) -> dict[str, str]:
    """The environment the Docker tests run the lab with, on the engine of `env` (in namespace `ns`)."""
    shutil.rmtree(RUN, ignore_errors=True)
    env = {k: v for k, v in env.items() if not k.startswith("TOPIC_")}
    env.update(
        {
            "RUNTIME": "docker",
            "LAB_STATE": str(STATE),
            "LAB_RUN": str(RUN),
            "GRAFANA": "0",
            "COMPOSE_PROJECT_NAME": PROJECT,
            "WORKERS": "2",
            **QUICK_JIT,
            **extra,
        }
    )
    if ns:  # the namespaced engine builds from the cache the builder left, with the same settings
        env["LAB_COMPOSE_OVERRIDES"] = str(dockerhost.BUILD_OVERRIDE)
    return env


def learner_host(env: dict[str, str], folder: Path) -> dict[str, str]:
    """`env` with a PATH that has no FORBIDDEN tool, after `make install` made the control-only venv."""
    env = {**env, "PATH": path_without(FORBIDDEN, folder / "bin")}
    assert not any(shutil.which(tool, path=env["PATH"]) for tool in FORBIDDEN)
    # `make install` reaches PyPI for the control code's packages, so it runs outside the namespace.
    install = subprocess.run(["make", "install"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    packages = subprocess.run(
        [str(STATE / "venv" / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {p["name"].lower() for p in json.loads(packages)}
    assert "pyspark" not in names and "confluent-kafka" in names, f"the control venv holds {sorted(names)}"
    return env
