"""Exercise 2, a typical wrong answer: counting distinct users instead of page views. Streaming
aggregations do not support distinct counts (Spark suggests approx_count_distinct); and the
exercise counts every page view anyway.

    make check EXERCISE=2 FILE=instructors/wrong-answers/ex2_distinct_count.py   # FAIL: distinct_count
"""

from pyspark.sql import functions as F


def windowed_counts(page_views):
    return (
        page_views.withWatermark("event_time", "10 minutes")
        .groupBy(F.window("event_time", "5 minutes"), "country")
        .agg(F.countDistinct("user_id").alias("count"))
    )
