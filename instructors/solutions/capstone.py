"""Capstone, a reference solution: revenue of paid orders per country in 5-minute windows.

make check EXERCISE=capstone FILE=instructors/solutions/capstone.py
"""

import sys

from pyspark.sql import functions as F


def paid_revenue(orders, payments):
    orders = orders.withWatermark("event_time", "10 minutes")
    paid = payments.withWatermark("event_time", "10 minutes").select(
        F.col("order_id").alias("paid_order_id"), F.col("event_time").alias("paid_time")
    )
    # The time bound lets Spark drop an order's state 10 minutes (plus the watermark) after it.
    joined = orders.join(
        paid,
        F.expr("order_id = paid_order_id AND paid_time BETWEEN event_time AND event_time + INTERVAL 10 MINUTES"),
    )
    return joined.groupBy(F.window("event_time", "5 minutes"), "country").agg(
        F.count(F.lit(1)).alias("paid_orders"), F.sum("amount").alias("revenue")
    )


def start_sink(result, output, checkpoint):
    return (
        result.writeStream.queryName("capstone")  # names its metrics and its report's charts
        .format("parquet")
        .outputMode("append")
        .option("path", output)
        .option("checkpointLocation", checkpoint)
        .start()
    )


def main(argv=None):
    """Run the pipeline on the lab's topics, with the lab's metrics (make report JOB=capstone)."""
    from streamlab import options, runner, sinks, sources

    opts = options.parse(options.parser("capstone", __doc__, default_sink="parquet"), argv)

    def start(spark):
        orders, bad_orders = sources.events(spark, "orders", opts, topic=opts.config.topic("orders"))
        payments, bad_payments = sources.events(spark, "payments", opts, topic=opts.config.topic("payments"))
        output, checkpoint = sinks.default_output(opts, "capstone"), sinks.checkpoint_dir(opts, "capstone", "capstone")
        return [
            start_sink(paid_revenue(orders, payments), output, checkpoint),
            sinks.quarantine(bad_orders, opts, "capstone", "orders"),
            sinks.quarantine(bad_payments, opts, "capstone", "payments"),
        ]

    return runner.run("capstone", opts, start)


if __name__ == "__main__":
    sys.exit(main())
