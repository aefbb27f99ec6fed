"""Job submission inside the Compose runtime's spark-driver container.

`docker compose run --rm --use-aliases spark-driver <job> [options]` runs this module. It
validates the job and its options the way `lab submit` does, then execs spark-submit. The
difference from the local runtime is only the addresses: executors reach the driver as
`spark-driver`, and the driver binds all interfaces inside its container.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lab import jobs
from lab.paths import Paths
from lab.settings import load
from lab.submit import command


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(f"usage: spark-driver <job> [options]; jobs: {', '.join(jobs.available())}", file=sys.stderr)
        return 2
    job, job_args = argv[0], argv[1:]
    job_path = jobs.path_of(job)
    if job_path is None:
        print(f"unknown job {job!r}. Available jobs: {', '.join(jobs.available())}", file=sys.stderr)
        return 2
    from streamlab import options

    options.parser(job).parse_known_args(job_args)
    settings = load()
    paths = Paths.of(settings)
    jars = sorted(Path(os.environ.get("LAB_SPARK_JARS", "/opt/lab/jars/spark")).glob("*.jar"))
    cmd = command(settings, paths, job_path, job_args, jars=jars, driver_host="spark-driver",
                  bind_host="0.0.0.0", python=sys.executable)
    os.environ["LAB_BIND_HOST"] = "0.0.0.0"
    os.execv(cmd[0], cmd)
    return 0  # not reached: spark-submit replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
