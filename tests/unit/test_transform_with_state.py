"""The transform_with_state job: its StatefulProcessor alone, with pyspark's TwsTester (no query,
no JVM), then the whole transformation on local file streams, held to the stateful job's rows."""

import pandas as pd
import pytest
from pyspark import cloudpickle
from pyspark.errors import StreamingQueryException
from pyspark.sql.streaming.tws_tester import TwsTester

import stateful
import transform_with_state as tws
from streamlab.listener import Metrics, PrometheusListener
from tests.support.unpaid import flagged_per_step, order, payment

# The processor class travels to the Python workers by value, as it does when spark-submit runs
# the job file as __main__: the workers cannot import the job files (jobs/ is not on their path).
cloudpickle.register_pickle_by_value(tws)

DEADLINE_MS = 60_000
PROVIDER = "spark.sql.streaming.stateStore.providerClass"


def ms(at: str) -> int:
    """'00:01:05' on the tests' day -> epoch milliseconds."""
    return int(pd.Timestamp(f"2026-01-01 {at}").value // 1_000_000)


def rows(*events: dict) -> pd.DataFrame:
    """Events as the processor gets them: build()'s union of orders and payments (naive UTC times,
    as Spark hands them to pandas in a UTC session)."""
    return pd.DataFrame(
        [
            {
                "order_id": e["order_id"],
                "user_id": e.get("user_id"),
                "amount": e.get("amount"),
                "event_time": pd.Timestamp(e["event_time"]).tz_localize(None),
                "kind": "order" if "user_id" in e else "payment",
            }
            for e in events
        ]
    )


def unpaid_tester() -> TwsTester:
    return TwsTester(
        tws.UnpaidOrders(DEADLINE_MS),
        timeMode="EventTime",
        outputMode="Append",
        eventTimeExtractor=lambda row: int(pd.Timestamp(row["event_time"]).value // 1_000_000),
    )


def records(df: pd.DataFrame) -> list[dict]:
    return [] if df.empty else df.to_dict("records")


def timers(t: TwsTester, key: str) -> list[int]:
    """The key's registered timers, from the tester's in-memory handle."""
    t.handle.setGroupingKey(key)
    return list(t.handle.listTimers())


# TwsTester fires a timer when the watermark reaches it (<=); Spark, once the watermark is past
# it (<), as applyInPandasWithState's timeout. The tests keep off that one millisecond.


def test_an_order_is_kept_with_one_timer_at_its_deadline():
    t = unpaid_tester()
    assert records(t.testInPandas("o2", rows(order("o2", "u2", 2.0, "00:00:05")))) == []
    assert t.peekValueState("order", "o2") == ("u2", 2.0, ms("00:00:05"), False)
    assert timers(t, "o2") == [ms("00:01:05")]


def test_an_unpaid_order_is_flagged_once_after_the_watermark_passes_its_deadline():
    t = unpaid_tester()
    t.testInPandas("o2", rows(order("o2", "u2", 2.0, "00:00:05")))
    assert records(t.setWatermark(ms("00:01:04"))) == [], "not before its deadline"
    assert records(t.setWatermark(ms("00:01:06"))) == [
        {
            "order_id": "o2",
            "user_id": "u2",
            "amount": 2.0,
            "ordered_at": pd.Timestamp("2026-01-01 00:00:05"),
            "deadline": pd.Timestamp("2026-01-01 00:01:05"),
        }
    ]
    assert records(t.setWatermark(ms("00:10:00"))) == [], "once"
    assert t.peekValueState("order", "o2") is None and timers(t, "o2") == []


def test_a_paid_order_is_never_flagged_and_its_state_is_cleared_at_the_deadline():
    t = unpaid_tester()
    t.testInPandas("o1", rows(order("o1", "u1", 1.0, "00:00:00")))
    assert records(t.testInPandas("o1", rows(payment("o1", "00:00:20")))) == []
    assert t.peekValueState("order", "o1") == ("u1", 1.0, ms("00:00:00"), True)
    assert records(t.setWatermark(ms("00:01:01"))) == []
    assert t.peekValueState("order", "o1") is None and timers(t, "o1") == []


def test_a_payment_before_its_order_is_remembered_and_the_timer_moves_to_the_orders_deadline():
    t = unpaid_tester()
    t.testInPandas("o3", rows(payment("o3", "00:00:15")))
    assert t.peekValueState("order", "o3") == (None, None, ms("00:00:15"), True)
    assert timers(t, "o3") == [ms("00:01:15")]
    t.testInPandas("o3", rows(order("o3", "u3", 3.0, "00:00:25")))
    assert t.peekValueState("order", "o3") == ("u3", 3.0, ms("00:00:25"), True)
    assert timers(t, "o3") == [ms("00:01:25")]
    assert records(t.setWatermark(ms("00:02:00"))) == []
    assert t.peekValueState("order", "o3") is None


def test_a_duplicate_payment_changes_nothing():
    t = unpaid_tester()
    t.testInPandas("o4", rows(order("o4", "u4", 4.0, "00:00:10"), payment("o4", "00:00:12")))
    kept = ("u4", 4.0, ms("00:00:10"), True)
    assert t.peekValueState("order", "o4") == kept
    assert records(t.testInPandas("o4", rows(payment("o4", "00:00:35")))) == []
    assert t.peekValueState("order", "o4") == kept and timers(t, "o4") == [ms("00:01:10")]
    assert records(t.setWatermark(ms("00:02:00"))) == []


# Both jobs on the same events (deadline 1 minute, watermark 10 seconds). Step 1: o1 paid, o2 never
# paid, o3's payment before its order, o4 paid, o5 a payment whose order never comes (watermark
# then 00:00:20). Step 2: o3's order, o6 never paid, o4's payment again (watermark 00:00:30).
# Step 3: o7 at 00:05 moves the watermark to 00:04:51, past every deadline of steps 1 and 2.
STEPS = [
    (
        [order("o1", "u1", 1.0, "00:00:00"), order("o2", "u2", 2.0, "00:00:05"), order("o4", "u4", 4.0, "00:00:10")],
        [payment("o1", "00:00:20"), payment("o3", "00:00:15"), payment("o4", "00:00:12"), payment("o5", "00:00:30")],
    ),
    ([order("o3", "u3", 3.0, "00:00:25"), order("o6", "u6", 6.0, "00:00:40")], [payment("o4", "00:00:35")]),
    ([order("o7", "u7", 7.0, "00:05:00")], [payment("o7", "00:05:01")]),
]
FLAGGED = [
    ("o2", "u2", 2.0, "2026-01-01 00:00:05", "2026-01-01 00:01:05"),
    ("o6", "u6", 6.0, "2026-01-01 00:00:40", "2026-01-01 00:01:40"),
]


def test_both_apis_flag_exactly_the_same_orders_and_keep_the_same_state(spark, tmp_path):
    got = {}
    for job, conf in ((stateful, None), (tws, {PROVIDER: tws.ROCKSDB})):
        (tmp_path / job.JOB).mkdir()
        got[job.JOB] = flagged_per_step(
            spark, tmp_path / job.JOB, lambda o, p, job=job: job.build(o, p, "1 minute", "10 seconds"), STEPS, conf
        )
    (old, old_progress), (new, new_progress) = got["stateful"], got["transform_with_state"]
    assert old == [[], [], FLAGGED]
    assert new == old
    # The state left: o7, waiting for its deadline. The listener reports it for both operators.
    assert [op.operatorName for op in new_progress.stateOperators] == ["transformWithStateInPandasExec"]
    for progress in (old_progress, new_progress):
        metrics = Metrics()
        PrometheusListener("unpaid", metrics).record(progress)
        labels = {"job": "unpaid", "query": progress.name, "kind": "total"}
        assert metrics.registry.get_sample_value("streaming_state_rows", labels) == 1


def test_the_default_state_store_is_refused(spark, tmp_path):
    """Why main() sets the RocksDB provider: the HDFS-backed default fails the first batch."""
    assert "HDFSBackedStateStoreProvider" in spark.conf.get(PROVIDER)
    with pytest.raises(StreamingQueryException, match="STORE_BACKEND_NOT_SUPPORTED_FOR_TWS"):
        flagged_per_step(spark, tmp_path, tws.build, STEPS[:1])
