"""Capstone, a typical wrong answer: no checkpoint. Stopped and started again, the query begins
from nothing: a file sink's log then skips the batch ids it has seen, and windows are lost.

    make check EXERCISE=capstone FILE=instructors/wrong-answers/capstone_no_checkpoint.py   # FAIL: no_checkpoint
"""

from pyspark.sql import functions as F


def paid_revenue(orders, payments):
    orders = orders.withWatermark("event_time", "10 minutes")
    paid = payments.withWatermark("event_time", "10 minutes").select(
        F.col("order_id").alias("paid_order_id"), F.col("event_time").alias("paid_time")
    )
    joined = orders.join(
        paid,
        F.expr("order_id = paid_order_id AND paid_time BETWEEN event_time AND event_time + INTERVAL 10 MINUTES"),
    )
    return joined.groupBy(F.window("event_time", "5 minutes"), "country").agg(
        F.count(F.lit(1)).alias("paid_orders"), F.sum("amount").alias("revenue")
    )


def start_sink(result, output, checkpoint):
    return result.writeStream.format("parquet").outputMode("append").option("path", output).start()
