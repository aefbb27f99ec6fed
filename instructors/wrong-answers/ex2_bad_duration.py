"""Exercise 2, a typical wrong answer: durations written as people abbreviate them. Spark reads
"5 minutes" or "5 minute", not "5 mins" (nor "5min", nor "5 minutos").

    make check EXERCISE=2 FILE=instructors/wrong-answers/ex2_bad_duration.py   # FAIL: bad_duration
"""

from pyspark.sql.functions import window


def windowed_counts(page_views):
    return page_views.withWatermark("event_time", "10 mins").groupBy(window("event_time", "5 mins"), "country").count()
