from datetime import datetime

import sessions


def test_sessions_split_on_the_inactivity_gap(spark):
    def t(m, s=0):
        return datetime(2026, 1, 1, 0, m, s)

    rows = [
        ("u1", "/", t(0)),
        ("u1", "/cart", t(3)),
        ("u1", "/cart", t(7, 30)),  # one session 00:00-00:12:30
        ("u1", "/", t(20)),  # gap > 5 min: a new session
        ("u2", "/deals", t(1)),
        ("u2", "/", t(6)),
    ]  # exactly 5 min: same session
    df = spark.createDataFrame(rows, "user_id string, page string, event_time timestamp")
    got = sorted(
        (r.user_id, r.session_start, r.session_end, r.page_views, r.distinct_pages, r.length_seconds)
        for r in sessions.build(df).collect()
    )
    assert got == [
        ("u1", t(0), t(12, 30), 3, 2, 450.0),
        ("u1", t(20), t(25), 1, 1, 0.0),
        ("u2", t(1), t(11), 2, 2, 300.0),
    ]
