"""Joins: enrich orders with a static dimension, and match orders with their payments.

What it teaches, one mode each (`--mode`):
- static: stream-static join. Each order gets its product's name, category and brand from
  the products file. A left join keeps orders whose product is unknown, with matched = false.
- stream: stream-stream inner join of orders and payments on order_id. Both sides have a
  watermark, and an event-time range condition (a payment within --within of its order) lets
  Spark drop old state.
- left-outer: the same, as a left outer join. An order with no payment in time is emitted once,
  with null payment columns, when the watermark passes the order's deadline. These are the
  unpaid orders.

Run it (the lab must be up, `make up`; the producer writes the products file at start):

    make submit JOB=joins                                # stream-static
    make submit JOB=joins ARGS="--mode stream"
    make submit JOB=joins ARGS="--mode left-outer --within '1 minute' --watermark '1 minute'"

Watch: in left-outer mode, unpaid orders (about 10% of them) appear a watermark after their deadline.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlab import options, runner, schemas, sinks, sources

JOB = "joins"
MODES = ("static", "stream", "left-outer")


def enrich(orders, products):
    """Stream-static left join: every order, plus its product's attributes and `matched`."""
    from pyspark.sql import functions as F

    dim = products.select("product_id", F.col("name").alias("product_name"), "category", "brand")
    return orders.join(dim, "product_id", "left").select(
        "order_id",
        "event_time",
        "user_id",
        "product_id",
        "product_name",
        "category",
        "brand",
        "quantity",
        "amount",
        F.col("product_name").isNotNull().alias("matched"),
    )


def match_payments(orders, payments, within: str = "10 minutes", watermark: str = "10 minutes", how: str = "inner"):
    """Stream-stream join on order_id, payment time in [order time, order time + within]."""
    from pyspark.sql import functions as F

    o = orders.withWatermark("event_time", watermark).select(
        "order_id", F.col("event_time").alias("ordered_at"), "user_id", F.col("amount").alias("order_amount")
    )
    p = payments.withWatermark("event_time", watermark).select(
        F.col("order_id").alias("paid_order_id"), "payment_id", F.col("event_time").alias("paid_at"), "method"
    )
    condition = (
        (F.col("order_id") == F.col("paid_order_id"))
        & (F.col("paid_at") >= F.col("ordered_at"))
        & (F.col("paid_at") <= F.col("ordered_at") + F.expr(f"interval {within}"))
    )
    return o.join(p, condition, how).select(
        "order_id",
        "ordered_at",
        "user_id",
        "order_amount",
        "payment_id",
        "paid_at",
        "method",
        F.col("payment_id").isNotNull().alias("paid"),
    )


def read_products(spark, path: Path):
    """The products dimension, a JSON Lines file the producer writes (DATA_ROOT/dimensions)."""
    if not path.exists():
        raise FileNotFoundError(
            f"the products dimension {path} does not exist yet: the producer writes it "
            f"(`make up`, or `make produce COUNT=1`)"
        )
    return spark.read.schema(schemas.dimension_schema(schemas.PRODUCT_FIELDS)).json(str(path))


def parser():
    p = options.parser(JOB, __doc__, default_mode="append")
    p.add_argument("--mode", choices=MODES, default="static")
    p.add_argument("--within", type=options.interval, default="10 minutes", help="max order-to-payment time")
    p.add_argument("--watermark", type=options.interval, default="10 minutes")
    p.add_argument(
        "--products",
        default=None,
        help="products file (default: DATA_ROOT/dimensions/products.jsonl, which the producer writes)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)
    if opts.output_mode != "append":
        parser().error("joins support only append output mode")
    topics = opts.config.topics
    products = Path(opts.products) if opts.products else opts.config.dimensions / "products.jsonl"

    def start(spark):
        orders, bad_orders = sources.events(spark, "orders", opts, topics["orders"])
        if opts.mode == "static":
            result, bad = enrich(orders, read_products(spark, products)), {"": bad_orders}
        else:
            payments, bad_payments = sources.events(spark, "payments", opts, topics["payments"])
            how = "inner" if opts.mode == "stream" else "leftOuter"
            result = match_payments(orders, payments, opts.within, opts.watermark, how)
            bad = {"": bad_orders, "payments": bad_payments}
        main = sinks.start(result, opts, JOB)  # first: the quarantine queries wait for its first batch
        return [main, *[sinks.quarantine(rows, opts, JOB, part) for part, rows in bad.items()]]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
