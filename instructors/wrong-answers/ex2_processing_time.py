"""Exercise 2, a typical wrong answer: windows by Kafka's `timestamp`, when each record was written,
instead of the event's own time. The counts describe the moment the check ran, not the day the
page views happened.

    make check EXERCISE=2 FILE=instructors/wrong-answers/ex2_processing_time.py   # FAIL: processing_time
"""

from pyspark.sql.functions import window


def windowed_counts(page_views):
    return (
        page_views.withWatermark("timestamp", "10 minutes").groupBy(window("timestamp", "5 minutes"), "country").count()
    )
