import files


def test_corrupt_and_incomplete_lines_go_to_quarantine(spark, tmp_path):
    good = (
        '{"event_id":"e1","order_id":"o1","event_time":"2026-01-01T10:00:00.000Z","user_id":"u1","product_id":"p1",'
        '"quantity":1,"unit_price":2.5,"amount":2.5,"currency":"EUR","country":"ES"}'
    )
    lines = [
        good,
        '{"broken": ',
        good.replace('"user_id":"u1",', ""),
        good.replace('"2026-01-01T10:00:00.000Z"', "1767261600"),  # a number is not a time
        good.replace('"o1"', '"o2"').replace('"2026-01-01T10:00:00.000Z"', '"2026-01-02T00:30:00.123456+01:00"'),
    ]
    (tmp_path / "a.json").write_text("\n".join(lines) + "\n")
    valid, bad = files.split_corrupt(files.source(spark.read, str(tmp_path)).cache())
    rows = files.build(valid).collect()
    assert sorted((r.order_id, str(r.event_time), str(r.event_date)) for r in rows) == [
        ("o1", "2026-01-01 10:00:00", "2026-01-01"),
        ("o2", "2026-01-01 23:30:00.123456", "2026-01-01"),
    ]
    reasons = sorted(r.reason for r in bad.collect())
    assert reasons == ["malformed_or_wrong_type", "malformed_or_wrong_type", "missing_field:user_id"]
    assert all(r.source_topic.endswith("a.json") for r in bad.collect())
