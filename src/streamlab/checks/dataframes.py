"""What a learner's DataFrame is and what it gives: its columns, the watermarks and joins in its
analyzed plan, and every micro-batch it produces up to the end of the input. Rows are made
portable first: timestamps as microseconds since 1970 (UTC) whatever the session's time zone, a
window struct as its two ends, binary as text, so that they fit in JSON."""

from __future__ import annotations

import re
from pathlib import Path

from streamlab.checks.deadline import Deadline, FileTimeout

# `~EventTimeWatermark 5fad5912-..., event_time#12: timestamp, 10 minutes`
WATERMARK = re.compile(r"EventTimeWatermark (?:[0-9a-f-]{36}, )?(\w+)#\d+: \w+, (.+)$")


def columns(df) -> dict[str, str]:
    return {f.name: f.dataType.simpleString() for f in df.schema.fields}


def portable(df):
    """The DataFrame with every timestamp as microseconds since 1970, and a window struct as its
    two ends: values that mean the same in any time zone, and fit in JSON."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    cols = []
    for f in df.schema.fields:
        c = F.col(f"`{f.name}`")
        if isinstance(f.dataType, T.TimestampType | T.TimestampNTZType):
            cols.append(F.unix_micros(c.cast("timestamp")).alias(f.name))
        elif isinstance(f.dataType, T.StructType) and {"start", "end"} <= set(f.dataType.names):
            cols.append(F.unix_micros(c["start"].cast("timestamp")).alias(f"{f.name}.start"))
            cols.append(F.unix_micros(c["end"].cast("timestamp")).alias(f"{f.name}.end"))
        elif isinstance(f.dataType, T.BinaryType):
            cols.append(c.cast("string").alias(f.name))
        else:
            cols.append(c.alias(f.name))
    return df.select(*cols)


def plan_of(df) -> str:
    from streamlab.session import analyzed_plan

    return analyzed_plan(df)


def watermarks(df) -> list[dict]:
    found = []
    for line in plan_of(df).splitlines():
        m = WATERMARK.search(line)
        if m:
            found.append({"column": m.group(1), "delay": m.group(2).strip()})
    return found


def joins(df) -> list[str]:
    return [m.group(1) for m in re.finditer(r"Join (\w+)", plan_of(df))]


def collect(df, mode: str, checkpoint: Path, deadline: Deadline) -> list[list[dict]]:
    """Run `df` to the end of the input (availableNow) and return each batch's rows. Over Spark
    Connect the batch function runs in the server's Python, not here: each batch is written beside
    the checkpoint, as JSON lines with its id, and read back through the session once the query ends."""
    from streamlab.session import is_connect

    batches: list[list[dict]] = []
    kept = str(checkpoint) + "-batches"
    remote = is_connect(df.sparkSession)

    def keep(batch, batch_id):
        batches.append([r.asDict() for r in batch.collect()])

    def write(batch, batch_id):
        from pyspark.sql import functions as F

        batch.withColumn("_lab_batch", F.lit(batch_id)).write.mode("append").json(kept)

    query = (
        portable(df)
        .writeStream.foreachBatch(write if remote else keep)
        .outputMode(mode)
        .trigger(availableNow=True)
        .option("checkpointLocation", str(checkpoint))
        .start()
    )
    try:
        if not query.awaitTermination(deadline.left()):
            raise FileTimeout()
    finally:
        query.stop()
    return _read_batches(df.sparkSession, kept, portable(df).schema) if remote else batches


def _read_batches(spark, folder: str, schema) -> list[list[dict]]:
    """The batches `collect`'s writer kept in `folder`, in batch order (an empty batch leaves none)."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import types as T

    try:
        rows = spark.read.schema(schema.add("_lab_batch", T.LongType())).json(folder).collect()
    except AnalysisException:  # no batch wrote a row: no folder
        return []
    by_batch: dict[int, list[dict]] = {}
    for row in rows:
        values = row.asDict()
        by_batch.setdefault(values.pop("_lab_batch"), []).append(values)
    return [by_batch[b] for b in sorted(by_batch)]
