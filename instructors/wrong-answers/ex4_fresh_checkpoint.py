"""Exercise 4, a typical wrong answer: a new checkpoint folder at every start (a timestamp in its
name, "so that runs do not clash"). Started again, the query has no past: it reads the topic from
the beginning again, and its counts start over. (Self-contained: the three steps are written here
rather than imported from the files beside it.)

    make check EXERCISE=4 FILE=instructors/wrong-answers/ex4_fresh_checkpoint.py   # FAIL: started_over
"""

import os
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, page STRING, "
    "product_id STRING, category STRING, referrer STRING, user_agent STRING, country STRING"
)
REQUIRED = ["event_id", "event_time", "user_id", "session_id", "page", "user_agent", "country"]
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092")
TOPIC = os.environ.get("TOPIC_PAGE_VIEWS", "page_views")
ROOT = os.environ.get("CHECKPOINT_ROOT", "checkpoints")


def main():
    spark = SparkSession.builder.appName("Streaming Example").getOrCreate()
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", BOOTSTRAP)
        .option("subscribe", TOPIC)
        .option("startingOffsets", "earliest")
        .load()
    )
    views = raw.select(F.from_json(F.col("value").cast("string"), SCHEMA).alias("v")).select("v.*")
    for name in REQUIRED:
        views = views.where(F.col(name).isNotNull())
    counts = (
        views.withWatermark("event_time", "10 minutes").groupBy(F.window("event_time", "5 minutes"), "country").count()
    )
    checkpoint = os.path.join(ROOT, f"pipeline-{time.time_ns()}")
    query = counts.writeStream.format("console").outputMode("complete").option("checkpointLocation", checkpoint).start()
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        query.stop()


if __name__ == "__main__":
    main()
