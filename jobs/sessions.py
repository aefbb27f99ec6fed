"""Sessions: session windows (`session_window`) of each user's page views, with session statistics.

What it teaches:
- session windows: a window per user that stays open while views keep coming, and closes
  after a gap of inactivity (default 5 minutes), so windows have different lengths. The gap is
  inclusive: a view exactly one gap after the last one still extends the session;
- per-session statistics: page views, distinct pages (approximate), first and last view,
  and the session's length in seconds;
- append mode: a session is printed once, when the watermark passes its end.

Run it (the lab must be up, `make up`):

    make submit JOB=sessions
    make submit JOB=sessions ARGS="--gap '2 minutes' --watermark '2 minutes'"

Watch: with the gentle background producer, sessions appear once a user has been idle for the gap
plus the watermark delay.
"""

from __future__ import annotations

import sys

from streamlab import options, runner, sinks, sources

JOB = "sessions"


def build(views, gap: str = "5 minutes", watermark: str = "10 minutes"):
    """Page views -> one row per (user, session): start, end, views, pages, length_seconds."""
    from pyspark.sql import functions as F

    return (
        views.withWatermark("event_time", watermark)
        .groupBy(F.session_window("event_time", gap).alias("session"), "user_id")
        .agg(
            F.count(F.lit(1)).alias("page_views"),
            F.approx_count_distinct("page").alias("distinct_pages"),
            F.min("event_time").alias("first_view"),
            F.max("event_time").alias("last_view"),
        )
        .select(
            "user_id",
            F.col("session.start").alias("session_start"),
            F.col("session.end").alias("session_end"),
            "page_views",
            "distinct_pages",
            "first_view",
            "last_view",
            (F.col("last_view").cast("double") - F.col("first_view").cast("double")).alias("length_seconds"),
        )
    )


def parser():
    p = options.parser(JOB, __doc__, default_mode="append")
    p.add_argument("--gap", type=options.interval, default="5 minutes", help="inactivity gap that ends a session")
    p.add_argument("--watermark", type=options.interval, default="10 minutes")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)

    def start(spark):
        valid, bad = sources.events(spark, "page_views", opts)
        return [sinks.start(build(valid, opts.gap, opts.watermark), opts, JOB), sinks.quarantine(bad, opts, JOB)]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
