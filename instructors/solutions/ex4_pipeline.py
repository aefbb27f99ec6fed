"""Exercise 4, a reference solution: the course's three code blocks as one program, with the
learner's own three functions (here, the reference solutions beside it).

make check EXERCISE=4 FILE=instructors/solutions/ex4_pipeline.py
"""

import os

from ex1_read_kafka import read_page_views
from ex2_windowing import windowed_counts
from ex3_output import start_output
from pyspark.sql import SparkSession

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092")
TOPIC = os.environ.get("TOPIC_PAGE_VIEWS", "page_views")
CHECKPOINT = os.path.join(os.environ.get("CHECKPOINT_ROOT", "checkpoints"), "pipeline")


def main():
    spark = SparkSession.builder.appName("Streaming Example").getOrCreate()
    stream_df = read_page_views(spark, BOOTSTRAP, TOPIC)
    windowed_df = windowed_counts(stream_df)
    query = start_output(windowed_df, CHECKPOINT)
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        query.stop()


if __name__ == "__main__":
    main()
