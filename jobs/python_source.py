"""Python source: the lab's events made in Spark by a Python data source, no Kafka; 5-minute window counts (Spark 4.2+).

What it teaches:
- a streaming source written in Python (pyspark.sql.datasource, Spark 4.0+): a DataSource names
  the format and its schema; its DataSourceStreamReader gives offsets (initialOffset,
  latestOffset), splits the range between two offsets into InputPartitions on the driver, and
  read()s each partition on an executor, one Spark task each;
- offsets that replay: here an offset is an event sequence number (plus what decides the events:
  seed, start time, pace), so a batch re-run from the checkpoint holds the same events;
- admission control (Spark 4.2+): latestOffset(start, limit) with a ReadLimit, as
  maxOffsetsPerTrigger does for Kafka; and Trigger.AvailableNow through SupportsTriggerAvailableNow;
- the lab's transformations do not care where rows come from: this is windowing's build (course
  exercise 2) on the `lab_events` stream instead of Kafka.

Run it (the lab must be up, `make up`; the job itself reads no Kafka):

    make submit JOB=python_source                                       # 100 page views a second, console
    make submit JOB=python_source ARGS="--rows-per-batch 20000 --partitions 4" SINK=noop TRIGGER="1 second"
    make submit JOB=python_source TRIGGER=availableNow ARGS="--total-rows 6000 --events-per-second 5"

Watch: the console's windows fill up as in `make submit JOB=windowing`, with no producer running;
in the Spark UI (http://127.0.0.1:4040), each batch's stage has one task per partition; a query's
progress shows the offsets as JSON, e.g. {"seq": 1500, "kind": "page_views", ...}.
"""

from __future__ import annotations

import sys

import windowing
from streamlab import datasources, eventgen, options, runner, sinks

JOB = "python_source"


def build(events, window: str = "5 minutes", watermark: str = "10 minutes", key: str = "country"):
    """Events (with event_time) -> one row per (window, key): window_start, window_end, key, events.
    windowing's build, unchanged: the rows of lab_events have the columns of the parsed Kafka events."""
    return windowing.build(events, window, None, watermark, key)


def source_options(opts) -> dict[str, str]:
    """The job's options -> lab_events' options (streamlab.datasources)."""
    chosen = {
        "kind": opts.events,
        "seed": opts.seed,
        "rowsPerSecond": opts.rows_per_second,
        "rowsPerBatch": opts.rows_per_batch,
        "eventsPerSecond": opts.events_per_second,
        "totalRows": opts.total_rows,
        "startTime": opts.start_time,
        "partitions": opts.partitions,
    }
    return {k: str(v) for k, v in chosen.items() if v is not None}


def events(spark, opts):
    datasources.register(spark)
    return spark.readStream.format(datasources.EVENTS).options(**source_options(opts)).load()


def parser():
    p = options.parser(JOB, __doc__, default_mode="complete")
    p.add_argument("--events", choices=eventgen.KINDS, default="page_views", help="which events (default page_views)")
    p.add_argument(
        "--rows-per-second",
        type=options.positive_int,
        default=None,
        help="events a second of wall-clock time (default 100; with --total-rows or --rows-per-batch: none)",
    )
    p.add_argument("--rows-per-batch", type=options.positive_int, default=None, help="events per micro-batch at most")
    p.add_argument(
        "--events-per-second",
        type=options.positive_int,
        default=None,
        help="the event-time pace (default: --rows-per-second, else 1000)",
    )
    p.add_argument("--total-rows", type=options.positive_int, default=None, help="end the stream after this many")
    p.add_argument("--seed", type=int, default=None, help="the events' seed (default 42; a checkpoint keeps its own)")
    p.add_argument("--start-time", default=None, help="event time of the first event, ISO-8601 (default: now)")
    p.add_argument("--partitions", type=options.positive_int, default=2, help="tasks per micro-batch (default 2)")
    p.add_argument("--window", type=options.interval, default="5 minutes", help="window length (default 5 minutes)")
    p.add_argument(
        "--watermark", type=options.interval, default="10 minutes", help="watermark delay (default 10 minutes)"
    )
    p.add_argument("--key", choices=windowing.KEYS, default="country", help="the grouping key (default country)")
    return p


def parse(argv: list[str] | None = None):
    opts = options.parse(parser(), argv)
    if opts.rows_per_second is None and opts.rows_per_batch is None:
        # A bounded stream is read as fast as it goes; an endless one at the producer's pace.
        if opts.total_rows:
            opts.rows_per_batch = 1000
        else:
            opts.rows_per_second = 100
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)

    def start(spark):
        counts = build(events(spark, opts), opts.window, opts.watermark, opts.key)
        if opts.output_mode == "complete" and opts.sink == "console":
            counts = counts.orderBy("window_start", "key")  # sorting is allowed in complete mode only
        return [sinks.start(counts, opts, JOB)]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
