import json

import stateful


def test_unpaid_orders_are_flagged_once_after_their_deadline(spark, tmp_path):
    o_dir, p_dir = tmp_path / "o", tmp_path / "p"
    o_dir.mkdir(), p_dir.mkdir()
    orders = spark.readStream.schema("order_id string, user_id string, amount double, event_time timestamp").json(
        str(o_dir)
    )
    payments = spark.readStream.schema("order_id string, event_time timestamp").json(str(p_dir))
    q = (
        stateful.build(orders, payments, "1 minute", "10 seconds")
        .writeStream.format("memory")
        .queryName("unpaid")
        .outputMode("append")
        .option("checkpointLocation", str(tmp_path / "ck"))
        .start()
    )

    def add(folder, name, rows):
        (folder / f"{name}.json").write_text("\n".join(json.dumps(r) for r in rows))

    try:
        add(
            o_dir,
            "1",
            [
                {"order_id": "o1", "user_id": "u1", "amount": 1.0, "event_time": "2026-01-01T00:00:00Z"},
                {"order_id": "o2", "user_id": "u2", "amount": 2.0, "event_time": "2026-01-01T00:00:05Z"},
            ],
        )
        add(p_dir, "1", [{"order_id": "o1", "event_time": "2026-01-01T00:00:20Z"}])
        q.processAllAvailable()
        assert spark.table("unpaid").count() == 0, "nothing is flagged before the deadline"
        add(o_dir, "2", [{"order_id": "o3", "user_id": "u3", "amount": 3.0, "event_time": "2026-01-01T00:05:00Z"}])
        add(p_dir, "2", [{"order_id": "o3", "event_time": "2026-01-01T00:05:01Z"}])
        q.processAllAvailable()
        q.processAllAvailable()
        got = [(r.order_id, r.user_id, r.amount, str(r.deadline)) for r in spark.table("unpaid").collect()]
    finally:
        q.stop()
    assert got == [("o2", "u2", 2.0, "2026-01-01 00:01:05")]
