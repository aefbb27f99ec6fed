"""Exercise 2, a typical wrong answer: no watermark, so Spark keeps every window open for ever and
counts events however late they come.

    make check EXERCISE=2 FILE=instructors/wrong-answers/ex2_no_watermark.py   # FAIL: missing_watermark
"""

from pyspark.sql.functions import window


def windowed_counts(page_views):
    return page_views.groupBy(window("event_time", "5 minutes"), "country").count()
