"""lab_events (streamlab.eventsource) and the events it makes (streamlab.eventgen): offsets, partitions
and events, with exact window counts from a real streaming query; the python_source job."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from pyspark.errors import StreamingQueryException
from pyspark.sql.streaming.datasource import ReadAllAvailable, ReadMaxRows

import python_source
from lab.course.truth import window_counts
from streamlab import datasources, eventgen, eventsource, parsing, runner, schemas
from streamlab.eventsource import EventOptions, EventRange, LabEventsReader, OptionError

START = "2026-01-01T00:00:00Z"
START_MS = 1767225600000


def reader(clock=lambda: 1000.0, **options):
    o = EventOptions.parse({"startTime": START, **options})
    return LabEventsReader(o, eventsource.events_schema(o.kind), clock=clock)


def events_of(r: LabEventsReader, start: dict, end: dict) -> list[dict]:
    """What the reader's read() gives for a batch, as rows, partition after partition."""
    rows = []
    for part in r.partitions(start, end):
        for batch in r.read(part):
            rows += batch.to_pylist()
    return rows


# --- eventgen -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", eventgen.KINDS)
def test_an_event_depends_only_on_its_number_not_on_the_range_it_is_made_in(kind):
    p = eventgen.Params(seed=7, start_ms=START_MS, events_per_second=10)
    whole = eventgen.columns(kind, 100, 400, p)
    pieces = [eventgen.columns(kind, a, b, p) for a, b in ((100, 101), (101, 250), (250, 400))]
    assert whole == [sum((piece[i] for piece in pieces), []) for i in range(len(whole))]
    assert whole == eventgen.columns(kind, 100, 400, p)
    other = eventgen.columns(kind, 100, 400, eventgen.Params(seed=8, start_ms=START_MS, events_per_second=10))
    assert whole[0] != other[0]  # another seed: other events
    assert len(whole) == len(schemas.SCHEMAS[kind].fields)


def test_products_and_prices_are_the_producers_for_the_same_seed():
    from producer.generator import Pools

    _, products = eventgen._pools(42)
    assert [(pid, cat, price) for pid, cat, price in products] == [
        (p["product_id"], p["category"], p["price"]) for p in Pools(42, 10, eventgen.PRODUCTS).products
    ]


def test_payments_follow_their_orders_and_a_tenth_are_unpaid():
    p = eventgen.Params(seed=3, start_ms=START_MS, events_per_second=100)
    names = schemas.ORDERS.names
    orders = [dict(zip(names, row, strict=True)) for row in zip(*eventgen.columns("orders", 0, 5000, p), strict=True)]
    by_id = {o["order_id"]: o for o in orders}
    pay_names = schemas.PAYMENTS.names
    payments = [
        dict(zip(pay_names, row, strict=True)) for row in zip(*eventgen.columns("payments", 0, 5000, p), strict=True)
    ]
    assert 0.08 < 1 - len(payments) / len(orders) < 0.12
    for pay in payments:
        order = by_id[pay["order_id"]]
        assert pay["amount"] == order["amount"]
        assert 15_000_000 < pay["event_time"] - order["event_time"] <= 45_001_000
        assert pay["payment_id"][1:].split("-") == order["order_id"][1:].split("-")
    assert all(o["amount"] == round(o["quantity"] * o["unit_price"], 2) for o in orders)


# --- lab_events: options, offsets, partitions -----------------------------------------------------


def test_options_are_checked_with_one_clear_line():
    for bad, words in (
        ({"kind": "clicks"}, "option kind must be one of page_views, orders, payments"),
        ({"rowsPerBatch": "0"}, "option rowsPerBatch must be positive"),
        ({"rowsPerSecond": "fast"}, "option rowsPerSecond must be a positive number"),
        ({"startTime": "yesterday"}, "option startTime must be ISO-8601 or Unix seconds"),
        ({"seed": "x"}, "option seed must be a whole number"),
    ):
        with pytest.raises(OptionError, match=words):
            EventOptions.parse(bad)
    o = EventOptions.parse({"ROWSPERBATCH": "10", "startTime": "2026-01-01T01:00:00", "Seed": "3"})
    assert (o.rows_per_batch, o.start_ms, o.seed) == (10, START_MS + 3_600_000, 3)  # names ignore case


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 1000, 1001])
@pytest.mark.parametrize("parts", [1, 2, 3, 8])
def test_split_covers_a_range_once_without_gaps_or_overlaps(size, parts):
    ranges = eventsource.split(50, 50 + size, parts)
    assert [n for a, b in ranges for n in range(a, b)] == list(range(50, 50 + size))
    assert all(b > a for a, b in ranges) and len(ranges) == min(size, parts)
    assert max((b - a for a, b in ranges), default=0) - min((b - a for a, b in ranges), default=0) <= 1


def test_offsets_are_sequence_numbers_that_advance_by_the_read_limit():
    r = reader(rowsPerBatch="300", totalRows="1000", seed="7")
    start = r.initialOffset()
    assert start == {
        "seq": 0,
        "kind": "page_views",
        "seed": 7,
        "startMs": START_MS,
        "eventsPerSecond": 1000.0,
        "originMs": 1_000_000,
    }
    assert r.getDefaultReadLimit() == ReadMaxRows(300)
    seqs = [start["seq"]]
    for _ in range(5):
        start = r.latestOffset(start, r.getDefaultReadLimit())
        seqs.append(start["seq"])
    assert seqs == [0, 300, 600, 900, 1000, 1000]  # totalRows ends it: the same offset, no new batch
    assert r.latestOffset({**start, "seq": 0}, ReadAllAvailable())["seq"] == 1000


def test_rows_per_second_makes_events_due_by_the_wall_clock():
    now = [1000.0]
    r = reader(clock=lambda: now[0], rowsPerSecond="50")
    start = r.initialOffset()
    assert r.getDefaultReadLimit() == ReadAllAvailable()
    assert start["eventsPerSecond"] == 50.0  # event time keeps the wall clock's pace
    assert r.latestOffset(start, ReadAllAvailable())["seq"] == 0
    now[0] += 10
    assert r.latestOffset(start, ReadAllAvailable())["seq"] == 500
    assert r.latestOffset(start, ReadMaxRows(120))["seq"] == 120  # a cap, as maxOffsetsPerTrigger
    assert r.reportLatestOffset()["seq"] == 500


def test_available_now_reads_what_is_due_at_the_start_and_refuses_an_endless_stream():
    now = [1000.0]
    r = reader(clock=lambda: now[0], rowsPerSecond="10")
    start = r.initialOffset()
    now[0] += 5
    r.prepareForTriggerAvailableNow()
    now[0] += 100
    assert r.latestOffset(start, ReadAllAvailable())["seq"] == 50
    endless = reader(rowsPerBatch="10")
    endless.prepareForTriggerAvailableNow()
    with pytest.raises(OptionError, match="Trigger.AvailableNow needs an end"):
        endless.latestOffset(endless.initialOffset(), ReadMaxRows(10))


def test_options_that_contradict_the_checkpoint_fail_and_defaults_follow_it():
    checkpointed = reader(seed="7").initialOffset()
    with pytest.raises(OptionError, match="seed=8 .checkpoint: 7."):
        reader(seed="8").latestOffset(checkpointed, ReadMaxRows(10))
    r = LabEventsReader(EventOptions.parse({}), eventsource.events_schema("page_views"))  # no seed, no startTime
    assert r.latestOffset(checkpointed, ReadMaxRows(10)) == {**checkpointed, "seq": 10}


def test_partitions_cover_the_batch_once_and_the_same_offsets_give_the_same_rows():
    r = reader(partitions="3", seed="5")
    start = {**r.initialOffset(), "seq": 1000}
    end = r.latestOffset(start, ReadMaxRows(2500))
    parts = r.partitions(start, end)
    assert [(p.index, p.first, p.stop) for p in parts] == [(0, 1000, 1833), (1, 1833, 2666), (2, 2666, 3500)]
    rows = events_of(r, start, end)
    assert [row["kafka_offset"] for row in rows] == list(range(1000, 3500))
    assert events_of(reader(partitions="3", seed="5"), start, end) == rows  # another reader, the same rows
    one = events_of(reader(partitions="1", seed="5"), start, end)
    drop = ("kafka_partition",)  # the only column that names the task
    assert [{k: v for k, v in x.items() if k not in drop} for x in one] == [
        {k: v for k, v in x.items() if k not in drop} for x in rows
    ]
    assert r.partitions(end, end) == []


def test_read_yields_arrow_batches_of_the_parsed_events_schema():
    r = reader(seed="5")
    start = r.initialOffset()
    part = EventRange(0, 0, eventsource.ARROW_CHUNK + 5, "page_views", 5, START_MS, 1000.0)
    batches = list(r.read(part))
    assert [b.num_rows for b in batches] == [eventsource.ARROW_CHUNK, 5]
    row = batches[0].to_pylist()[1]
    assert row["event_time"] == datetime(2026, 1, 1, 0, 0, 0, 1000, tzinfo=UTC) == row["kafka_timestamp"]
    assert row["kafka_offset"] == 1 and start["seq"] == 0


def test_payments_are_numbered_by_their_orders():
    r = reader(kind="payments", seed="5", partitions="2")
    start = r.initialOffset()
    rows = events_of(r, start, {**start, "seq": 300})
    assert 240 < len(rows) < 300
    assert all(row["payment_id"] == f"y5-{row['kafka_offset'] + 1:07d}" for row in rows)


def test_the_schema_is_the_lab_parsed_events_schema(spark):
    for kind in eventgen.KINDS:
        raw = spark.createDataFrame(
            [], "key binary, value binary, topic string, partition int, offset long, timestamp timestamp"
        )
        valid, _ = parsing.split(raw, kind)
        expected = [(f.name, f.dataType) for f in valid.schema.fields]
        assert [(f.name, f.dataType) for f in eventsource.events_schema(kind).fields] == expected


# --- lab_events in Spark ------------------------------------------------------------------------


def expected_counts(total: int, seed: int, eps: float) -> Counter:
    """Window counts per country computed in Python from eventgen, with lab.course.truth's windows."""
    cols = eventgen.columns("page_views", 0, total, eventgen.Params(seed, START_MS, eps))
    names = schemas.PAGE_VIEWS.names
    events = [
        {"event_time": datetime(1970, 1, 1) + timedelta(microseconds=t), "country": c}
        for t, c in zip(cols[names.index("event_time")], cols[names.index("country")], strict=True)
    ]
    return window_counts(events, "country", 5)


def test_a_streaming_query_over_lab_events_gives_exact_window_counts(spark, tmp_path):
    datasources.register(spark)
    datasources.register(spark)  # again: harmless
    events = (
        spark.readStream.format("lab_events")
        .options(kind="page_views", seed="11", rowsPerBatch="1200", totalRows="3000", startTime=START)
        .option("eventsPerSecond", "2")  # 3,000 events over 25 minutes: five windows
        .load()
    )
    query = (
        python_source.build(events)
        .writeStream.format("memory")
        .queryName("lab_events_counts")
        .outputMode("complete")
        .option("checkpointLocation", str(tmp_path / "ckpt"))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination(120)
    progress = [p for p in query.recentProgress if p["numInputRows"]]
    assert [p["numInputRows"] for p in progress] == [1200, 1200, 600]
    assert [json.loads(p["sources"][0]["endOffset"])["seq"] for p in progress] == [1200, 2400, 3000]
    got = Counter(
        {
            (r.window_start, r.window_end, r.key): r.events
            for r in spark.sql("select * from lab_events_counts").collect()
        }
    )
    assert got == expected_counts(3000, 11, 2) and sum(got.values()) == 3000


def test_a_restart_with_another_seed_fails_before_reading(spark, tmp_path):
    datasources.register(spark)

    def run(seed):
        stream = (
            spark.readStream.format("lab_events")
            .options(seed=seed, rowsPerBatch="100", totalRows="200", startTime=START)
            .load()
        )
        q = (
            stream.writeStream.format("noop")
            .option("checkpointLocation", str(tmp_path / "ckpt"))
            .trigger(availableNow=True)
            .start()
        )
        with contextlib.suppress(StreamingQueryException):
            q.awaitTermination(120)
        return q

    assert run("1").exception() is None
    failed = run("2")
    assert "the checkpoint's events were made with other options: seed=2" in str(failed.exception())


def test_the_python_source_job_runs_without_kafka(spark, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "WARM_SESSION", spark)  # run() then leaves the test session up
    summary = tmp_path / "summary.json"
    args = ["--trigger", "availableNow", "--sink", "noop", "--metrics-port", "0"]
    args += ["--checkpoint", str(tmp_path / "ckpt"), "--summary", str(summary)]
    args += ["--total-rows", "1500", "--rows-per-batch", "500", "--start-time", START]
    environ = {"KAFKA_BOOTSTRAP": "127.0.0.1:1"}  # nothing listens there: the job must not need Kafka
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert python_source.main(args) == 0
    figures = json.loads(summary.read_text())["queries"]["python_source"]
    assert (figures["input_rows"], figures["records_lost"]) == (1500, 0)


def test_python_source_defaults_to_a_hundred_events_a_second_unless_the_stream_is_bounded():
    opts = python_source.parse([])
    assert python_source.source_options(opts) == {"kind": "page_views", "rowsPerSecond": "100", "partitions": "2"}
    opts = python_source.parse(["--total-rows", "6000", "--events-per-second", "5"])  # bounded: as fast as it goes
    assert python_source.source_options(opts) == {
        "kind": "page_views",
        "rowsPerBatch": "1000",
        "eventsPerSecond": "5",
        "totalRows": "6000",
        "partitions": "2",
    }
    opts = python_source.parse(["--rows-per-batch", "10", "--seed", "3", "--events", "orders"])
    assert python_source.source_options(opts) == {
        "kind": "orders",
        "seed": "3",
        "rowsPerBatch": "10",
        "partitions": "2",
    }
