import stateful
from tests.support.unpaid import flagged_per_step, order, payment


def test_unpaid_orders_are_flagged_once_after_their_deadline(spark, tmp_path):
    steps = [
        ([order("o1", "u1", 1.0, "00:00:00"), order("o2", "u2", 2.0, "00:00:05")], [payment("o1", "00:00:20")]),
        ([order("o3", "u3", 3.0, "00:05:00")], [payment("o3", "00:05:01")]),
    ]
    flagged, _ = flagged_per_step(spark, tmp_path, lambda o, p: stateful.build(o, p, "1 minute", "10 seconds"), steps)
    assert flagged[0] == [], "nothing is flagged before the deadline"
    assert flagged[1] == [("o2", "u2", 2.0, "2026-01-01 00:00:05", "2026-01-01 00:01:05")]
