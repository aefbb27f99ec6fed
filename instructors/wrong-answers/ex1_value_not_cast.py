"""Exercise 1, a typical wrong answer: from_json on Kafka's `value` as it comes, in bytes. from_json
reads text: the value must be cast to a string first.

    make check EXERCISE=1 FILE=instructors/wrong-answers/ex1_value_not_cast.py   # FAIL: value_not_cast
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
    return raw.select(F.from_json(F.col("value"), SCHEMA).alias("data")).select("data.*")
