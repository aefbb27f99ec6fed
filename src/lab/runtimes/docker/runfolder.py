"""The Docker runtime's run folder as its containers see it.

Contract:
- The run folder (LAB_RUN, default .lab/docker) is mounted at CONTAINER_RUN in the containers that
  write there: checkpoints, outputs and the workers' logs are files on the host.
- `prepare(settings, project)` makes its folders and writes Prometheus's config into it (one
  target per Spark worker of `project`, and per broker with the cluster profile), readable by
  Prometheus's user whatever the umask.
- `hand_over(path, tree)`: as root on the host, gives a folder the host made (and its parents up to
  the run folder; with `tree`, everything in it too) to the containers' user, so that jobs can write
  in it. A no-op for any other user.
- `job_args(args)`: a job's arguments with each absolute host path under the run folder mapped to
  where the containers see it (and handed over); other arguments unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from lab.config.paths import SERVICES_DIR, Paths
from lab.config.render import COMPOSE_PORTS, compose_hosts, write_prometheus_config
from lab.config.settings import Settings

CONTAINER_RUN = "/lab-state"  # where the run folder is mounted in the containers


class RunFolder:
    """The run folder of `paths`, for containers that run as `uid`:`gid` (the module's contract)."""

    container_root = Path(CONTAINER_RUN)

    def __init__(self, paths: Paths, uid: int, gid: int):
        self.paths, self.uid, self.gid = paths, uid, gid

    def prepare(self, settings: Settings, project: str) -> None:
        paths = self.paths
        for folder in (paths.run, paths.checkpoints, paths.outputs, paths.data, paths.logs):
            folder.mkdir(parents=True, exist_ok=True)
            self.hand_over(folder)
        conf = paths.conf / "prometheus"
        write_prometheus_config(
            settings,
            SERVICES_DIR,
            conf,
            compose_hosts(project, settings.workers, settings.cluster, settings.connect),
            COMPOSE_PORTS,
        )
        for path in [paths.conf, conf, *conf.rglob("*")]:  # Prometheus's user reads it, whatever the umask
            path.chmod(0o755 if path.is_dir() else 0o644)

    def hand_over(self, path: Path, tree: bool = False) -> None:
        if os.name != "posix" or os.getuid() != 0:
            return
        run = self.paths.run.resolve()
        for inside in path.rglob("*") if tree else ():
            os.chown(inside, self.uid, self.gid)
        for folder in [path.resolve(), *path.resolve().parents]:
            if not folder.is_relative_to(run):
                break
            if folder.exists() and folder.stat().st_uid != self.uid:
                os.chown(folder, self.uid, self.gid)

    def container_path(self, path: str) -> str:
        """An absolute host path under the run folder, as the containers see it (others unchanged)."""
        run = str(self.paths.run.resolve())
        resolved = str(Path(path).resolve())
        if resolved == run or resolved.startswith(run + os.sep):
            self.hand_over(Path(resolved) if Path(resolved).exists() else Path(resolved).parent)
            return CONTAINER_RUN + resolved[len(run) :].replace(os.sep, "/")
        return path

    def job_args(self, args: list[str]) -> list[str]:
        return [self.container_path(a) if a.startswith(os.sep) else a for a in args]
