"""Late data: watch the watermark drop events that arrive too late, with the counts side by side.

What it teaches:
- the watermark is "max event time seen minus the delay". An event older than that is late, and
  stateful operators drop it. It is not an error, and it is not counted in any window;
- dropDuplicatesWithinWatermark: deduplicating by event_id with bounded state;
- reading the drop count from the query's progress (numRowsDroppedByWatermark), which the lab's
  listener exports as streaming_late_rows_dropped_total. Here it is exact per event, because
  deduplication drops late rows one by one, before any partial aggregation. An aggregation alone
  would report partially aggregated rows.

After every batch it prints one line: rows read, late rows dropped, and the watermark, with the
run's totals. The figures are the listener's (streamlab.listener), not a second count.

Run it (the lab must be up, `make up`), then send late events:

    make submit JOB=late_data
    make produce RATE=200 DURATION=60 ARGS="--late-share 0.1 --late-by 900"

Watch: "dropped late" grows by about 10% of what you produce, and the window counts do not move.
"""

from __future__ import annotations

import sys

from streamlab import options, runner, sinks, sources
from streamlab.i18n import Catalogue

LINES = Catalogue.load("streamlab", "jobs")  # this job's printed lines

JOB = "late_data"


def build(views, window: str = "1 minute", watermark: str = "2 minutes"):
    """Page views -> deduplicated by event_id within the watermark -> count per window."""
    from pyspark.sql import functions as F

    return (
        views.withWatermark("event_time", watermark)
        .dropDuplicatesWithinWatermark(["event_id"])
        .groupBy(F.window("event_time", window).alias("window"))
        .agg(F.count(F.lit(1)).alias("events"))
        .select(F.col("window.start").alias("window_start"), F.col("window.end").alias("window_end"), "events")
    )


class LateReport(runner.BatchLine):
    """One line per batch of the main query: rows read, late rows dropped, the watermark."""

    key = "late_rows_dropped"

    def text(self, p, totals: dict[str, int], dropped: int) -> str:
        watermark = (p.eventTime or {}).get("watermark", "-")
        return LINES(
            "late_batch",
            batch=p.batchId,
            read=p.numInputRows,
            dropped=dropped,
            total_read=totals["input_rows"],
            total_dropped=totals["late_rows_dropped"],
            watermark=watermark,
        )


def parser():
    p = options.parser(JOB, __doc__, default_mode="update")
    p.add_argument("--window", type=options.interval, default="1 minute")
    p.add_argument("--watermark", type=options.interval, default="2 minutes")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)

    def start(spark):
        valid, bad = sources.events(spark, "page_views", opts)
        return [sinks.start(build(valid, opts.window, opts.watermark), opts, JOB), sinks.quarantine(bad, opts, JOB)]

    return runner.run(JOB, opts, start, on_batch=LateReport(JOB).print)


if __name__ == "__main__":
    sys.exit(main())
