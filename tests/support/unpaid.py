"""The unpaid-orders jobs' transformation (stateful, transform_with_state) on two local file
streams, orders and payments, one step at a time: the unit tests of both jobs feed it the same
events, so the two APIs can be held to the same rows."""

from __future__ import annotations

import json

import _warm

ORDERS = "order_id string, user_id string, amount double, event_time timestamp"
PAYMENTS = "order_id string, event_time timestamp"


def order(order_id: str, user_id: str, amount: float, at: str) -> dict:
    return {"order_id": order_id, "user_id": user_id, "amount": amount, "event_time": f"2026-01-01T{at}Z"}


def payment(order_id: str, at: str) -> dict:
    return {"order_id": order_id, "event_time": f"2026-01-01T{at}Z"}


def flagged_per_step(spark, tmp_path, build, steps, conf: dict[str, str] | None = None):
    """Run `build(orders, payments)` into a memory table. Each step is (orders, payments): one file
    per stream, then every batch they make (and the batches without data that a moved watermark
    runs). Returns the rows flagged so far after each step, as sorted (order_id, user_id, amount,
    ordered_at, deadline) tuples with the times as text, and the query's last progress. `conf` is
    set on the session for this query only."""
    o_dir, p_dir = tmp_path / "orders", tmp_path / "payments"
    o_dir.mkdir(), p_dir.mkdir()
    orders = spark.readStream.schema(ORDERS).json(str(o_dir))
    payments = spark.readStream.schema(PAYMENTS).json(str(p_dir))
    table = f"unpaid_{tmp_path.name.replace('-', '_')}"
    with _warm.sql_conf_kept(spark):  # a query keeps the confs it started with
        for key, value in (conf or {}).items():
            spark.conf.set(key, value)
        query = (
            build(orders, payments)
            .writeStream.format("memory")
            .queryName(table)
            .outputMode("append")
            .option("checkpointLocation", str(tmp_path / "ck"))
            .start()
        )
    flagged = []
    try:
        for n, (new_orders, new_payments) in enumerate(steps):
            for folder, rows in ((o_dir, new_orders), (p_dir, new_payments)):
                if rows:
                    (folder / f"{n}.json").write_text("\n".join(json.dumps(r) for r in rows))
            query.processAllAvailable()
            query.processAllAvailable()
            flagged.append(
                sorted(
                    (r.order_id, r.user_id, r.amount, str(r.ordered_at), str(r.deadline))
                    for r in spark.table(table).collect()
                )
            )
        return flagged, query.lastProgress
    finally:
        query.stop()
