"""Writers: start a streaming query on the sink chosen by `--sink`, with its own checkpoint.

`start(df, opts, job, name=...)` returns the started StreamingQuery. Each query checkpoints in
its own folder under `<checkpoint root>/<job>/` (streamlab.naming; the root: CHECKPOINT_ROOT, see
streamlab.config), so a job's queries never share a checkpoint, and
`make reset JOB=<job>` clears them all.

Guarantees, as Spark gives them:
- console: for reading, not for keeping.
- parquet: exactly-once. The file sink's own log, _spark_metadata, records each batch's files,
  so a batch that is replayed after a crash does not add files twice.
- kafka: at-least-once. A batch replayed after a crash may write its records again.
- postgres (foreachBatch): at-least-once, unless the writer is idempotent. The lab's writer
  upserts by key, so a replay rewrites the same rows.
- a Python data source (`data_source=(name, options)`, e.g. streamlab.datasources' lab_postgres):
  what its commit makes of it. lab_postgres: exactly-once, by a ledger of committed batch ids.
"""

from __future__ import annotations

import time
from pathlib import Path

from streamlab.wait import WaitTimeout, wait_for


def checkpoint_root(opts, job: str) -> Path:
    return Path(opts.checkpoint) if opts.checkpoint else opts.config.checkpoint_root / job


def checkpoint_dir(opts, job: str, name: str) -> str:
    return str(checkpoint_root(opts, job) / name)


def default_output(opts, job: str) -> str:
    if opts.output:
        return opts.output
    if opts.sink == "parquet":
        return str(opts.config.output_root / job)
    if opts.sink == "kafka":
        return opts.config.topic("results")
    if opts.sink == "postgres":
        return job
    return ""


def _with_trigger(writer, trigger: str | None, real_time: str | None = None):
    """The writer with the job's trigger: real-time mode when `real_time` (its batch duration) is
    given, else `trigger` (availableNow, once or a processing-time interval)."""
    if real_time:
        return writer.trigger(realTime=real_time)
    if trigger == "availableNow":
        return writer.trigger(availableNow=True)
    if trigger == "once":
        return writer.trigger(once=True)
    return writer.trigger(processingTime=trigger)


def to_kafka_records(df, key_col: str | None = None):
    """Rows -> Kafka records: the whole row as a JSON value, and an optional key column."""
    from pyspark.sql import functions as F

    value = F.to_json(F.struct(*[F.col(c) for c in df.columns]))
    key = F.col(key_col).cast("string") if key_col else F.lit(None).cast("string")
    return df.select(key.alias("key"), value.alias("value"))


def start(
    df,
    opts,
    job: str,
    name: str | None = None,
    *,
    output_mode: str | None = None,
    partition_by: list[str] | None = None,
    kafka_key: str | None = None,
    foreach_batch=None,
    foreach_writer=None,
    data_source: tuple[str, dict[str, str]] | None = None,
    kafka_records: bool = False,
    real_time: str | None = None,
):
    """`kafka_records`: with the kafka sink, `df` is already Kafka records (topic, key, value and
    optionally headers) and each row names its own topic: no `topic` option is set, because it
    would override the column. `real_time`: run in Spark's real-time mode (4.1+), with this batch
    duration, instead of opts.trigger."""
    from streamlab import naming, stateguard

    name = name or naming.main_query(job)
    checkpoint = checkpoint_dir(opts, job, naming.checkpoint_folder(job, name))
    if not opts.config.paths_on_server:  # a checkpoint this process can read
        stateguard.check(df, checkpoint, job)  # before anything starts: a changed stateful query writes nothing
    plain_kafka = foreach_batch is None and foreach_writer is None and data_source is None and not kafka_records
    if opts.sink == "kafka" and plain_kafka:
        df = to_kafka_records(df, kafka_key)
    writer = (
        df.writeStream.queryName(name)
        .outputMode(output_mode or opts.output_mode)
        .option("checkpointLocation", checkpoint)
    )
    writer = _with_trigger(writer, opts.trigger, real_time)
    if foreach_batch is not None:
        return writer.foreachBatch(foreach_batch).start()
    if foreach_writer is not None:
        return writer.foreach(foreach_writer).start()
    if data_source is not None:  # a registered data source's writer (streamlab.datasources)
        name, source_options = data_source
        return writer.format(name).options(**source_options).start()
    if opts.sink == "console":
        return writer.format("console").option("truncate", "false").option("numRows", 50).start()
    if opts.sink == "noop":
        return writer.format("noop").start()
    if opts.sink == "parquet":
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        return writer.format("parquet").option("path", default_output(opts, job)).start()
    if opts.sink == "kafka":
        writer = writer.format("kafka").option("kafka.bootstrap.servers", opts.config.bootstrap)
        return writer.start() if kafka_records else writer.option("topic", default_output(opts, job)).start()
    from streamlab.i18n import Catalogue

    raise ValueError(Catalogue.load("streamlab", "sources")("sink_needs_writer", job=job, sink=opts.sink))


def quarantine_headers(job: str, reason, topic, partition, offset):
    """A quarantined record's headers (the Kafka sink's `headers` column): reason, source_topic,
    source_partition, source_offset and job, each as text. One definition, for the quarantine
    query below and for a job that routes bad records within its own query (jobs/realtime.py)."""
    from pyspark.sql import functions as F

    def header(k, v):
        return F.struct(F.lit(k).alias("key"), v.cast("string").cast("binary").alias("value"))

    return F.array(
        header("reason", reason),
        header("source_topic", topic),
        header("source_partition", partition),
        header("source_offset", offset),
        header("job", F.lit(job)),
    )


def quarantine(bad, opts, job: str, part: str = ""):
    """Send quarantined records to the quarantine topic: the raw bytes as the value, and the
    reason, source topic, partition, offset and job as headers. Counted by the listener as the
    `<job>_quarantine[_<part>]` query's output rows. A job with two sources names the second
    one's `part`, so each quarantine query has its own checkpoint under the job's folder.

    With an interval trigger, it starts once the job's queries already running have finished
    their first trigger (see after_first_triggers): the job's results come first."""
    from pyspark.sql import functions as F

    from streamlab import naming, options

    headers = quarantine_headers(
        job, F.col("reason"), F.col("source_topic"), F.col("source_partition"), F.col("source_offset")
    )
    records = bad.select("key", "value", headers.alias("headers"))
    name = naming.quarantine_query(job, part)
    writer = (
        records.writeStream.queryName(name)
        .outputMode("append")
        .option("checkpointLocation", checkpoint_dir(opts, job, naming.checkpoint_folder(job, name)))
    )
    writer = _with_trigger(writer, opts.trigger)
    if options.trigger_seconds(opts.trigger):
        after_first_triggers(bad.sparkSession)
    return (
        writer.format("kafka")
        .option("kafka.bootstrap.servers", opts.config.bootstrap)
        .option("topic", opts.config.topic("quarantine"))
        .start()
    )


FIRST_TRIGGER_WAIT_SECONDS = 60
# What a query's status says once its first trigger is over, with or without data (Spark's
# MicroBatchExecution). Before that it says "Initializing sources" or "Getting offsets ...".
_BETWEEN_TRIGGERS = ("Waiting for next trigger", "Waiting for data to arrive")


def after_first_triggers(spark, timeout: float = FIRST_TRIGGER_WAIT_SECONDS) -> None:
    """Return once every query running in `spark` has finished its first trigger, or has
    stopped, or after `timeout` seconds.

    Why: a query's first batch is its slowest. The executor loads classes, opens its Kafka
    clients and compiles the query's code, and a stateful query creates its state store. Two
    first batches at once share a small machine's cores, so each takes longer: on 2 cores the
    windowing job's first batch took 8.6 s beside its quarantine query and 6.6 s before it, and
    a 10-second trigger then logs "Current batch is falling behind"."""
    deadline = time.monotonic() + timeout

    def past_first_trigger(query) -> bool:
        return not query.isActive or query.lastProgress is not None or query.status["message"] in _BETWEEN_TRIGGERS

    for query in spark.streams.active:
        try:
            wait_for(
                lambda q=query: past_first_trigger(q),
                max(0.0, deadline - time.monotonic()),
                f"{query.name}'s first trigger",
                interval=0.2,
            )
        except WaitTimeout:
            return  # start anyway: this only orders first batches (a failure is the runner's to report)
