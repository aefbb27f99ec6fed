"""Custom sinks: foreachBatch upserts into PostgreSQL (exactly-once through idempotence), and a ForeachWriter.

What it teaches:
- foreachBatch(fn): your own code gets each micro-batch as a DataFrame plus its batch id, and
  can write anywhere. Spark guarantees at-least-once: after a crash, the last batch is given
  to fn again;
- idempotence turns at-least-once into exactly-once output: rows are upserted by their key
  (window_start, country), so a replayed batch rewrites the same values, and nothing is
  counted twice;
- ForeachWriter (`--writer foreach`): the row-at-a-time alternative, which runs open/process/close
  on the executors, one connection per partition and epoch.

Run it (the lab must be up, `make up`; PostgreSQL is one of its services):

    make submit JOB=custom_sink
    make submit JOB=custom_sink ARGS="--writer foreach --table order_revenue_rows"

Watch: `psql "host=127.0.0.1 user=lab dbname=lab" -c "select * from order_revenue order by 1 desc limit 10"`
(the password is POSTGRES_PASSWORD in .env).
"""

from __future__ import annotations

import sys

from streamlab import options, runner, sinks, sources

JOB = "custom_sink"
COLUMNS = ("window_start", "window_end", "country", "orders", "revenue")


def build(orders, window: str = "1 minute", watermark: str = "2 minutes"):
    """Orders -> per (window, country): window_start, window_end, country, orders, revenue."""
    from pyspark.sql import functions as F

    return (
        orders.withWatermark("event_time", watermark)
        .groupBy(F.window("event_time", window).alias("window"), "country")
        .agg(F.count(F.lit(1)).alias("orders"), F.round(F.sum("amount"), 2).alias("revenue"))
        .select(
            F.col("window.start").alias("window_start"),
            F.col("window.end").alias("window_end"),
            "country",
            "orders",
            "revenue",
        )
    )


def ddl(table: str) -> str:
    return (
        f'create table if not exists "{table}" (window_start timestamp not null, window_end timestamp not null, '
        f"country text not null, orders bigint not null, revenue numeric(14,2) not null, "
        f"batch_id bigint not null, primary key (window_start, country))"
    )


def upsert_sql(table: str) -> str:
    return (
        f'insert into "{table}" (window_start, window_end, country, orders, revenue, batch_id) '
        f"values (%s, %s, %s, %s, %s, %s) on conflict (window_start, country) do update set "
        f"window_end = excluded.window_end, orders = excluded.orders, revenue = excluded.revenue, "
        f"batch_id = excluded.batch_id"
    )


def upsert_batch(dsn: str, table: str):
    """The foreachBatch function: one transaction per batch; a replay rewrites the same rows."""

    def write(batch, batch_id: int) -> None:
        import psycopg

        rows = [(*[r[c] for c in COLUMNS], batch_id) for r in batch.collect()]  # aggregates: small
        with psycopg.connect(dsn) as conn:
            conn.execute(ddl(table))
            with conn.cursor() as cur:
                cur.executemany(upsert_sql(table), rows)

    return write


class PostgresRowWriter:
    """A ForeachWriter: one connection per partition and epoch, one upsert per row."""

    def __init__(self, dsn: str, table: str):
        self.dsn = dsn
        self.table = table

    def open(self, partition_id, epoch_id):
        import psycopg

        self.epoch = epoch_id
        self.conn = psycopg.connect(self.dsn)
        self.conn.execute(ddl(self.table))
        return True

    def process(self, row):
        self.conn.execute(upsert_sql(self.table), (*[row[c] for c in COLUMNS], self.epoch))

    def close(self, error):
        if error is None:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.conn.close()


def parser():
    p = options.parser(JOB, __doc__, default_sink="postgres", default_mode="update")
    p.add_argument("--writer", choices=("batch", "foreach"), default="batch")
    p.add_argument("--table", default="order_revenue")
    p.add_argument("--window", type=options.interval, default="1 minute")
    p.add_argument("--watermark", type=options.interval, default="2 minutes")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)
    target = opts.config.postgres_dsn

    def start(spark):
        valid, bad = sources.events(spark, "orders", opts)
        result = build(valid, opts.window, opts.watermark)
        if opts.sink != "postgres":
            main_query = sinks.start(result, opts, JOB)
        elif opts.writer == "batch":
            main_query = sinks.start(result, opts, JOB, foreach_batch=upsert_batch(target, opts.table))
        else:
            main_query = sinks.start(result, opts, JOB, foreach_writer=PostgresRowWriter(target, opts.table))
        return [main_query, sinks.quarantine(bad, opts, JOB)]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
