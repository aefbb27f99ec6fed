"""Exercise 1, a typical wrong answer: the query starts at the topic's end ("latest", the default),
so a topic filled before the query started gives no rows.

    make check EXERCISE=1 FILE=instructors/wrong-answers/ex1_latest_offsets.py   # FAIL: no_rows
"""

from pyspark.sql import functions as F

SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, page STRING, "
    "product_id STRING, category STRING, referrer STRING, user_agent STRING, country STRING"
)


def read_page_views(spark, bootstrap, topic):
    raw = (
        spark.readStream.format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic).load()
    )
    return raw.select(F.from_json(F.col("value").cast("string"), SCHEMA).alias("data")).select("data.*")
