"""Stateful processing, Spark 4's API: the unpaid orders of `stateful`, with transformWithStateInPandas.

The same alert as the `stateful` job (orders left unpaid past a deadline, each printed once), written
with the API that Spark 4.0 added beside applyInPandasWithState: `groupBy("order_id")
.transformWithStateInPandas(UnpaidOrders(...), OUTPUT, "append", "EventTime")`. Its output is the
same, row for row; what changes is how the state is written (docs/jobs/transform_with_state.md
compares the two APIs).

What it teaches:
- a StatefulProcessor class instead of one function: `init` declares the state variables
  (here one ValueState, the order), `handleInputRows` runs on a key's new rows,
  `handleExpiredTimer` on a key's timer, `close` at the end of each batch's task;
- named, typed state variables: a ValueState; a ListState or a MapState when a key needs more;
- event-time timers (timeMode "EventTime"): the order registers one at ordered_at + deadline;
  when the watermark passes it, Spark calls `handleExpiredTimer` and the order is flagged if
  unpaid. A key may hold several timers (applyInPandasWithState has one timeout per key);
- what bounds the state: the timer clears each order once the watermark passes its deadline. A
  state variable's TTL (getValueState's ttlDurationMs) would be a safety net on top, but it counts
  processing time, and Spark 4.2 accepts it only with timeMode "ProcessingTime": with "EventTime"
  the first batch fails with STATEFUL_PROCESSOR_INCORRECT_TIME_MODE_TO_ASSIGN_TTL;
- the state store it needs: transformWithState runs on the RocksDB state store only.

Run it (the lab must be up, `make up`):

    make submit JOB=transform_with_state
    make submit JOB=transform_with_state ARGS="--deadline '2 minutes' --watermark '1 minute'"

Watch: the same rows as `make submit JOB=stateful` (about 10% of orders, the producer's
--unpaid-share), each once, a watermark after its deadline. The metrics' state rows are the orders
still waiting, as for `stateful`.
"""

from __future__ import annotations

import sys

from pyspark.sql.streaming.stateful_processor import StatefulProcessor

import stateful
from streamlab import options, runner, sinks, sources

JOB = "transform_with_state"
# The same output and state as the stateful job's, so that the two can be compared row for row.
OUTPUT = stateful.OUTPUT
STATE = stateful.STATE
ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"


class UnpaidOrders(StatefulProcessor):
    """Keyed by order_id: keep the order until its deadline, and flag it then if no payment came.

    State: one ValueState, "order" = (user_id, amount, ordered_at_ms, paid). A payment seen before
    its order is kept too (user_id and amount still None, paid True), until the order comes.
    Timer: one event-time timer at ordered_at_ms + deadline_ms. When the watermark passes it,
    `handleExpiredTimer` emits the order if it is unpaid and clears the state either way: the timer
    is what bounds the state (no TTL, see the module's doc).
    """

    def __init__(self, deadline_ms: int):
        self.deadline_ms = deadline_ms

    def init(self, handle) -> None:
        # Called once per task on the executors (and once on the driver, to learn the state's schema).
        self.handle = handle
        self.order = handle.getValueState("order", STATE)

    def handleInputRows(self, key, rows, timerValues):
        import pandas as pd

        rows = pd.concat(list(rows))
        user_id, amount, ordered_at_ms, paid = self.order.get() if self.order.exists() else (None, None, None, False)
        timer_at = None if ordered_at_ms is None else ordered_at_ms + self.deadline_ms
        orders = rows[rows["kind"] == "order"]
        if not orders.empty:
            first = orders.iloc[0]
            user_id, amount = first["user_id"], float(first["amount"])
            ordered_at_ms = int(pd.Timestamp(first["event_time"]).value // 1_000_000)
        paid = paid or bool((rows["kind"] == "payment").any())
        if ordered_at_ms is None:  # a payment seen before its order: remember it until the order comes
            ordered_at_ms = int(pd.Timestamp(rows["event_time"].min()).value // 1_000_000)
        self.order.update((user_id, amount, ordered_at_ms, paid))
        # Keep the key until its deadline passes, so a late order or a duplicate payment is still
        # matched. One timer per order: move it if the deadline moved (an order after its payment).
        if timer_at != ordered_at_ms + self.deadline_ms:
            if timer_at is not None:
                self.handle.deleteTimer(timer_at)
            self.handle.registerTimer(ordered_at_ms + self.deadline_ms)
        return iter(())

    def handleExpiredTimer(self, key, timerValues, expiredTimerInfo):
        import pandas as pd

        (order_id,) = key
        state = self.order.get()
        self.order.clear()
        if state is None or state[3]:  # paid (or a payment whose order never came): nothing to say
            return iter(())
        user_id, amount, ordered_at_ms, _ = state
        return iter(
            [
                pd.DataFrame(
                    {
                        "order_id": [order_id],
                        "user_id": [user_id],
                        "amount": [amount],
                        "ordered_at": [pd.Timestamp(ordered_at_ms, unit="ms")],
                        "deadline": [pd.Timestamp(ordered_at_ms + self.deadline_ms, unit="ms")],
                    }
                )
            ]
        )

    def close(self) -> None:
        pass  # nothing to release: the state lives in the state store, not in this object


def build(orders, payments, deadline: str = "5 minutes", watermark: str = "2 minutes"):
    """Orders and payments -> the orders not paid within `deadline` of being placed (the same input
    as stateful's: one stream of both, keyed by order_id)."""
    from streamlab.options import interval_seconds

    return (
        stateful.orders_and_payments(orders, payments)
        .withWatermark("event_time", watermark)
        .groupBy("order_id")
        .transformWithStateInPandas(
            statefulProcessor=UnpaidOrders(int(interval_seconds(deadline) * 1000)),
            outputStructType=OUTPUT,
            outputMode="append",
            timeMode="EventTime",
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
        # transformWithState keeps its state in RocksDB only: with the default (HDFS-backed) state
        # store the query fails at start. Set before the query starts; the checkpoint records it.
        spark.conf.set("spark.sql.streaming.stateStore.providerClass", ROCKSDB)
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
