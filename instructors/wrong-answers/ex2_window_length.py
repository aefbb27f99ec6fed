"""Exercise 2, a typical wrong answer: 10-minute windows instead of 5.

make check EXERCISE=2 FILE=instructors/wrong-answers/ex2_window_length.py   # FAIL: window_length
"""

from pyspark.sql.functions import window


def windowed_counts(page_views):
    return (
        page_views.withWatermark("event_time", "10 minutes")
        .groupBy(window("event_time", "10 minutes"), "country")
        .count()
    )
