"""`docker compose` for the Docker runtime: the command line, its environment, and the project's
containers as Compose lists them.

Contract:
- `Compose(settings, paths, environ)` runs Compose v2 on compose/compose.yml (plus
  compose/cluster.yml with the cluster profile, CLUSTER=1, and the files LAB_COMPOSE_OVERRIDES
  names, for test harnesses) with .env as its `--env-file`; the environment
  it runs with is `environ`, then the settings (so the process environment overrides .env exactly
  as in lab.config.settings), then the run folder (LAB_RUN_DIR), the containers' user
  (LAB_UID/LAB_GID: the host user, or DEFAULT_UID when that is root) and the project's name
  (COMPOSE_PROJECT_NAME, default PROJECT).
- `run(*args)` raises RuntimeFailure naming the Compose command and its exit code (and its last
  line of stderr, when captured) unless `check=False`.
- `containers()` are the project's containers, as `docker compose ps --format json` prints them
  (`parse_ps`): none when Compose fails (no engine, say).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping

from lab.config.paths import Paths
from lab.config.settings import ROOT, Settings
from lab.errors import RuntimeFailure
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")

COMPOSE_FILE = ROOT / "compose" / "compose.yml"
CLUSTER_FILE = ROOT / "compose" / "cluster.yml"  # the cluster profile: three brokers, two workers
PROJECT = "streaming-lab"
DEFAULT_UID = 10001  # the images' own user, used when the host user is root
# A job's driver: a one-off container of the spark-driver service (its profile keeps `up` from starting it).
DRIVER_RUN = ("--profile", "submit", "run", "--rm", "--no-deps")
EVERY_PROFILE = ("--profile", "submit", "--profile", "notebook", "--profile", "connect", "--profile", "class")


def parse_ps(text: str) -> list[dict]:
    """`docker compose ps --format json`'s containers: one JSON object per line (older Compose: one
    array). Anything else is Compose's failure, not the user's: RuntimeFailure."""
    text = text.strip()
    try:
        return json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines() if line]
    except json.JSONDecodeError as exc:
        shown = " | ".join(text.splitlines())[:200]
        raise RuntimeFailure(MESSAGES("compose_ps_unreadable", error=exc, text=shown)) from None


class Compose:
    """Compose for one project of the lab (the module's contract)."""

    def __init__(self, settings: Settings, paths: Paths, environ: Mapping[str, str]):
        self.settings, self.paths, self.environ = settings, paths, dict(environ)
        self.project = self.environ.get("COMPOSE_PROJECT_NAME") or PROJECT
        self.uid, self.gid = (
            (os.getuid(), os.getgid()) if hasattr(os, "getuid") and os.getuid() != 0 else (DEFAULT_UID, DEFAULT_UID)
        )

    def env(self) -> dict[str, str]:
        """The environment Compose (and the engine's client) runs with."""
        return {
            **self.environ,
            **self.settings.values,
            "LAB_RUN_DIR": str(self.paths.run),
            "LAB_UID": str(self.uid),
            "LAB_GID": str(self.gid),
            "COMPOSE_PROJECT_NAME": self.project,
        }

    def cmd(self, *args: str, cluster: bool | None = None) -> list[str]:
        """The Compose command line; `cluster` (default: the settings' profile) adds cluster.yml."""
        cluster = self.settings.cluster if cluster is None else cluster
        return [
            "docker",
            "compose",
            "--env-file",
            str(ROOT / ".env"),
            "-f",
            str(COMPOSE_FILE),
            *(["-f", str(CLUSTER_FILE)] if cluster else []),
            *self._overrides(),
            *args,
        ]

    def _overrides(self) -> list[str]:
        """Extra Compose files, for test harnesses only (LAB_COMPOSE_OVERRIDES, comma separated)."""
        extra = [f for f in self.environ.get("LAB_COMPOSE_OVERRIDES", "").split(",") if f]
        return [arg for f in extra for arg in ("-f", f)]

    def run(
        self,
        *args: str,
        check: bool = True,
        capture: bool = False,
        timeout: float | None = None,
        cluster: bool | None = None,
    ) -> subprocess.CompletedProcess:
        """Compose with `args`; `cluster=True` for what must reach either profile (down, clean)."""
        cmd = self.cmd(*args, cluster=cluster)
        proc = subprocess.run(cmd, env=self.env(), text=True, capture_output=capture, timeout=timeout)
        if check and proc.returncode != 0:
            last = proc.stderr.strip().splitlines()[-1] if capture and proc.stderr.strip() else ""
            command = args[0] if args[0] != "--profile" else args[2]
            raise RuntimeFailure(
                MESSAGES("compose_failed_because", command=command, code=proc.returncode, last=last)
                if last
                else MESSAGES("compose_failed", command=command, code=proc.returncode)
            )
        return proc

    def containers(self, all_: bool = False) -> list[dict]:
        """This project's containers, as `docker compose ps --format json` gives them."""
        proc = self.run(
            *EVERY_PROFILE,
            "ps",
            "--format",
            "json",
            *(["--all"] if all_ else []),
            check=False,
            capture=True,
        )
        return parse_ps(proc.stdout) if proc.returncode == 0 else []

    def unhealthy(self) -> list[str]:
        """The services whose containers are not running healthy (kafka-init's success aside), sorted."""
        sick = {
            c["Service"]
            for c in self.containers(all_=True)
            if c.get("Health") not in ("healthy", "")
            or c.get("State") not in ("running",)
            and not (c["Service"] == "kafka-init" and c.get("ExitCode") == 0)
        }
        return sorted(sick)

    def tail(self, service: str, lines: int = 15) -> str:
        """A service's last log lines."""
        proc = self.run("logs", "--no-color", "--tail", str(lines), service, check=False, capture=True)
        return (proc.stdout + proc.stderr).strip()
