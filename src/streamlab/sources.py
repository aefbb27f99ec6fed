"""The Kafka reader (the files job reads its folder itself: jobs/files.py).

`kafka(spark, topic, opts)` is the course's exercise 1: `spark.readStream.format("kafka")`.
It returns Kafka's own columns (key, value, topic, partition, offset, timestamp, ...); parse the
value with `streamlab.parsing.split`. The Kafka source commits no consumer-group offsets: its
position lives in the query's checkpoint, which is why `make reset` restarts from the beginning.
"""

from __future__ import annotations

# The consumer settings every lab job reads Kafka with, unless --kafka-option overrides one
# (docs/performance.md, lesson 12; `make bench` measures each against Kafka's default).
READ_OPTIONS = {
    # A task that read to the end of a partition with no new data coming waited up to this long
    # (Kafka's default: 500 ms) for a fetch the broker holds until data comes. That is every
    # availableNow drain (backfills, catching up after a stop, `make check`) and a quiet topic;
    # under a steady producer the broker answers at once, so live batches did not change.
    "kafka.fetch.max.wait.ms": "10",
    # Spark's consumer looks up the partition's offset range after every poll; 10,000 records a
    # poll instead of Kafka's 500 makes that 20 times rarer.
    "kafka.max.poll.records": "10000",
}


def read_options(opts) -> dict[str, str]:
    """READ_OPTIONS with the job's --kafka-option pairs over them."""
    return {**READ_OPTIONS, **dict(opts.kafka_option)}


def kafka(spark, topic: str, opts):
    """Read `topic` from the Kafka at `opts.config.bootstrap` (streamlab.config), with READ_OPTIONS
    and then the job's --kafka-option pairs."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", opts.config.bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", opts.starting_offsets)
        .option("failOnDataLoss", str(opts.fail_on_data_loss).lower())
    )
    for key, value in read_options(opts).items():
        reader = reader.option(key, value)
    if opts.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(opts.max_offsets_per_trigger))
    return reader.load()


def events(spark, topic_key: str, opts, topic: str | None = None):
    """A logical topic's events (page_views, orders or payments), parsed: (valid, bad) as
    streamlab.parsing.split gives them. It reads `topic`, else the job's --topic, else the
    topic's TOPIC_<KEY> (streamlab.config)."""
    from streamlab import parsing

    return parsing.split(kafka(spark, topic or opts.topic or opts.config.topic(topic_key), opts), topic_key)
