"""Exercise 2, a reference solution: page views per country in 5-minute event-time windows.

make check EXERCISE=2 FILE=instructors/solutions/ex2_windowing.py
"""

from pyspark.sql import functions as F  # noqa: F401 - as in exercises/ex2_windowing.py: F.window works too
from pyspark.sql.functions import window


def windowed_counts(page_views):
    return (
        page_views.withWatermark("event_time", "10 minutes")
        .groupBy(window("event_time", "5 minutes"), "country")
        .count()
    )
