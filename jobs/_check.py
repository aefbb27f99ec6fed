"""The exercises' checker, driver side (not a learner's job): it runs learners' exercise files on the
check's input, one after the other in this one driver, and says what each one's code did as soon as
it is known. It decides nothing: lab.exercises judges it against ground truth read from Kafka.

    spark-submit jobs/_check.py --exercise 2 --topic page_views=T --records N --batch B \\
        --seconds S --work DIR FILE...

`make check EXERCISE=n` runs it (lab.exercises). The input topic has one partition, so
`maxOffsetsPerTrigger` = B cuts it into the same micro-batches every time, late events in the
last one. Each file is imported as a module of its own, its exercise function is called, and
streamlab.checks observes it, in at most S seconds. For each file it prints two lines:
`check: FILE` when it starts, then `check-result: {JSON}` (streamlab.checks' observations, plus
`file` and `seconds`) when it is done. Its folder for checkpoints and outputs is DIR/file-<i>.
Before the first file, one read of the input starts the executors and their Kafka clients, so
that the first file's time limit is its own.
"""

from __future__ import annotations

import argparse
import dataclasses
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
    p.add_argument("--exercise", choices=sorted(checks.OBSERVERS), required=True)
    p.add_argument(
        "--topic",
        dest="topics",
        action="append",
        type=lambda text: tuple(text.split("=", 1)),
        required=True,
        help="an input topic, as kind=name (page_views=..., or orders=... and payments=...)",
    )
    p.add_argument("--records", type=int, required=True, help="records in the topic (capstone: in both)")
    p.add_argument("--batch", type=int, required=True, help="records per micro-batch (maxOffsetsPerTrigger)")
    p.add_argument("--seconds", type=float, required=True, help="each file's time limit")
    p.add_argument("--work", type=Path, required=True, help="a folder for checkpoints and outputs")
    p.add_argument("--first-index", type=int, default=0, help="the first file's index (its folder's number)")
    p.add_argument("files", nargs="+", help="exercise files, relative to the project or absolute")
    opts = p.parse_args(argv)
    # Kafka's address comes from KAFKA_BOOTSTRAP, as every job reads it.
    inp = checks.Input(Config.from_env().bootstrap, dict(opts.topics), opts.records, opts.batch)
    # Idle progress reports every second, not every 10: how a resumed query shows it is running.
    conf = {"spark.sql.streaming.noDataProgressEventInterval": "1000"}
    spark = session.build("check", conf)
    checks.warm_up(spark, inp)
    for index, name in enumerate(opts.files, opts.first_index):
        if spark.sparkContext._jsc is None:  # the file before stopped the session
            spark = session.build("check", conf)
        path = Path(name) if Path(name).is_absolute() else ROOT / name
        work = opts.work / f"file-{index}"
        work.mkdir(parents=True, exist_ok=True)
        print(f"check: {name}", flush=True)
        started = time.monotonic()
        # Exercise 4's topic is per file: its name holds `{index}`.
        file_inp = dataclasses.replace(inp, topics={k: t.replace("{index}", str(index)) for k, t in inp.topics.items()})
        with checks.environment_set(checks.environment(opts.exercise, file_inp, work)):
            try:
                module = checks.load(path, f"exercise_{index}")
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - a learner's file may fail to import in any way
                seen = {"error": checks.error_of(exc)}
            else:
                seen = checks.observe(opts.exercise, spark, module, file_inp, work, opts.seconds)
        seen.update(file=name, seconds=round(time.monotonic() - started, 1))
        print(f"check-result: {json.dumps(seen, default=str)}", flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
