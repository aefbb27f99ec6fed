import json
from datetime import datetime

import joins


def test_stream_static_enrichment_keeps_non_matches(spark):
    orders = spark.createDataFrame(
        [("o1", datetime(2026, 1, 1), "u1", "p1", 2, 20.0), ("o2", datetime(2026, 1, 1), "u2", "p404", 1, 5.0)],
        "order_id string, event_time timestamp, user_id string, product_id string, quantity int, amount double",
    )
    products = spark.createDataFrame(
        [("p1", "Lamp", "home", 10.0, "Acme")],
        "product_id string, name string, category string, price double, brand string",
    )
    got = {r.order_id: r for r in joins.enrich(orders, products).collect()}
    assert (got["o1"].product_name, got["o1"].category, got["o1"].brand, got["o1"].matched) == (
        "Lamp",
        "home",
        "Acme",
        True,
    )
    assert (got["o2"].product_name, got["o2"].matched) == (None, False)


def write(folder, name, rows):
    (folder / f"{name}.json").write_text("\n".join(json.dumps(r) for r in rows))


def test_stream_stream_left_outer_emits_unpaid_orders_after_the_watermark(spark, tmp_path):
    """Orders o1 (paid in time), o2 (paid too late) and o3 (never paid); the watermark then passes."""
    o_dir, p_dir = tmp_path / "o", tmp_path / "p"
    o_dir.mkdir(), p_dir.mkdir()
    orders = spark.readStream.schema("order_id string, event_time timestamp, user_id string, amount double").json(
        str(o_dir)
    )
    payments = spark.readStream.schema("order_id string, payment_id string, event_time timestamp, method string").json(
        str(p_dir)
    )
    q = (
        joins.match_payments(orders, payments, "1 minute", "1 minute", "leftOuter")
        .writeStream.format("memory")
        .queryName("joined")
        .outputMode("append")
        .option("checkpointLocation", str(tmp_path / "ck"))
        .start()
    )
    try:
        write(
            o_dir,
            "1",
            [
                {"order_id": "o1", "event_time": "2026-01-01T00:00:00Z", "user_id": "u1", "amount": 1.0},
                {"order_id": "o2", "event_time": "2026-01-01T00:00:10Z", "user_id": "u2", "amount": 2.0},
                {"order_id": "o3", "event_time": "2026-01-01T00:00:20Z", "user_id": "u3", "amount": 3.0},
            ],
        )
        write(
            p_dir,
            "1",
            [
                {"order_id": "o1", "payment_id": "y1", "event_time": "2026-01-01T00:00:30Z", "method": "card"},
                {"order_id": "o2", "payment_id": "y2", "event_time": "2026-01-01T00:05:00Z", "method": "card"},
            ],
        )
        q.processAllAvailable()
        # Far-future events on both sides move the watermark past every deadline.
        write(o_dir, "2", [{"order_id": "o9", "event_time": "2026-01-01T01:00:00Z", "user_id": "u9", "amount": 9.0}])
        write(
            p_dir, "2", [{"order_id": "o9", "payment_id": "y9", "event_time": "2026-01-01T01:00:01Z", "method": "card"}]
        )
        q.processAllAvailable()
        write(o_dir, "3", [{"order_id": "o10", "event_time": "2026-01-01T02:00:00Z", "user_id": "u9", "amount": 9.0}])
        write(
            p_dir,
            "3",
            [{"order_id": "o10", "payment_id": "y10", "event_time": "2026-01-01T02:00:01Z", "method": "card"}],
        )
        q.processAllAvailable()
        got = {(r.order_id, r.payment_id, r.paid) for r in spark.table("joined").collect()}
    finally:
        q.stop()
    assert ("o1", "y1", True) in got
    assert ("o2", None, False) in got, "paid after the 1-minute range: unmatched"
    assert ("o3", None, False) in got
    assert ("o9", "y9", True) in got
    assert not any(order == "o2" and paid for order, _, paid in got)
    assert len([g for g in got if g[0] in ("o1", "o2", "o3")]) == 3, "each order exactly once"
