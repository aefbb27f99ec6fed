"""Windowing: count events per key in tumbling 5-minute windows, with a watermark (course exercises 2 and 3).

What it teaches:
- `groupBy(window("event_time", "5 minutes"), key).count()`: tumbling windows, or sliding ones
  with `--slide`;
- the watermark (`withWatermark`): how long Spark waits for late events before a window is
  final and its state can be dropped;
- output modes: `complete` re-prints every window each batch (as the course does); `update`
  prints only the windows that changed; `append` prints each window once, when the watermark
  closes it (the only mode a file sink accepts);
- the checkpoint: stop and restart, and the counts carry on where they were.

Run it (the lab must be up, `make up`):

    make submit JOB=windowing                                  # console, complete mode, as in the course
    make submit JOB=windowing ARGS="--key user_id"             # per Kafka key (the user)
    make submit JOB=windowing ARGS="--window '10 minutes' --slide '5 minutes' --output-mode update"
    make submit JOB=windowing SINK=parquet ARGS="--output-mode append"

Watch: the console tables grow one row per (window, key); in Grafana or `make report`, the
state rows and the watermark delay.
"""

from __future__ import annotations

import sys

from streamlab import options, parsing, runner, sinks, sources

JOB = "windowing"
KEYS = ("country", "user_id", "page", "category")


def build(
    events, window: str = "5 minutes", slide: str | None = None, watermark: str = "10 minutes", key: str = "country"
):
    """Events (with event_time) -> one row per (window, key): window_start, window_end, key, events."""
    from pyspark.sql import functions as F

    win = F.window("event_time", window, slide) if slide else F.window("event_time", window)
    return (
        events.withWatermark("event_time", watermark)
        .groupBy(win.alias("window"), F.col(key))
        .agg(F.count(F.lit(1)).alias("events"))
        .select(
            F.col("window.start").alias("window_start"),
            F.col("window.end").alias("window_end"),
            F.col(key).alias("key"),
            "events",
        )
    )


def parser():
    p = options.parser(JOB, __doc__, default_mode="complete")
    p.add_argument("--window", type=options.interval, default="5 minutes", help="window length (default 5 minutes)")
    p.add_argument(
        "--slide", type=options.interval, default=None, help="slide, for sliding windows (default: tumbling)"
    )
    p.add_argument(
        "--watermark", type=options.interval, default="10 minutes", help="watermark delay (default 10 minutes)"
    )
    p.add_argument("--key", choices=KEYS, default="country", help="the grouping key (default country)")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)
    topic = opts.topic or opts.config.topic("page_views")

    def start(spark):
        valid, bad = parsing.split(sources.kafka(spark, topic, opts), "page_views")
        counts = build(valid, opts.window, opts.slide, opts.watermark, opts.key)
        if opts.output_mode == "complete" and opts.sink == "console":
            counts = counts.orderBy("window_start", "key")  # sorting is allowed in complete mode only
        return [sinks.start(counts, opts, JOB, partition_by=None), sinks.quarantine(bad, opts, JOB)]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
