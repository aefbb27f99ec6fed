"""Files: a file source watching a folder, a Parquet sink partitioned by date, and reading it back.

What it teaches:
- a file source (`readStream.json(folder)`): every new file dropped into the folder is read
  once, in arrival order, at most --max-files-per-trigger per micro-batch. A streaming file
  source needs a schema up front;
- bad lines are not lost: with PERMISSIVE mode, each one keeps its text in `_corrupt_record`
  and goes to the quarantine topic;
- the Parquet sink, partitioned by event_date (one folder per day). Its _spark_metadata log
  makes it exactly-once across restarts;
- reading the result back as an ordinary batch DataFrame (`--read-back`).

Run it (the lab must be up, `make up`), then drop files into the folder:

    make submit JOB=files ARGS="--read-back"
    make produce COUNT=5000 ARGS="--to-folder .lab/run/data/incoming/orders --file-events 500"

Watch: one micro-batch per file or two, and new event_date=... folders under .lab/run/outputs/files.
"""

from __future__ import annotations

import sys

from streamlab import options, parsing, runner, schemas, sinks
from streamlab.i18n import Catalogue

LINES = Catalogue.load("streamlab", "jobs")  # this job's printed lines

JOB = "files"


def build(orders):
    """Parsed orders -> the columns kept in the lake, plus event_date for partitioning."""
    from pyspark.sql import functions as F

    return orders.select(*schemas.ORDERS.names).withColumn("event_date", F.to_date("event_time"))


def source(reader, folder: str):
    """A DataFrameReader or DataStreamReader -> the folder's JSON lines as rows: the orders'
    fields, timestamps still as text (parsing.timestamp converts them), and `_corrupt_record`."""
    from pyspark.sql import types as T

    schema = schemas.spark_schema("orders", timestamps_as_text=True).add(
        T.StructField("_corrupt_record", T.StringType())
    )
    return (
        reader.schema(schema)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt_record")
        .json(folder)
    )


def split_corrupt(raw):
    """File rows (from `source`) -> (valid orders, quarantine rows shaped like the Kafka quarantine).
    A time that is not an RFC 3339 string is the wrong type, as in streamlab.parsing."""
    from pyspark.sql import functions as F

    required = schemas.ORDERS.required
    missing = F.concat_ws(",", *[F.when(F.col(n).isNull(), F.lit(n)) for n in required])
    converted = raw.withColumns({f"_ts_{n}": parsing.timestamp(F.col(n)) for n in schemas.ORDERS.timestamps})
    wrong_type = F.col("_corrupt_record").isNotNull()
    for n in schemas.ORDERS.timestamps:
        wrong_type = wrong_type | (F.col(f"_ts_{n}").isNull() & F.col(n).isNotNull())
    reason = F.when(wrong_type, F.lit("malformed_or_wrong_type")).when(
        missing != "", F.concat(F.lit("missing_field:"), missing)
    )
    tagged = converted.withColumn("_reason", reason)
    valid = (
        tagged.where(F.col("_reason").isNull())
        .withColumns({n: F.col(f"_ts_{n}") for n in schemas.ORDERS.timestamps})
        .drop("_reason", "_corrupt_record", *[f"_ts_{n}" for n in schemas.ORDERS.timestamps])
    )
    raw_text = F.coalesce(F.col("_corrupt_record"), F.to_json(F.struct(*[F.col(n) for n in schemas.ORDERS.names])))
    bad = tagged.where(F.col("_reason").isNotNull()).select(
        F.lit(None).cast("binary").alias("key"),
        raw_text.cast("binary").alias("value"),
        F.col("_reason").alias("reason"),
        F.col("_metadata.file_path").alias("source_topic"),
        F.lit(None).cast("int").alias("source_partition"),
        F.lit(None).cast("long").alias("source_offset"),
    )
    return valid, bad


def parser():
    p = options.parser(JOB, __doc__, default_sink="parquet", default_mode="append")
    p.add_argument("--input", default=None, help="the watched folder (default .lab/run/data/incoming/orders)")
    p.add_argument("--max-files-per-trigger", type=options.positive_int, default=1)
    p.add_argument("--read-back", action="store_true", help="when the stream stops, read the Parquet output back")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)
    from pathlib import Path

    folder = Path(opts.input) if opts.input else opts.config.data_root / "incoming" / "orders"
    folder.mkdir(parents=True, exist_ok=True)

    def start(spark):
        raw = source(spark.readStream.option("maxFilesPerTrigger", opts.max_files_per_trigger), str(folder))
        valid, bad = split_corrupt(raw)
        return [sinks.start(build(valid), opts, JOB, partition_by=["event_date"]), sinks.quarantine(bad, opts, JOB)]

    code = runner.run(JOB, opts, start)
    if code == 0 and opts.read_back and opts.sink == "parquet":
        read_back(sinks.default_output(opts, JOB))
    return code


def read_back(path: str) -> None:
    """The stream's output is an ordinary Parquet dataset: read it as a batch DataFrame."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName(f"{JOB}-read-back").getOrCreate()
    df = spark.read.parquet(path)
    print(LINES("files_read_back", count=df.count(), path=path), flush=True)
    df.groupBy("event_date").agg(
        F.count(F.lit(1)).alias("orders"), F.round(F.sum("amount"), 2).alias("revenue")
    ).orderBy("event_date").show(truncate=False)
    runner.release(spark)


if __name__ == "__main__":
    sys.exit(main())
