"""The realtime job without Kafka: its transformation and routing on static Kafka-shaped rows, its
operators against Spark 4.2's real-time allowlist, its cores check, its options, and what Spark
itself refuses in real-time mode (a source that is not Kafka, a duration under 5 s)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from pyspark.errors import StreamingQueryException

import realtime
from lab.bench.variants import REAL_TIME_BATCH
from lab.config.settings import ROOT
from streamlab import parsing, runner
from tests.support import kafka, progress

KAFKA_TS = datetime(2026, 1, 1, 0, 0, 2, 250000, tzinfo=UTC)


def order(order_id: str, amount: float, **over) -> str:
    fields = {
        "event_id": f"e-{order_id}",
        "order_id": order_id,
        "event_time": "2026-01-01T00:00:01.500Z",
        "user_id": "u1",
        "product_id": "p1",
        "quantity": 1,
        "unit_price": amount,
        "amount": amount,
        "currency": "EUR",
        "country": "ES",
        **over,
    }
    return json.dumps({k: v for k, v in fields.items() if v is not None})


# (value, what the job makes of it): "alert", "dropped" (below the threshold) or a quarantine reason
ROWS = [
    (order("o1", 649.99), "dropped"),
    (order("o2", 650.0), "alert"),  # the threshold itself is flagged
    (order("o3", 1200.5), "alert"),
    (order("o4", 12.0), "dropped"),
    ('{"order_id": "o5", "amount": 9', "malformed_json"),
    (order("o6", 900.0, user_id=None), "missing_field:user_id"),  # valid JSON, worth an alert, but bad
    (None, "null_value"),
]


def kafka_rows(spark, values):
    """The orders topic's records, in partition 1 from offset 100."""
    return kafka.kafka_rows(spark, values, partition=1, first_offset=100, timestamp=KAFKA_TS)


# --- build and route --------------------------------------------------------------------------------


def test_build_flags_exactly_the_orders_worth_the_minimum_or_more(spark):
    valid, _ = parsing.split(kafka_rows(spark, [v for v, _ in ROWS]), "orders")
    alerts = realtime.build(valid, 650)
    assert tuple(alerts.columns) == realtime.ALERT_FIELDS
    rows = {r.order_id: r for r in alerts.collect()}
    assert sorted(rows) == ["o2", "o3"]
    o3 = rows["o3"]
    assert (o3.amount, o3.event_id, o3.country, o3.kafka_partition, o3.kafka_offset) == (1200.5, "e-o3", "ES", 1, 102)
    assert o3.event_time == datetime(2026, 1, 1, 0, 0, 1, 500000)
    assert o3.kafka_timestamp == datetime(2026, 1, 1, 0, 0, 2, 250000)
    assert sorted(r.order_id for r in realtime.build(valid, 0).collect()) == ["o1", "o2", "o3", "o4"]


def test_route_writes_alerts_and_quarantines_bad_records_in_one_stream_of_records(spark):
    values = [v for v, _ in ROWS]
    records = realtime.route(kafka_rows(spark, values), 650, "alerts_out", "quarantine_out")
    assert records.columns == ["topic", "key", "value", "headers"]
    got = {}
    for r in records.collect():
        headers = {h.key: bytes(h.value).decode() for h in r.headers or []}
        got[bytes(r.key)] = (r.topic, bytes(r.value) if r.value is not None else None, headers)
    expected_keys = {b"o2", b"o3"} | {
        b"k%d" % i for i, (_, what) in enumerate(ROWS) if what not in ("alert", "dropped")
    }
    assert set(got) == expected_keys, "below the threshold: dropped; bad: quarantined whatever its amount"

    topic, value, headers = got[b"o3"]
    assert (topic, headers) == ("alerts_out", {})
    alert = json.loads(value)
    assert list(alert) == list(realtime.ALERT_FIELDS)
    assert alert["event_time"] == "2026-01-01T00:00:01.500Z"
    assert alert["kafka_timestamp"] == "2026-01-01T00:00:02.250Z", "the input record's Kafka timestamp, to the ms"
    assert (alert["amount"], alert["kafka_partition"], alert["kafka_offset"]) == (1200.5, 1, 102)

    for i, (raw, what) in enumerate(ROWS):
        if what in ("alert", "dropped"):
            continue
        topic, value, headers = got[b"k%d" % i]
        assert topic == "quarantine_out"
        assert value == (None if raw is None else raw.encode()), "the raw bytes, untouched"
        assert headers == {
            "reason": what,
            "source_topic": "orders",
            "source_partition": "1",
            "source_offset": str(100 + i),
            "job": "realtime",
        }


def test_route_writes_the_same_alert_bytes_as_build_then_to_json(spark):
    from pyspark.sql import functions as F

    raw = kafka_rows(spark, [v for v, _ in ROWS])
    valid, _ = parsing.split(raw, "orders")
    via_build = {
        r.order_id: r.value
        for r in realtime.build(valid, 650).select("order_id", realtime.alert_json().alias("value")).collect()
    }
    routed = realtime.route(raw, 650, "a", "q").where(F.col("topic") == "a").collect()
    assert {r.key.decode(): bytes(r.value).decode() for r in routed} == via_build


def test_route_parses_each_record_once(spark):
    records = realtime.route(kafka_rows(spark, [ROWS[2][0]]), 650, "a", "q")
    plan = records._jdf.queryExecution().optimizedPlan().toString()
    assert plan.count("from_json(") == 1, plan
    assert plan.count("RLIKE(") == 2, plan


def allowlisted_operators(spark) -> set[str]:
    """Spark's own list of the physical operators a real-time query may use (RealTimeModeAllowlist)."""
    jvm = spark.sparkContext._jvm
    cls = jvm.java.lang.Class.forName("org.apache.spark.sql.execution.streaming.runtime.RealTimeModeAllowlist$")
    name = "org$apache$spark$sql$execution$streaming$runtime$RealTimeModeAllowlist$$allowedOperators"
    names = cls.getMethod(name, None).invoke(cls.getField("MODULE$").get(None), None).iterator()
    found = set()
    while names.hasNext():
        found.add(names.next())
    return found


def operators(plan) -> tuple[set[str], set[str]]:
    """A physical plan's node classes: (the inner nodes, the leaves)."""
    inner, leaves, todo = set(), set(), [plan]
    while todo:
        node = todo.pop()
        children = node.children()
        (inner if children.size() else leaves).add(node.getClass().getName())
        todo += [children.apply(i) for i in range(children.size())]
    return inner, leaves


def test_the_query_uses_only_operators_that_real_time_mode_allows(spark):
    """The same plan on a static table as on the Kafka source, but for the scan (here the table's,
    there RealTimeStreamScanExec): every operator above it is one Spark 4.2 lets a real-time query
    run (no shuffle, no Python UDF)."""
    allowed = allowlisted_operators(spark)
    assert "org.apache.spark.sql.execution.ProjectExec" in allowed, "is the allowlist still where it was?"
    records = realtime.route(kafka_rows(spark, [v for v, _ in ROWS]), 650, "a", "q")
    used, scans = operators(records._jdf.queryExecution().executedPlan())
    assert scans == {"org.apache.spark.sql.execution.RDDScanExec"}, "one leaf: the test's table"
    assert "org.apache.spark.sql.execution.CollectMetricsExec" in used, "observe() is in the plan"
    assert used <= allowed, used - allowed


def test_the_counts_per_batch_come_from_the_querys_observed_metrics(spark, tmp_path):
    """A micro-batch run over a file stream shaped like Kafka's rows: the observed alerts and
    quarantined counts of each batch."""
    from pyspark.sql import functions as F

    src = tmp_path / "in"
    src.mkdir()
    lines = spark.readStream.text(str(src))
    raw = lines.select(
        F.lit(b"k").alias("key"),
        F.when(F.col("value") != "NULL", F.col("value")).cast("binary").alias("value"),
        F.lit("orders").alias("topic"),
        F.lit(0).alias("partition"),
        F.lit(7).cast("long").alias("offset"),
        F.lit(KAFKA_TS).alias("timestamp"),
    )
    query = (
        realtime.route(raw, 650, "a", "q")
        .writeStream.format("memory")
        .queryName("realtime_unit")
        .outputMode("update")
        .option("checkpointLocation", str(tmp_path / "ckpt"))
        .start()
    )
    try:
        (src / "1.txt").write_text("\n".join(v if v is not None else "NULL" for v, _ in ROWS) + "\n")
        query.processAllAvailable()
        metrics = query.lastProgress["observedMetrics"][realtime.OBSERVED]
        assert (metrics["alerts"], metrics["quarantined"]) == (2, 3)
    finally:
        query.stop()


def test_the_line_per_batch_reads_the_observed_metrics_and_keeps_totals():
    line = realtime.AlertLine()
    done = progress.batch("realtime", 0, 120)
    done.observedMetrics = {realtime.OBSERVED: {"alerts": 9, "quarantined": 1}}
    assert line.line(done, {"input_rows": 120}) == (
        "[realtime] batch 0: read 120, alerts 9, quarantined 1 (totals: read 120, alerts 9, quarantined 1)"
    )
    nothing = progress.batch("realtime", 1, 0)
    assert line.line(nothing, {"input_rows": 120}) == (
        "[realtime] batch 1: read 0, alerts 0, quarantined 0 (totals: read 120, alerts 9, quarantined 1)"
    )
    assert line.line(progress.batch("other", 2, 5), {"input_rows": 5}) is None


# --- cores >= partitions ----------------------------------------------------------------------------


def test_enough_cores_is_no_problem():
    assert realtime.cores_problem("orders", 4, 4) is None
    assert realtime.cores_problem("orders", 2, 8) is None


def test_too_few_cores_is_one_line_naming_both_numbers_and_the_fixes():
    line = realtime.cores_problem("orders", 4, 2)
    assert "\n" not in line
    assert line.startswith("realtime: real-time mode needs a core per Kafka partition")
    assert "topic orders has 4 partitions but this application has 2 cores" in line
    assert "SPARK_WORKER_CORES=4" in line
    assert "at most 2 partitions (--topic)" in line
    assert "--trigger '1 second'" in line


def test_no_cores_at_all_points_at_another_application():
    line = realtime.cores_problem("orders", 2, 0)
    assert "has 0 cores (does another application hold the worker's cores?" in line
    assert "--topic" not in line, "no topic has 0 partitions"


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_the_check_waits_for_executors_until_enough_cores_or_the_count_settles():
    clock = FakeClock()
    arriving = iter([0, 0, 2, 2, 4, 4, 4])
    assert realtime.settled_cores(lambda: next(arriving), 4, clock=clock, sleep=clock.sleep) == 4
    assert clock.now == 2.0, "it stops as soon as there are enough"

    clock = FakeClock()
    assert realtime.settled_cores(lambda: 2, 4, 30, 3, clock=clock, sleep=clock.sleep) == 2
    assert clock.now == pytest.approx(3.0), "2 cores that stay 2 for 3 s: that is what the application has"

    clock = FakeClock()
    assert realtime.settled_cores(lambda: 0, 4, 30, 3, clock=clock, sleep=clock.sleep) == 0
    assert clock.now == pytest.approx(30.0), "no executor at all: wait the whole timeout"


def test_a_local_session_has_its_threads_as_cores(spark):
    assert realtime.application_cores(spark) == 2  # the tests' local[2]


def test_the_job_refuses_to_start_with_one_line_when_cores_are_short(spark, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "WARM_SESSION", spark)  # run() then leaves the test session up
    monkeypatch.setattr(realtime, "topic_partitions", lambda bootstrap, topic: 4)
    args = ["--metrics-port", "0", "--checkpoint", str(tmp_path / "ckpt"), "--topic", "orders4"]
    assert realtime.main(args) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err == [realtime.cores_problem("orders4", 4, 2)]


# --- options ----------------------------------------------------------------------------------------


def test_real_time_mode_is_the_default_with_a_1_minute_checkpoint_interval_the_bench_runs_too():
    opts = realtime.parse([])
    assert (opts.real_time, opts.trigger, opts.output_mode, opts.sink) == ("60 seconds", None, "update", "kafka")
    assert (opts.min_amount, opts.starting_offsets) == (650.0, "latest")
    assert REAL_TIME_BATCH == opts.real_time, "the bench's figures describe the job as it ships"
    assert realtime.parse(["--real-time", "1 minute"]).real_time == "60 seconds"
    assert realtime.parse(["--real-time", "5000ms"]).real_time == "5 seconds"


def test_a_trigger_runs_micro_batches_instead():
    opts = realtime.parse(["--trigger", "1 second", "--max-offsets-per-trigger", "1000"])
    assert (opts.real_time, opts.trigger) == (None, "1 seconds")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--real-time", "2 seconds"], "real-time mode's duration must be at least 5 seconds"),
        (["--real-time", "4999ms"], "must be at least 5 seconds"),
        (["--real-time", "soon"], "not an interval"),
        (["--real-time", "10s", "--trigger", "1 second"], "--real-time and --trigger exclude each other"),
        (["--output-mode", "append"], "real-time mode needs --output-mode update"),
        (["--max-offsets-per-trigger", "100"], "--max-offsets-per-trigger does not apply to real-time mode"),
        (["--sink", "parquet"], "this job writes to kafka or console, not parquet"),
        (["--min-amount", "-1"], "must be 0 or more"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        realtime.parse(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1], err


def test_a_short_duration_is_refused_before_spark_starts():
    """In a fresh interpreter: main() exits 2 with one error line, and pyspark was never imported."""
    code = (
        "import sys, realtime\n"
        "try:\n    realtime.main(['--real-time', '2s'])\n"
        "except SystemExit as exc:\n    print(exc.code, 'pyspark' in sys.modules)\n"
    )
    paths = f"{ROOT / 'src'}:{ROOT / 'jobs'}:{ROOT}"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": paths}, timeout=60
    )
    assert done.stdout.split() == ["2", "False"], done
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("realtime: error: argument --real-time:"), done.stderr


# --- what Spark itself refuses in real-time mode --------------------------------------------------


def real_time_writer(spark, tmp_path, duration="5 seconds", sink="console"):
    writer = (
        spark.readStream.format("rate")
        .load()
        .writeStream.format(sink)
        .outputMode("update")
        .option("checkpointLocation", str(tmp_path / "ckpt"))
        .trigger(realTime=duration)
    )
    return writer.queryName("rtm_unit") if sink == "memory" else writer


def test_a_source_that_is_not_kafka_fails_the_query(spark, tmp_path):
    """start() accepts it; the query then stops at its first batch with this condition."""
    query = real_time_writer(spark, tmp_path).start()
    with contextlib.suppress(StreamingQueryException):
        query.awaitTermination(60)
    assert not query.isActive
    failure = query.exception()
    assert isinstance(failure, StreamingQueryException)
    assert "[STREAMING_REAL_TIME_MODE.INPUT_STREAM_NOT_SUPPORTED]" in str(failure)
    assert "RateStreamMicroBatchStream is not supported in Real-time Mode" in str(failure)


def test_spark_refuses_a_duration_under_5_seconds_as_the_options_do(spark, tmp_path):
    from pyspark.errors import IllegalArgumentException

    with pytest.raises(IllegalArgumentException) as refused:
        real_time_writer(spark, tmp_path, duration="4999 milliseconds").start()
    assert refused.value.getCondition() == "INVALID_STREAMING_REAL_TIME_MODE_TRIGGER_INTERVAL"
    assert f"{realtime.MIN_BATCH_SECONDS * 1000:.0f} ms minimum" in str(refused.value)


def test_the_memory_sink_is_not_a_real_time_sink_in_pyspark(spark, tmp_path):
    """Spark's guide lists memory, but format("memory") is the micro-batch MemorySink, which
    the allowlist refuses when the query starts."""
    from pyspark.errors import IllegalArgumentException

    with pytest.raises(IllegalArgumentException) as refused:
        real_time_writer(spark, tmp_path, sink="memory").start()
    assert refused.value.getCondition() == "STREAMING_REAL_TIME_MODE.OPERATOR_OR_SINK_NOT_IN_ALLOWLIST"
    assert "MemorySink is not in the sink allowlist" in str(refused.value)
