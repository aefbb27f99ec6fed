"""Exercise 1, a reference solution: the page views from Kafka, parsed, malformed records left out.

make check EXERCISE=1 FILE=instructors/solutions/ex1_read_kafka.py
"""

from pyspark.sql import functions as F

SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, page STRING, "
    "product_id STRING, category STRING, referrer STRING, user_agent STRING, country STRING"
)
REQUIRED = ["event_id", "event_time", "user_id", "session_id", "page", "user_agent", "country"]


def read_page_views(spark, bootstrap, topic):
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
    )
    parsed = raw.select(F.from_json(F.col("value").cast("string"), SCHEMA).alias("data")).select("data.*")
    # from_json gives a row of nulls (or of some fields) for a record it cannot parse, never an error.
    complete = F.lit(True)
    for name in REQUIRED:
        complete = complete & F.col(name).isNotNull()
    return parsed.where(complete)
