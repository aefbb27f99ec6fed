"""Static DataFrames shaped like the Kafka source's output, for unit tests of what reads Kafka."""

from __future__ import annotations

from datetime import UTC, datetime

from confluent_kafka.admin import AdminClient

START = datetime(2026, 1, 1, tzinfo=UTC)


def kafka_rows(spark, values, *, topic: str = "orders", partition: int = 0, first_offset: int = 0, timestamp=START):
    """One record per value (text, or None for a null value), with the Kafka source's columns:
    key b"k<i>", the value's bytes, `topic`, `partition`, offsets from `first_offset`, and the
    same `timestamp` (CreateTime) for all."""
    from pyspark.sql import types as T

    schema = T.StructType(
        [
            T.StructField("key", T.BinaryType()),
            T.StructField("value", T.BinaryType()),
            T.StructField("topic", T.StringType()),
            T.StructField("partition", T.IntegerType()),
            T.StructField("offset", T.LongType()),
            T.StructField("timestamp", T.TimestampType()),
            T.StructField("timestampType", T.IntegerType()),
        ]
    )
    rows = [
        (b"k%d" % i, None if v is None else v.encode(), topic, partition, first_offset + i, timestamp, 0)
        for i, v in enumerate(values)
    ]
    return spark.createDataFrame(rows, schema)


def topic_names(bootstrap: str) -> set[str]:
    """The names of every topic on the cluster, Kafka's internal ones included."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    return set(admin.list_topics(timeout=10).topics)
