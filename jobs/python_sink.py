"""Python sink: revenue per minute and country into PostgreSQL by a Python data source, exactly-once (Spark 4.1+).

What it teaches:
- a streaming sink written in Python (pyspark.sql.datasource): the DataSource's streamWriter;
  write() on the executors, once per partition of a micro-batch, returns a WriterCommitMessage;
  commit(messages, batch_id) on the driver once every task succeeded; abort(messages, batch_id)
  when one failed;
- two-phase commit: write() only stages rows (table lab_sink_staging); commit() makes the batch
  visible in one PostgreSQL transaction, together with a row (query, batch_id) in the ledger
  lab_sink_batches;
- exactly-once needs idempotence by batch id: after a driver crash Spark runs the last batch
  again, and commit() finds its batch id in the ledger and skips it. Unlike custom_sink's upsert,
  that holds for plain inserts too (`--keys ''`);
- what a Python sink cannot do (Spark 4.2): update output mode. Append writes each window once,
  when the watermark closes it; complete rewrites the whole table each batch.

Run it (the lab must be up, `make up`; PostgreSQL is one of its services):

    make submit JOB=python_sink
    make submit JOB=python_sink ARGS="--keys '' --table order_revenue_py_inserts"
    make submit JOB=python_sink ARGS="--output-mode complete"

Watch: `psql "host=127.0.0.1 user=lab dbname=lab" -c "select * from order_revenue_py order by 1 desc limit 10"`
(the password is POSTGRES_PASSWORD in .env): a minute's rows appear about 2 minutes after it ends
(the watermark). `select * from lab_sink_batches order by committed_at desc limit 5`: one row per
committed batch; lab_sink_staging is empty between batches.
"""

from __future__ import annotations

import sys

import custom_sink
from streamlab import datasources, options, runner, sinks, sources

JOB = "python_sink"
DEFAULT_TABLE = "order_revenue_py"
DEFAULT_KEYS = "window_start,country"


def build(orders, window: str = "1 minute", watermark: str = "2 minutes"):
    """Orders -> per (window, country): window_start, window_end, country, orders, revenue
    (custom_sink's build: the same result, another sink)."""
    return custom_sink.build(orders, window, watermark)


def sink_options(opts) -> dict[str, str]:
    """The job's options -> lab_postgres' options (streamlab.datasources)."""
    return {"dsn": opts.config.postgres_dsn, "table": opts.table, "keys": opts.keys}


def parser():
    p = options.parser(JOB, __doc__, default_sink="postgres", default_mode="append")
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"the table (default {DEFAULT_TABLE})")
    p.add_argument(
        "--keys",
        default=DEFAULT_KEYS,
        help=f"columns to upsert by, comma-separated; '' inserts (default {DEFAULT_KEYS})",
    )
    p.add_argument("--window", type=options.interval, default="1 minute")
    p.add_argument("--watermark", type=options.interval, default="2 minutes")
    return p


def parse(argv: list[str] | None = None):
    p = parser()
    opts = options.parse(p, argv)
    if opts.sink == "postgres" and opts.output_mode == "update":
        p.error(
            "a Python data source sink takes append or complete output mode, not update (Spark 4.2 "
            "refuses it: 'does not support Update mode'); custom_sink's foreachBatch takes update"
        )
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)

    def start(spark):
        valid, bad = sources.events(spark, "orders", opts)
        result = build(valid, opts.window, opts.watermark)
        if opts.sink != "postgres":
            main_query = sinks.start(result, opts, JOB)
        else:
            datasources.register(spark)
            main_query = sinks.start(result, opts, JOB, data_source=(datasources.POSTGRES, sink_options(opts)))
        return [main_query, sinks.quarantine(bad, opts, JOB)]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
