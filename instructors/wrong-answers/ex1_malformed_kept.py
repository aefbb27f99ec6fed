"""Exercise 1, a typical wrong answer: from_json never fails, it returns nulls for what it cannot
parse, so records that are not page views become rows of nulls unless they are filtered out.

    make check EXERCISE=1 FILE=instructors/wrong-answers/ex1_malformed_kept.py   # FAIL: malformed_kept
"""

from pyspark.sql import functions as F

SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, page STRING, "
    "product_id STRING, category STRING, referrer STRING, user_agent STRING, country STRING"
)


def read_page_views(spark, bootstrap, topic):
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
    )
    return raw.select(F.from_json(F.col("value").cast("string"), SCHEMA).alias("data")).select("data.*")
