"""Capstone, a typical wrong answer: no checkpoint. A console query would start in a temporary
one (and begin from nothing after a restart); a file sink refuses to start without one, since its
checkpoint is what makes its output exactly-once.

    make check EXERCISE=capstone FILE=instructors/wrong-answers/capstone_no_checkpoint.py   # FAIL: checkpoint_required
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
