from datetime import datetime

import aggregations


def test_aggregates_per_window_and_country(spark):
    rows = [
        ("ES", "u1", 10.0, datetime(2026, 1, 1, 0, 1)),
        ("ES", "u2", 30.0, datetime(2026, 1, 1, 0, 2)),
        ("ES", "u1", 20.0, datetime(2026, 1, 1, 0, 3)),
        ("FR", "u3", 5.0, datetime(2026, 1, 1, 0, 6)),
    ]
    df = spark.createDataFrame(rows, "country string, user_id string, amount double, event_time timestamp")
    got = {(r.window_start.minute, r.key): r for r in aggregations.build(df).collect()}
    es = got[(0, "ES")]
    assert (es.orders, es.revenue, es.avg_amount, es.buyers_approx, es.p50_amount, es.p95_amount) == (
        3,
        60.0,
        20.0,
        2,
        20.0,
        30.0,
    )
    fr = got[(5, "FR")]
    assert (fr.orders, fr.revenue, fr.buyers_approx) == (1, 5.0, 1)
    assert len(got) == 2
