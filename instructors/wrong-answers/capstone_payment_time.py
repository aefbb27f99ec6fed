"""Capstone, a typical wrong answer: windows by the payment's time instead of the order's, so an
order paid after its window's end counts in the next window.

    make check EXERCISE=capstone FILE=instructors/wrong-answers/capstone_payment_time.py   # FAIL: revenue_differs
"""

from pyspark.sql import functions as F


def paid_revenue(orders, payments):
    orders = orders.withWatermark("event_time", "10 minutes").withColumnRenamed("event_time", "order_time")
    paid = payments.withWatermark("event_time", "10 minutes").select(
        F.col("order_id").alias("paid_order_id"), F.col("event_time").alias("paid_time")
    )
    joined = orders.join(
        paid,
        F.expr("order_id = paid_order_id AND paid_time BETWEEN order_time AND order_time + INTERVAL 10 MINUTES"),
    )
    return joined.groupBy(F.window("paid_time", "5 minutes"), "country").agg(
        F.count(F.lit(1)).alias("paid_orders"), F.sum("amount").alias("revenue")
    )


def start_sink(result, output, checkpoint):
    return (
        result.writeStream.format("parquet")
        .outputMode("append")
        .option("path", output)
        .option("checkpointLocation", checkpoint)
        .start()
    )
