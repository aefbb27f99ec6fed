"""Exercise 1, a typical wrong answer: `spark.read` reads the topic once, as a batch; a stream needs
`spark.readStream`.

    make check EXERCISE=1 FILE=instructors/wrong-answers/ex1_batch_read.py   # FAIL: not_streaming
"""

from pyspark.sql import functions as F

SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, page STRING, "
    "product_id STRING, category STRING, referrer STRING, user_agent STRING, country STRING"
)


def read_page_views(spark, bootstrap, topic):
    raw = spark.read.format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic).load()
    parsed = raw.select(F.from_json(F.col("value").cast("string"), SCHEMA).alias("data")).select("data.*")
    return parsed.where(F.col("event_id").isNotNull() & F.col("event_time").isNotNull() & F.col("country").isNotNull())
