"""Exercise 2, a typical wrong answer: the course's `.agg(...)` kept, counting a column. The counts
are right, but the column is called `count(country)`, not `count` as the exercise names it.

    make check EXERCISE=2 FILE=instructors/wrong-answers/ex2_count_column.py   # FAIL: column_name
"""

from pyspark.sql.functions import window


def windowed_counts(page_views):
    return (
        page_views.withWatermark("event_time", "10 minutes")
        .groupBy(window("event_time", "5 minutes"), "country")
        .agg({"country": "count"})
    )
