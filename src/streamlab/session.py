"""Build the SparkSession a job runs in.

Under spark-submit the master, jars and resources come from `lab submit`; this only adds what
every job needs whatever the cluster: UTC event time, so window boundaries do not depend on the
machine's time zone.
"""

from __future__ import annotations


def build(app_name: str, conf: dict[str, str] | None = None):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name).config("spark.sql.session.timeZone", "UTC")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
