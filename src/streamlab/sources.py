"""The Kafka reader (the files job reads its folder itself: jobs/files.py).

`kafka(spark, topic, opts)` is the course's exercise 1: `spark.readStream.format("kafka")`.
It returns Kafka's own columns (key, value, topic, partition, offset, timestamp, ...); parse the
value with `streamlab.parsing.split`. The Kafka source commits no consumer-group offsets: its
position lives in the query's checkpoint, which is why `make reset` restarts from the beginning.
"""

from __future__ import annotations


def kafka(spark, topic: str, opts):
    """Read `topic` from the Kafka at `opts.config.bootstrap` (streamlab.config)."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", opts.config.bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", opts.starting_offsets)
        .option("failOnDataLoss", str(opts.fail_on_data_loss).lower())
    )
    if opts.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(opts.max_offsets_per_trigger))
    return reader.load()


def events(spark, topic_key: str, opts, topic: str | None = None):
    """A logical topic's events (page_views, orders or payments), parsed: (valid, bad) as
    streamlab.parsing.split gives them. It reads `topic`, else the job's --topic, else the
    topic's TOPIC_<KEY> (streamlab.config)."""
    from streamlab import parsing

    return parsing.split(kafka(spark, topic or opts.topic or opts.config.topic(topic_key), opts), topic_key)
