"""Aggregations: several aggregates per window and country over orders, in update mode.

What it teaches:
- many aggregates in one `agg(...)`: count, sum and average of amounts, approximate distinct
  buyers (HyperLogLog) and approximate percentiles (p50, p95);
- why streaming uses the approximate versions: an exact distinct count or percentile would
  have to keep every value in the state store;
- update mode: each batch prints only the windows whose aggregates changed.

Run it (the lab must be up, `make up`):

    make submit JOB=aggregations
    make submit JOB=aggregations ARGS="--window '1 minute' --key product_id"

Watch: revenue per window grows as orders arrive; the state rows in the metrics stay bounded,
because the watermark lets Spark drop finished windows.
"""

from __future__ import annotations

import sys

from streamlab import options, runner, sinks, sources

JOB = "aggregations"
KEYS = ("country", "product_id", "currency")


# HyperLogLog++'s relative standard deviation: 2% costs more state per window than the 5% default,
# and keeps small counts close (within 3 sigma: 6%).
DISTINCT_RSD = 0.02


def build(orders, window: str = "5 minutes", watermark: str = "10 minutes", key: str = "country"):
    """Orders -> per (window, key): orders, revenue, avg_amount, buyers_approx, p50_amount, p95_amount."""
    from pyspark.sql import functions as F

    pct = F.percentile_approx("amount", [0.5, 0.95], 10000)
    return (
        orders.withWatermark("event_time", watermark)
        .groupBy(F.window("event_time", window).alias("window"), F.col(key))
        .agg(
            F.count(F.lit(1)).alias("orders"),
            F.round(F.sum("amount"), 2).alias("revenue"),
            F.round(F.avg("amount"), 2).alias("avg_amount"),
            F.approx_count_distinct("user_id", DISTINCT_RSD).alias("buyers_approx"),
            pct.alias("pct"),
        )
        .select(
            F.col("window.start").alias("window_start"),
            F.col("window.end").alias("window_end"),
            F.col(key).alias("key"),
            "orders",
            "revenue",
            "avg_amount",
            "buyers_approx",
            F.col("pct")[0].alias("p50_amount"),
            F.col("pct")[1].alias("p95_amount"),
        )
    )


def parser():
    p = options.parser(JOB, __doc__, default_mode="update")
    p.add_argument("--window", type=options.interval, default="5 minutes")
    p.add_argument("--watermark", type=options.interval, default="10 minutes")
    p.add_argument("--key", choices=KEYS, default="country")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)

    def start(spark):
        valid, bad = sources.events(spark, "orders", opts)
        return [
            sinks.start(build(valid, opts.window, opts.watermark, opts.key), opts, JOB),
            sinks.quarantine(bad, opts, JOB),
        ]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
