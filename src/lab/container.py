"""Job submission inside the Docker runtime's driver container (the `spark-driver` service).

`docker compose run --rm spark-driver <job> [options]` runs this module. It validates the job and
its options the way `lab submit` does, then runs spark-submit in the foreground and stops it as
`lab submit` does: SIGINT or SIGTERM (Ctrl-C, `docker stop`) stops the job's queries gracefully
and keeps the checkpoint. What differs from the local runtime is only addresses and paths:
- executors reach the driver at this container's own address, so that several drivers (a job and
  a drill, say) can run at once without sharing a name;
- the driver's UI listens on 4040 inside the container (Compose publishes SPARK_DRIVER_UI_PORT),
  and its metrics on JOB_METRICS_PORT, on every interface of the container;
- the connector jars are the image's (LAB_SPARK_JARS), and Python is the image's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from lab import jobs
from lab.clients import client_env
from lab.paths import Paths
from lab.settings import load
from lab.submit import MARKER, command, foreground

CONTAINER_UI_PORT = "4040"


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(f"usage: spark-driver <job> [options]; jobs: {', '.join(jobs.available())}", file=sys.stderr)
        return 2
    job, job_args = argv[0], argv[1:]
    job_path = jobs.checked(job, job_args, private=True)  # the bench runs its own stages too
    if job_path is None:
        return 2
    settings = load(environ={**os.environ, "SPARK_DRIVER_UI_PORT": CONTAINER_UI_PORT})
    paths = Paths.of(settings)
    jars = sorted(Path(os.environ["LAB_SPARK_JARS"]).glob("*.jar"))
    address = socket.gethostbyname(socket.gethostname())
    cmd = command(
        settings, paths, job_path, job_args, jars=jars, driver_host=address, bind_host="0.0.0.0", python=sys.executable
    )
    env = {**os.environ, **client_env(settings, paths, metrics_host="0.0.0.0"), MARKER: str(paths.run)}
    return foreground(subprocess.Popen(cmd, env=env, start_new_session=True), job_path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
