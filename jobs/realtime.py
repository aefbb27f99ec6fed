"""Real-time mode: alerts for high-value orders, Kafka to Kafka, as each order arrives (Spark 4.1+).

Purpose: every order worth --min-amount or more (650 by default: about 8% of the producer's
orders) becomes a JSON alert in the results topic, keyed by order_id, a few milliseconds after
Spark reads it. Records that do not parse go to the quarantine topic, in the same query.

What it teaches:
- real-time mode vs micro-batch: `trigger(realTime=...)` runs one long-lived task per Kafka
  partition that reads, filters and writes each record as it arrives. A micro-batch writes its
  records when the batch ends, so its latency is at least the batch's time; `--trigger '1 second'`
  runs the same query in micro-batches, to compare;
- the real-time duration is a checkpoint interval, not a latency: it sets how often the query
  commits its offsets and restarts its tasks (5 seconds at least, Spark's
  spark.sql.streaming.realTimeMode.minBatchDuration). Records do not wait for it, except those
  that arrive while the query commits and plans its next batch: a pause of a few hundred ms.
  The job's default, 1 minute, keeps those pauses rare; the price is a line and a metrics update
  once a minute, and up to a minute of alerts written again after a stop or a failure
  (docs/jobs/realtime.md);
- cores >= partitions: the tasks hold their cores for the whole batch, so the application needs
  one core per partition of the topic, and a cluster runs one real-time query. The job checks
  before it starts and says what to change;
- Spark 4.2 takes stateless queries only (select, filter, from_json, to_json, unions of distinct
  sources, broadcast joins; no Python UDFs), in update mode, from Kafka, into Kafka, console or
  foreach. That is why the quarantine rides in the same query: one Kafka sink, and a `topic`
  column that sends each row to the results or the quarantine topic;
- the Kafka sink is at-least-once: after a failure, the records written since the last commit
  are written again. An alert is the same bytes each time, keyed by order_id: a consumer keeps
  one per key;
- latency, per record: each alert carries the order's event_time and the input record's Kafka
  timestamp (kafka_timestamp), and the alert record gets its own Kafka timestamp when it is
  written. Their differences are the latency of each hop (docs/jobs/realtime.md).

After every batch it prints one line: orders read, alerts written and records quarantined (from
the query's observed metrics), with the run's totals. A new query starts at the topic's end
(--starting-offsets latest): an alert is about an order placed now, and a backlog would only
measure how old the backlog is.

Run it (the lab must be up, `make up`). The default worker has 2 cores and the orders topic 4
partitions, so first give the worker 4 cores: `make down`, then `SPARK_WORKER_CORES=4 make up`
(or set it in .env). Then:

    make submit JOB=realtime                          # real-time mode, 1 min checkpoint interval
    make produce RATE=200 DURATION=120                # in a second terminal
    make consume TOPIC=results LIMIT=20               # the alerts
    make submit JOB=realtime TRIGGER="1 second"       # the micro-batch twin, to compare
    make submit JOB=realtime ARGS="--real-time 5s"    # a checkpoint every 5 s: more pauses
    make submit JOB=realtime ARGS="--min-amount 300"  # more alerts

Watch: alerts appear in the results topic while a batch is still running; the output record's
Kafka timestamp minus the alert's kafka_timestamp stays in milliseconds in real-time mode, and
grows to about the batch time in micro-batches. Without enough cores the job stops at once with
one line that names the partitions, the cores and the fix.
"""

from __future__ import annotations

import argparse
import sys
import time

from streamlab import options, parsing, runner, sinks, sources
from streamlab.i18n import Catalogue

LINES = Catalogue.load("streamlab", "jobs")  # this job's printed lines

JOB = "realtime"
OBSERVED = "realtime_counts"  # the observe() name: alerts and quarantined per batch
SINKS = ("kafka", "console")  # what the job writes to; real-time mode also takes foreach
MIN_BATCH_SECONDS = 5.0  # spark.sql.streaming.realTimeMode.minBatchDuration's default (5000 ms)
DEFAULT_REAL_TIME = "60 seconds"  # docs/jobs/realtime.md: the pauses against the replay
# The driver plans a batch once per checkpoint interval: too seldom for the JIT's optimizing
# compiler to reach that code, while the quick one alone shortens each pause by a fifth to a third.
# `make submit` gives these to this job's driver (never to executors, which process the records).
DRIVER_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1"
# About 8% of the producer's orders (unit price uniform in 2-400, quantity 1 + Exp(1.2), the
# default products): 8.0-8.5% over five event seeds, 20,000 orders each.
DEFAULT_MIN_AMOUNT = 650.0
# The alert, in this order. event_time and kafka_timestamp are there to measure latency.
ALERT_FIELDS = (
    "order_id",
    "event_id",
    "event_time",
    "amount",
    "currency",
    "user_id",
    "country",
    "kafka_timestamp",
    "kafka_partition",
    "kafka_offset",
)
# Milliseconds always, so a timestamp is exact whatever its value (Kafka's timestamps are ms).
TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
EXECUTOR_WAIT_SECONDS = 30.0  # how long the cores check waits for the executors to register
SETTLE_SECONDS = 3.0  # once some have, how long the count must stay put
POLL_SECONDS = 0.5


def flagged(min_amount: float):
    """The rule: an order worth min_amount or more."""
    from pyspark.sql import functions as F

    return F.col("amount") >= F.lit(float(min_amount))


def build(orders, min_amount: float = DEFAULT_MIN_AMOUNT):
    """Parsed orders (streamlab.parsing's valid side) -> alerts: the flagged orders, ALERT_FIELDS."""
    return orders.where(flagged(min_amount)).select(*ALERT_FIELDS)


def alert_json():
    """An alert row's JSON value (ALERT_FIELDS, times in UTC with milliseconds)."""
    from pyspark.sql import functions as F

    return F.to_json(F.struct(*ALERT_FIELDS), {"timestampFormat": TIME_FORMAT})


def route(raw, min_amount: float, alerts_topic: str, quarantine_topic: str, job: str = JOB):
    """Kafka records of the orders topic -> Kafka records (topic, key, value, headers), in one
    projection: what build() flags, as alert_json() keyed by order_id, into `alerts_topic`; and
    every record that does not parse, as sinks.quarantine writes it (raw key and value, and the
    reason, source topic, partition, offset and job as headers), into `quarantine_topic`.

    One source read once, no union: real-time mode refuses a union of a source with itself, and
    a second query would need cores of its own. Counts per batch go to the query's observed
    metrics, named OBSERVED: alerts and quarantined."""
    from pyspark.sql import functions as F

    tagged = parsing.tag(raw, "orders")
    valid = F.col("reason").isNull()
    kept = tagged.where(parsing.fenced(~valid | flagged(min_amount))).observe(
        OBSERVED,
        F.count_if(valid).alias("alerts"),
        F.count_if(~valid).alias("quarantined"),
    )
    headers = sinks.quarantine_headers(job, F.col("reason"), F.col("topic"), F.col("partition"), F.col("offset"))
    return kept.select(
        F.when(valid, F.lit(alerts_topic)).otherwise(F.lit(quarantine_topic)).alias("topic"),
        F.when(valid, F.col("order_id").cast("binary")).otherwise(F.col("key")).alias("key"),
        F.when(valid, alert_json().cast("binary")).otherwise(F.col("value")).alias("value"),
        F.when(~valid, headers).alias("headers"),
    )


def readable(records):
    """Kafka records -> what the console sink shows: topic, key and value as text."""
    from pyspark.sql import functions as F

    return records.select(
        "topic", F.col("key").cast("string").alias("key"), F.col("value").cast("string").alias("value")
    )


# --- cores >= partitions ------------------------------------------------------------------------


def cores_problem(topic: str, partitions: int, cores: int) -> str | None:
    """The one line that refuses real-time mode when the application has fewer cores than the
    topic has partitions (each partition's task holds a core for the whole batch); None when
    there are enough."""
    if cores >= partitions:
        return None
    if cores == 0:
        held = LINES("realtime_held_none")
    else:
        held = LINES("realtime_held_one") if cores == 1 else LINES("realtime_held", cores=cores)
    fixes = [LINES("realtime_fix_cores", partitions=partitions)]
    if cores:
        fixes.append(LINES("realtime_fix_topic", cores=cores))
    fixes.append(LINES("realtime_fix_trigger"))
    either = LINES("realtime_or", some=", ".join(fixes[:-1]), last=fixes[-1])
    return LINES("realtime_cores", job=JOB, topic=topic, partitions=partitions, held=held, fixes=either)


def settled_cores(
    read, needed: int, timeout: float = EXECUTOR_WAIT_SECONDS, settle: float = SETTLE_SECONDS, *, clock=None, sleep=None
) -> int:
    """The cores `read()` reports once they reach `needed`, or once some have arrived and the
    count has not changed for `settle` s, or after `timeout` s: executors register a few
    seconds after the application starts, and on a cluster with several workers not at once."""
    clock, sleep = clock or time.monotonic, sleep or time.sleep
    start = changed = clock()
    cores = read()
    while cores < needed:
        now = clock()
        if now - start >= timeout or (cores > 0 and now - changed >= settle):
            break
        sleep(POLL_SECONDS)
        latest = read()
        if latest != cores:
            cores, changed = latest, clock()
    return cores


def application_cores(spark) -> int:
    """The cores of this application's live executors; in local mode, the driver's threads. Read
    from Spark's status store (what the UI's Executors tab shows), else defaultParallelism (which
    says 2 for an application that has 1 core)."""
    from py4j.protocol import Py4JError

    try:
        executors = spark.sparkContext._jsc.sc().statusStore().executorList(True)
        return sum(executors.apply(i).totalCores() for i in range(executors.size()))
    except Py4JError:
        return spark.sparkContext.defaultParallelism


def topic_partitions(bootstrap: str, topic: str, timeout: float = 10.0) -> int:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    try:
        found = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3}).list_topics(topic, timeout=timeout)
    except KafkaException as exc:
        raise runner.CannotStart(
            LINES("realtime_no_partitions", job=JOB, topic=topic, bootstrap=bootstrap, error=exc)
        ) from None
    meta = found.topics.get(topic)
    if meta is None or meta.error is not None or not meta.partitions:
        raise runner.CannotStart(LINES("realtime_no_topic", job=JOB, topic=topic, bootstrap=bootstrap))
    return len(meta.partitions)


def check_cores(spark, bootstrap: str, topic: str) -> None:
    """Raise CannotStart (one line) unless this application has a core per partition of `topic`."""
    from streamlab.session import is_connect

    if is_connect(spark):  # a Connect server's cores are its clients', shared: none is held for one query
        raise runner.CannotStart(LINES("realtime_over_connect", job=JOB))
    partitions = topic_partitions(bootstrap, topic)
    local = spark.sparkContext.master.startswith("local")  # its cores are there from the start
    cores = settled_cores(lambda: application_cores(spark), partitions, 0.0 if local else EXECUTOR_WAIT_SECONDS)
    problem = cores_problem(topic, partitions, cores)
    if problem:
        raise runner.CannotStart(problem)


# --- options and the line per batch -------------------------------------------------------------


def real_time_duration(text: str) -> str:
    """argparse type: an interval of at least MIN_BATCH_SECONDS, in Spark's form."""
    value = options.interval(text)
    if options.interval_seconds(value) < MIN_BATCH_SECONDS:
        raise argparse.ArgumentTypeError(
            f"real-time mode's duration must be at least {MIN_BATCH_SECONDS:g} seconds "
            f"(spark.sql.streaming.realTimeMode.minBatchDuration), not {text!r}: it is a checkpoint interval, "
            f"not a latency, so a shorter one would not make alerts faster"
        )
    return value


def min_amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(options.MESSAGES("not_an_amount", text=text)) from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(options.MESSAGES("amount_negative", text=text))
    return value


def parser():
    p = options.parser(JOB, __doc__, default_sink="kafka", default_mode="update", default_trigger=None)
    p.add_argument(
        "--real-time",
        type=real_time_duration,
        default=None,
        help=f"real-time mode's batch duration, the checkpoint interval (default {DEFAULT_REAL_TIME}; at least 5 s)",
    )
    p.add_argument(
        "--min-amount",
        type=min_amount,
        default=DEFAULT_MIN_AMOUNT,
        help=f"alert on orders worth this much or more (default {DEFAULT_MIN_AMOUNT:g}, about 8%% of orders)",
    )
    p.set_defaults(starting_offsets="latest")
    p.epilog = "With --trigger the query runs in micro-batches instead of real-time mode."
    return p


def parse(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> argparse.Namespace:
    """The options, checked before Spark starts. Sets opts.real_time (the duration, or None in
    micro-batches), which streamlab.runner reads too."""
    p = parser()
    sink = p.parse_args(argv).sink  # checked before the common checks, which would suggest another output mode
    if sink not in SINKS:
        p.error(f"this job writes to {' or '.join(SINKS)}, not {sink} (real-time mode takes no file sink)")
    opts = options.parse(p, argv, environ)
    if opts.trigger is not None:
        if opts.real_time is not None:
            p.error("--real-time and --trigger exclude each other: real-time mode, or micro-batches")
        return opts
    opts.real_time = opts.real_time or DEFAULT_REAL_TIME
    if opts.output_mode != "update":
        p.error(f"real-time mode needs --output-mode update, not {opts.output_mode}")
    if opts.max_offsets_per_trigger:
        p.error("--max-offsets-per-trigger does not apply to real-time mode (Spark's Kafka source refuses it)")
    return opts


class AlertLine:
    """One line per batch of the job's query: orders read, alerts and quarantined (its observed
    metrics, OBSERVED), with the run's totals."""

    def __init__(self, query_name: str = JOB):
        self.query_name = query_name
        self.counts = {"alerts": 0, "quarantined": 0}

    def line(self, p, totals: dict[str, int]) -> str | None:
        if p.name != self.query_name:
            return None
        row = (getattr(p, "observedMetrics", None) or {}).get(OBSERVED)
        if row is None:  # a batch that ran nothing reports no observed metrics
            none = LINES("realtime_counts", alerts=0, quarantined=0)
            batch = none if not p.numInputRows else LINES("realtime_counts_unknown")
        else:
            now = {key: int(row[key] or 0) for key in self.counts}
            self.counts = {key: self.counts[key] + now[key] for key in self.counts}
            batch = LINES("realtime_counts", **now)
        return LINES(
            "realtime_batch",
            job=JOB,
            batch=p.batchId,
            read=p.numInputRows,
            counts=batch,
            total_read=totals["input_rows"],
            **self.counts,
        )

    def print(self, p, totals: dict[str, int]) -> None:
        line = self.line(p, totals)
        if line:
            print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)

    def start(spark):
        topic = opts.topic or opts.config.topic("orders")
        if opts.real_time:
            check_cores(spark, opts.config.bootstrap, topic)
        raw = sources.kafka(spark, topic, opts)
        records = route(
            raw, opts.min_amount, opts.output or opts.config.topic("results"), opts.config.topic("quarantine")
        )
        if opts.sink == "console":
            records = readable(records)
        return [sinks.start(records, opts, JOB, kafka_records=True, real_time=opts.real_time)]

    return runner.run(JOB, opts, start, on_batch=AlertLine(JOB).print)


if __name__ == "__main__":
    sys.exit(main())
