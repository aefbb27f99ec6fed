"""A warm driver: runs jobs one after another in one SparkSession (not a learner's job).

Each spark-submit pays a JVM start, a SparkContext, a new executor and a cold first batch:
about 15 s on 2 cores before a job's first row. The tests run many short bounded jobs, so
they pay it once per module: tests/support/warm.py starts this driver, then sends one request
per job as a JSON line into the FIFO named by --requests (spark-submit does not pass its stdin
on to the Python driver):

    {"job": "aggregations", "args": ["--trigger", "availableNow", ...],
     "env": {"TOPIC_ORDERS": "t_shop_orders"}, "stdout": "/tmp/x.out", "stderr": "/tmp/x.err"}

The job's `main(args)` runs as spark-submit would run it (streamlab.runner leaves the session
running instead of stopping it), with `env` set in os.environ and its Python output in the two
files; the SQL confs it sets on the session are put back afterwards (`sql_conf_kept`). When it
returns, one line answers on stdout: `WARM-DONE {"code": 0}`. The FIFO's end (its writer closes
it) ends the driver.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import traceback

REPLY = "WARM-DONE "


def _job(name: str):
    """The job's module. Its functions and classes travel to the executors by value, as they do
    when spark-submit runs the file as __main__: the executors have streamlab (--py-files), not
    the job files, so a ForeachWriter class pickled by reference to `custom_sink` would not load."""
    from pyspark import cloudpickle

    module = importlib.import_module(name)
    cloudpickle.register_pickle_by_value(module)
    return module


@contextlib.contextmanager
def sql_conf_kept(spark):
    """Put the session's SQL confs back as they were once the block ends: a job's
    `spark.conf.set` (transform_with_state's RocksDB state store) must not reach the next job in
    the same session. A query keeps the confs it started with, so this does not touch a job's
    queries. Confs that only a new session can change (static ones) are left alone."""
    before = spark.conf.getAll
    try:
        yield
    finally:
        after = spark.conf.getAll
        for key in sorted(before.keys() | after.keys()):
            if before.get(key) == after.get(key) or not spark.conf.isModifiable(key):
                continue
            if key in before:
                spark.conf.set(key, before[key])
            else:
                spark.conf.unset(key)


def run_one(request: dict) -> int:
    from streamlab import runner

    saved = dict(os.environ)
    os.environ.update(request.get("env", {}))
    try:
        with (
            open(request["stdout"], "w") as out,
            open(request["stderr"], "w") as err,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            sql_conf_kept(runner.WARM_SESSION) if runner.WARM_SESSION else contextlib.nullcontext(),
        ):
            try:
                return _job(request["job"]).main(request["args"])
            except SystemExit as exc:  # argparse's exit 2, a job's sys.exit
                return exc.code if isinstance(exc.code, int) else 1
            except Exception:  # noqa: BLE001 - what ends a job's own driver: its trace, exit 1; then the next job
                traceback.print_exc()
                return 1
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    from streamlab import runner, session

    p = argparse.ArgumentParser(prog="_warm", description=__doc__.splitlines()[0])
    p.add_argument("--requests", required=True, help="a FIFO: one JSON request per line")
    opts = p.parse_args(argv)
    runner.WARM_SESSION = session.build("warm")
    with open(opts.requests) as requests:
        for line in requests:
            if line.strip():
                code = run_one(json.loads(line))
                print(REPLY + json.dumps({"code": code}), flush=True)
    runner.WARM_SESSION.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
