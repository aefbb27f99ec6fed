"""Kafka sink: aggregated results written back to a Kafka topic as JSON.

What it teaches:
- the Kafka sink wants a `value` column (and optionally `key`): each result row becomes a JSON
  value, keyed by window and country so that updates of one window go to one partition;
- the Kafka sink is at-least-once: after a crash, the last batch may be written again, so
  consumers should treat records as upserts by key (here: the latest record for a key wins);
- update mode: each batch writes only the windows that changed.

Run it (the lab must be up, `make up`):

    make submit JOB=kafka_sink                        # into the results topic
    make submit JOB=kafka_sink OUTPUT=my_results      # another (existing) topic

Watch: read the topic back, e.g. with the Kafka console consumer, or in the integration test.
"""

from __future__ import annotations

import sys

from streamlab import options, runner, sinks, sources

JOB = "kafka_sink"


def build(orders, window: str = "1 minute", watermark: str = "2 minutes"):
    """Orders -> per (window, country): result_key, window_start, window_end, country, orders, revenue."""
    from pyspark.sql import functions as F

    return (
        orders.withWatermark("event_time", watermark)
        .groupBy(F.window("event_time", window).alias("window"), "country")
        .agg(F.count(F.lit(1)).alias("orders"), F.round(F.sum("amount"), 2).alias("revenue"))
        .select(
            F.concat_ws("|", F.date_format("window.start", "yyyy-MM-dd'T'HH:mm:ss'Z'"), "country").alias("result_key"),
            F.col("window.start").alias("window_start"),
            F.col("window.end").alias("window_end"),
            "country",
            "orders",
            "revenue",
        )
    )


def parser():
    p = options.parser(JOB, __doc__, default_sink="kafka", default_mode="update")
    p.add_argument("--window", type=options.interval, default="1 minute")
    p.add_argument("--watermark", type=options.interval, default="2 minutes")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)

    def start(spark):
        valid, bad = sources.events(spark, "orders", opts)
        return [
            sinks.start(build(valid, opts.window, opts.watermark), opts, JOB, kafka_key="result_key"),
            sinks.quarantine(bad, opts, JOB),
        ]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
