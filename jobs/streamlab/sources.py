"""The Kafka reader (the files job reads its folder itself: jobs/files.py).

`kafka(spark, topic, opts)` is the course's exercise 1: `spark.readStream.format("kafka")`.
It returns Kafka's own columns (key, value, topic, partition, offset, timestamp, ...); parse the
value with `streamlab.parsing.split`. The Kafka source commits no consumer-group offsets: its
position lives in the query's checkpoint, which is why `make reset` restarts from the beginning.
"""

from __future__ import annotations


def bootstrap_servers() -> str:
    from lab.settings import load

    return load().kafka_bootstrap


def kafka(spark, topic: str, opts, bootstrap: str | None = None):
    reader = (spark.readStream.format("kafka")
              .option("kafka.bootstrap.servers", bootstrap or bootstrap_servers())
              .option("subscribe", topic)
              .option("startingOffsets", opts.starting_offsets)
              .option("failOnDataLoss", str(opts.fail_on_data_loss).lower()))
    if opts.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(opts.max_offsets_per_trigger))
    return reader.load()
