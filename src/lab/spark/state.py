"""`make state JOB=x [BATCH=n] [LIMIT=n]`: what a job keeps in its state, read from its checkpoint.

The reading is jobs/_state.py, a driver on the lab like a job's (so it reads the checkpoint
where the job wrote it, in either runtime); this side checks that there is a checkpoint, runs
it, and keeps Spark's log out of the way: its output goes to the terminal, Spark's messages to
logs/state-<job>.log, whose last line is shown if the driver fails.
"""

from __future__ import annotations

import sys

from lab.spark import jobs
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")


def show(
    rt, job: str, batch: int | None, limit: int, checkpoint: str | None = None, json_path: str | None = None
) -> int:
    if jobs.path_of(job) is None:
        print(jobs.unknown(job), file=sys.stderr)
        return 2
    folder = rt.paths.checkpoints / job
    if checkpoint is None and not any(folder.glob("*/offsets")):
        print(MESSAGES("state_no_checkpoint", job=job, folder=folder), file=sys.stderr)
        return 1
    args = ["--job", job, "--limit", str(limit)]
    args += ["--batch", str(batch)] if batch is not None else []
    args += ["--checkpoint", checkpoint] if checkpoint else []
    args += ["--json", json_path] if json_path else []
    rt.paths.logs.mkdir(parents=True, exist_ok=True)
    log = rt.paths.logs / f"state-{job}.log"
    print(MESSAGES("state_reading", job=job, log=log), flush=True)
    with log.open("w") as err:
        run = rt.spawn_job("_state", rt.job_args(args), {}, stderr=err)
        try:
            code = run.wait()
        except KeyboardInterrupt:
            run.kill()
            return 130
    if code != 0:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        said = [line for line in lines if line.startswith("error: ")]
        print(said[-1] if said else MESSAGES("state_failed", code=code, last=lines[-1:], log=log), file=sys.stderr)
        return code or 1
    return 0
