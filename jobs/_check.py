"""The exercises' checker, driver side (not a learner's job): it runs learners' exercise files on the
check's input, one after the other in this one driver, and says what each one's code did as soon as
it is known. It decides nothing: lab.course.exercises judges it against ground truth read from Kafka.

    spark-submit jobs/_check.py --plan PLAN.json --work DIR [--first-index I]

`make check` runs it (lab.course.exercises). The plan lists the files in order, each with its exercise,
its input topics (page_views, or orders and payments), the records they hold, the records per
micro-batch and its time limit in seconds; the driver starts at entry I (after a driver that died).
Each input topic has one partition, so `maxOffsetsPerTrigger` = the batch cuts it into the same
micro-batches every time, late events in the last one. Each file is imported as a module of its
own, its exercise function is called, and streamlab.checks observes it, within its time limit. For
each file it prints two lines: `check: FILE` when it starts, then `check-result: {JSON}`
(streamlab.checks' observations, plus `file` and `seconds`) when it is done. Its folder for
checkpoints and outputs is DIR/file-<i>. Before the first file, one read of its input starts the
executors and their Kafka clients, so that the first file's time limit is its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from streamlab import checks

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from streamlab import session
    from streamlab.config import Config

    p = argparse.ArgumentParser(prog="_check", description=__doc__.splitlines()[0])
    p.add_argument("--plan", type=Path, required=True, help="the files to check and their inputs, as JSON")
    p.add_argument("--work", type=Path, required=True, help="a folder for checkpoints and outputs")
    p.add_argument("--first-index", type=int, default=0, help="the plan's entry to start at")
    opts = p.parse_args(argv)
    plan = [entry for entry in json.loads(opts.plan.read_text()) if entry["index"] >= opts.first_index]
    bootstrap = Config.from_env().bootstrap  # Kafka's address comes from KAFKA_BOOTSTRAP, as every job reads it

    def input_of(entry: dict) -> checks.Input:
        return checks.Input(bootstrap, entry["topics"], entry["records"], entry["batch"])

    # Idle progress reports every second, not every 10: how a resumed query shows it is running.
    conf = {"spark.sql.streaming.noDataProgressEventInterval": "1000"}
    spark = session.build("check", conf)
    if session.is_connect(spark):  # the facts of a learner's query that stay in the server
        checks.record_connect_writers()
    if plan:
        checks.warm_up(spark, input_of(plan[0]))
    for entry in plan:
        if session.stopped(spark):  # the file before stopped the session
            spark = session.build("check", conf)
        index, name, exercise, inp = entry["index"], entry["file"], entry["exercise"], input_of(entry)
        path = Path(name) if Path(name).is_absolute() else ROOT / name
        work = opts.work / f"file-{index}"
        work.mkdir(parents=True, exist_ok=True)
        print(f"check: {name}", flush=True)
        started = time.monotonic()
        with checks.environment_set(checks.environment(exercise, inp, work)):
            try:
                module = checks.load(path, f"exercise_{index}")
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - a learner's file may fail to import in any way
                seen = {"error": checks.error_of(exc)}
            else:
                seen = checks.observe(exercise, spark, module, inp, work, entry["seconds"])
        seen.update(file=name, seconds=round(time.monotonic() - started, 1))
        print(f"check-result: {json.dumps(seen, default=str)}", flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
