"""Dedup: drop the events a producer sent twice, with dropDuplicatesWithinWatermark (Spark 3.5+).

What it teaches:
- why streams hold duplicates: a producer that times out waiting for the broker's acknowledgement
  sends the same event again (at-least-once delivery), and Kafka keeps both, at two offsets.
  Spark reads each offset once: the duplicate is in the data, not a replay of Spark's;
- `withWatermark("event_time", delay).dropDuplicatesWithinWatermark(["event_id"])`: keep the
  first of each event_id, and forget an id once the watermark passes its event time plus the
  delay. The state stays bounded. `dropDuplicates(["event_id"])` alone would keep every id
  forever;
- the delay must cover the time between an event and its resend: a resend later than that is
  not recognised, and if it is behind the watermark it is dropped as late instead;
- the count of duplicates dropped, from the query's progress (the operator's
  numDroppedDuplicateRows), which the lab's listener exports as
  streaming_duplicate_rows_dropped_total.

After every batch it prints one line: rows read and duplicates dropped, with the run's totals.

Run it (the lab must be up, `make up`), then send events with resends:

    make submit JOB=dedup
    make produce RATE=200 DURATION=60 ARGS="--duplicate-share 0.05"

Watch: "duplicates dropped" grows by about 5% of what you produce; the producer's last line says
how many it resent ("duplicated N"), and the two match.
"""

from __future__ import annotations

import sys

from streamlab import options, runner, sinks, sources
from streamlab.i18n import Catalogue

LINES = Catalogue.load("streamlab", "jobs")  # this job's printed lines

JOB = "dedup"
KINDS = ("page_views", "orders", "payments")


def build(events, watermark: str = "10 minutes"):
    """Events (with event_id and event_time) -> each event_id once, within the watermark."""
    return events.withWatermark("event_time", watermark).dropDuplicatesWithinWatermark(["event_id"])


class DedupReport(runner.BatchLine):
    """One line per batch of the main query: rows read and duplicates dropped."""

    key = "duplicates_dropped"

    def text(self, p, totals: dict[str, int], dropped: int) -> str:
        return LINES(
            "dedup_batch",
            batch=p.batchId,
            read=p.numInputRows,
            dropped=dropped,
            total_read=totals["input_rows"],
            total_dropped=totals["duplicates_dropped"],
        )


def parser():
    p = options.parser(JOB, __doc__, default_mode="append")
    p.add_argument("--events", choices=KINDS, default="page_views", help="which topic's events (default page_views)")
    p.add_argument(
        "--watermark",
        type=options.interval,
        default="10 minutes",
        help="how long an event_id is remembered, in event time (default 10 minutes)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)

    def start(spark):
        valid, bad = sources.events(spark, opts.events, opts)
        return [sinks.start(build(valid, opts.watermark), opts, JOB), sinks.quarantine(bad, opts, JOB)]

    return runner.run(JOB, opts, start, on_batch=DedupReport(JOB).print)


if __name__ == "__main__":
    sys.exit(main())
