"""Stateful processing: flag orders that stay unpaid past a deadline, with applyInPandasWithState.

What it teaches:
- arbitrary state per key: for each order_id, the function below keeps the order until its
  payment arrives, in a GroupState;
- event-time timeouts: each order sets a timeout at ordered_at + deadline. When the watermark
  passes it, Spark calls the function once more with `state.hasTimedOut`, and the order is
  flagged as unpaid;
- why the watermark matters: without one, state would grow forever and no timeout would fire.

Run it (the lab must be up, `make up`):

    make submit JOB=stateful
    make submit JOB=stateful ARGS="--deadline '2 minutes' --watermark '1 minute'"

Watch: about 10% of orders are never paid (the producer's --unpaid-share); each is printed
once, a watermark after its deadline. The metrics' state rows hold the orders still waiting.
"""

from __future__ import annotations

import sys

from streamlab import options, runner, sinks, sources

JOB = "stateful"
OUTPUT = "order_id string, user_id string, amount double, ordered_at timestamp, deadline timestamp"
STATE = "user_id string, amount double, ordered_at_ms long, paid boolean"


def unpaid_orders(deadline_ms: int):
    """The state function for applyInPandasWithState, keyed by order_id."""

    def fn(key, batches, state):
        import pandas as pd

        (order_id,) = key
        if state.hasTimedOut:
            user_id, amount, ordered_at_ms, paid = state.get
            state.remove()
            if not paid:
                yield pd.DataFrame(
                    {
                        "order_id": [order_id],
                        "user_id": [user_id],
                        "amount": [amount],
                        "ordered_at": [pd.Timestamp(ordered_at_ms, unit="ms")],
                        "deadline": [pd.Timestamp(ordered_at_ms + deadline_ms, unit="ms")],
                    }
                )
            return
        rows = pd.concat(list(batches))
        user_id, amount, ordered_at_ms, paid = state.get if state.exists else (None, None, None, False)
        orders = rows[rows["kind"] == "order"]
        if not orders.empty:
            first = orders.iloc[0]
            user_id, amount = first["user_id"], float(first["amount"])
            ordered_at_ms = int(pd.Timestamp(first["event_time"]).value // 1_000_000)
        paid = paid or bool((rows["kind"] == "payment").any())
        if ordered_at_ms is None:  # a payment seen before its order: remember it until the order comes
            ordered_at_ms = int(pd.Timestamp(rows["event_time"].min()).value // 1_000_000)
        state.update((user_id, amount, ordered_at_ms, paid))
        # Keep the key until its deadline passes, so a late order or a duplicate payment is still matched.
        state.setTimeoutTimestamp(ordered_at_ms + deadline_ms)

    return fn


def orders_and_payments(orders, payments):
    """Orders and payments as one stream, for grouping by order_id: order_id, user_id, amount,
    event_time, and kind ("order" or "payment"; a payment's user_id and amount are null)."""
    from pyspark.sql import functions as F

    o = orders.select("order_id", "user_id", "amount", "event_time", F.lit("order").alias("kind"))
    p = payments.select(
        "order_id",
        F.lit(None).cast("string").alias("user_id"),
        F.lit(None).cast("double").alias("amount"),
        "event_time",
        F.lit("payment").alias("kind"),
    )
    return o.unionByName(p)


def build(orders, payments, deadline: str = "5 minutes", watermark: str = "2 minutes"):
    """Orders and payments -> the orders not paid within `deadline` of being placed."""
    from pyspark.sql.streaming.state import GroupStateTimeout

    from streamlab.options import interval_seconds

    return (
        orders_and_payments(orders, payments)
        .withWatermark("event_time", watermark)
        .groupBy("order_id")
        .applyInPandasWithState(
            unpaid_orders(int(interval_seconds(deadline) * 1000)),
            OUTPUT,
            STATE,
            "append",
            GroupStateTimeout.EventTimeTimeout,
        )
    )


def parser():
    p = options.parser(JOB, __doc__, default_mode="append")
    p.add_argument("--deadline", type=options.interval, default="5 minutes", help="time an order has to be paid")
    p.add_argument("--watermark", type=options.interval, default="2 minutes")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = options.parse(parser(), argv)
    topics = opts.config.topics

    def start(spark):
        orders, bad_orders = sources.events(spark, "orders", opts, topics["orders"])
        payments, bad_payments = sources.events(spark, "payments", opts, topics["payments"])
        return [
            sinks.start(build(orders, payments, opts.deadline, opts.watermark), opts, JOB),
            sinks.quarantine(bad_orders, opts, JOB),
            sinks.quarantine(bad_payments, opts, JOB, "payments"),
        ]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
