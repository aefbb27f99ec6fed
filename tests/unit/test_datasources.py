"""The Python data sources (streamlab.datasources): lab_events' offsets, partitions and events, with
exact window counts from a real streaming query; lab_postgres' pure parts, and its commit and abort
on a private PostgreSQL started for this module (skipped where no PostgreSQL server is installed)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from pyspark.errors import StreamingQueryException
from pyspark.sql.streaming.datasource import ReadAllAvailable, ReadMaxRows

import custom_sink
import python_sink
import python_source
from lab.truth import window_counts
from streamlab import datasources, eventgen, parsing, runner, schemas
from streamlab.datasources import EventOptions, EventRange, LabEventsReader, OptionError, StagedPart, Target

START = "2026-01-01T00:00:00Z"
START_MS = 1767225600000


def reader(clock=lambda: 1000.0, **options):
    o = EventOptions.parse({"startTime": START, **options})
    return LabEventsReader(o, datasources.events_schema(o.kind), clock=clock)


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
    ranges = datasources.split(50, 50 + size, parts)
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
    r = LabEventsReader(EventOptions.parse({}), datasources.events_schema("page_views"))  # no seed, no startTime
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
    part = EventRange(0, 0, datasources.ARROW_CHUNK + 5, "page_views", 5, START_MS, 1000.0)
    batches = list(r.read(part))
    assert [b.num_rows for b in batches] == [datasources.ARROW_CHUNK, 5]
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
        assert [(f.name, f.dataType) for f in datasources.events_schema(kind).fields] == expected


# --- lab_events in Spark ------------------------------------------------------------------------


def expected_counts(total: int, seed: int, eps: float) -> Counter:
    """Window counts per country computed in Python from eventgen, with lab.truth's windows."""
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


def test_python_sink_refuses_update_mode_before_spark_starts(capsys):
    with pytest.raises(SystemExit) as exc:
        python_sink.parse(["--output-mode", "update"])
    assert exc.value.code == 2
    assert "takes append or complete output mode, not update" in capsys.readouterr().err
    opts = python_sink.parse(["--keys", "", "--table", "t"])
    assert python_sink.sink_options(opts)["keys"] == "" and opts.output_mode == "append"


# --- lab_postgres: the pure parts ---------------------------------------------------------------


def revenue_schema():
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField("window_start", T.TimestampType()),
            T.StructField("window_end", T.TimestampType()),
            T.StructField("country", T.StringType()),
            T.StructField("orders", T.LongType(), False),
            T.StructField("revenue", T.DoubleType()),
        ]
    )


def test_the_target_table_comes_from_the_results_schema():
    t = Target.of(revenue_schema(), {"Table": "rev", "keys": " window_start , country "})
    assert t.keys == ("window_start", "country")
    assert t.columns[0] == ("window_start", "timestamp") and t.columns[3] == ("orders", "bigint")
    table = t.ddl()[-1]
    assert '"window_start" timestamp not null' in table and 'primary key ("window_start", "country")' in table
    assert "batch_id bigint not null" in table
    upsert = t.apply_sql()
    assert 'distinct on (r."window_start", r."country")' in upsert
    assert 'on conflict ("window_start", "country") do update set "window_end" = excluded."window_end"' in upsert
    assert '"batch_id" = excluded."batch_id"' in upsert
    plain = Target.of(revenue_schema(), {"table": "rev"}).apply_sql()
    assert "on conflict" not in plain and "order by s.partition_id, s.seq" in plain
    with pytest.raises(OptionError, match="option table is required"):
        Target.of(revenue_schema(), {})
    with pytest.raises(OptionError, match=r"key columns \['day'\] are not in the result"):
        Target.of(revenue_schema(), {"table": "rev", "keys": "day"})


def test_messages_name_one_query_and_the_tokens_with_rows():
    msgs = [StagedPart("q", 3, 0, "a", 2), None, StagedPart("q", 3, 2, "c", 0), StagedPart("q", 3, 1, "b", 5)]
    assert datasources.staged(msgs) == ("q", ["a", "b"], 7)
    assert datasources.staged([]) == (None, [], 0)
    with pytest.raises(ValueError, match="several queries"):
        datasources.staged([StagedPart("q", 3, 0, "a", 1), StagedPart("r", 3, 1, "b", 1)])


def test_staged_rows_keep_instants_in_utc():
    paris = datetime(2026, 1, 1, 1, 30, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    row = {"t": paris, "d": Decimal("1.50"), "x": 0.1, "n": None}
    assert json.loads(datasources.staged_row(row)) == {"t": "2026-01-01T01:30:00", "d": "1.50", "x": 0.1, "n": None}


# --- lab_postgres on a private PostgreSQL ---------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server of this module's own, in a temporary folder on a free port;
    stopped and deleted at the end. Run as the `postgres` user when the tests run as root (the
    server refuses root)."""
    import os
    import pwd

    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) are installed here")
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server as")
        if not shutil.which("runuser"):
            pytest.skip("running as root and runuser is missing, to run the server as postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="lab-pg-"))
    if as_user:
        shutil.chown(folder, "postgres")
    port = _free_port()
    data = folder / "data"

    def run(*cmd, timeout=60):
        return subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=timeout, check=True)

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "lab", "-E", "UTF8", "--no-sync")
        opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"the private PostgreSQL did not start: {exc.stderr[-2000:]}")
    try:
        yield f"host=127.0.0.1 port={port} dbname=postgres user=lab"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def fetch(dsn, sql, params=()):
    import psycopg

    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params).fetchall()


def arrow_rows(rows):
    t = pa.timestamp("us", tz="UTC")
    return pa.RecordBatch.from_arrays(
        [
            pa.array([r[0] for r in rows], t),
            pa.array([r[0] + timedelta(minutes=1) for r in rows], t),
            pa.array([r[1] for r in rows]),
            pa.array([r[2] for r in rows], pa.int64()),
            pa.array([r[3] for r in rows], pa.float64()),
        ],
        names=["window_start", "window_end", "country", "orders", "revenue"],
    )


def writer_for(dsn, table, keys="", overwrite=False):
    w = datasources.LabPostgresWriter(Target.of(revenue_schema(), {"table": table, "keys": keys}), dsn, overwrite)
    w.prepare()
    return w


def staged_by(monkeypatch, w, query, batch_id, partition, rows):
    """write() as an executor task of (query, batch_id, partition) runs it."""
    monkeypatch.setattr(datasources, "_task_ids", lambda: (query, batch_id, partition))
    return w.write(iter([arrow_rows(rows)]))


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_commit_applies_a_batch_once_even_when_it_is_committed_twice(postgres, monkeypatch):
    w = writer_for(postgres, "once_insert")  # plain inserts: only the ledger stands between a replay and duplicates
    rows = [(T0, "ES", 2, 10.5), (T0, "FR", 1, 3.25)]
    first = [staged_by(monkeypatch, w, "q1", 0, 0, rows[:1]), staged_by(monkeypatch, w, "q1", 0, 1, rows[1:])]
    assert fetch(postgres, "select count(*) from once_insert") == [(0,)]  # staged, not visible
    w.commit(first, 0)
    replay = [staged_by(monkeypatch, w, "q1", 0, 0, rows[:1]), staged_by(monkeypatch, w, "q1", 0, 1, rows[1:])]
    w.commit(replay, 0)  # the driver died after the first commit: Spark runs batch 0 again
    got = fetch(postgres, "select window_start, country, orders, revenue, batch_id from once_insert order by 2")
    naive = T0.replace(tzinfo=None)
    assert got == [(naive, "ES", 2, 10.5, 0), (naive, "FR", 1, 3.25, 0)]
    assert fetch(postgres, "select query, batch_id, rows from lab_sink_batches where query = 'q1'") == [("q1", 0, 2)]
    assert fetch(postgres, "select count(*) from lab_sink_staging where query = 'q1'") == [(0,)]


def test_upserts_keep_the_last_value_per_key_and_leftover_attempts_are_not_applied(postgres, monkeypatch):
    w = writer_for(postgres, "upserted", keys="window_start,country")
    w.commit([staged_by(monkeypatch, w, "q2", 0, 0, [(T0, "ES", 1, 1.0)])], 0)
    lost = staged_by(monkeypatch, w, "q2", 1, 0, [(T0, "ES", 99, 99.0)])  # an attempt Spark retried: no message
    winner = staged_by(monkeypatch, w, "q2", 1, 0, [(T0, "ES", 3, 7.5), (T0 + timedelta(minutes=1), "DE", 1, 2.0)])
    assert lost.token != winner.token
    w.commit([winner], 1)
    got = fetch(postgres, "select country, orders, revenue, batch_id from upserted order by window_start")
    assert got == [("ES", 3, 7.5, 1), ("DE", 1, 2.0, 1)]
    assert fetch(postgres, "select count(*) from lab_sink_staging where query = 'q2'") == [(0,)]


def test_abort_removes_the_batch_staging_and_applies_nothing(postgres, monkeypatch):
    w = writer_for(postgres, "aborted")
    done = staged_by(monkeypatch, w, "q3", 4, 0, [(T0, "IT", 5, 50.0)])
    w.abort([done, None], 4)  # partition 1 failed
    assert fetch(postgres, "select count(*) from aborted") == [(0,)]
    assert fetch(postgres, "select count(*) from lab_sink_staging where query = 'q3'") == [(0,)]
    assert fetch(postgres, "select count(*) from lab_sink_batches where query = 'q3'") == [(0,)]


def test_a_streaming_query_writes_exact_revenue_once_and_a_replayed_batch_is_skipped(spark, postgres, tmp_path):
    datasources.register(spark)
    total = 900
    orders = (
        spark.readStream.format("lab_events")
        .options(kind="orders", seed="13", rowsPerBatch="200", totalRows=str(total), startTime=START)
        .option("eventsPerSecond", "1")  # 15 minutes of orders
        .load()
    )
    checkpoint = tmp_path / "ckpt"

    def run():
        q = (
            custom_sink.build(orders)
            .writeStream.format("lab_postgres")
            .options(dsn=postgres, table="revenue_e2e")  # plain inserts
            .outputMode("append")
            .option("checkpointLocation", str(checkpoint))
            .trigger(availableNow=True)
            .start()
        )
        q.awaitTermination(180)
        assert q.exception() is None, q.exception()
        return q

    query = run()
    p = eventgen.Params(13, START_MS, 1.0)
    names = schemas.ORDERS.names
    revenue, counts = Counter(), Counter()
    last_start = None
    for row in zip(*eventgen.columns("orders", 0, total, p), strict=True):
        o = dict(zip(names, row, strict=True))
        start = datetime(1970, 1, 1) + timedelta(microseconds=o["event_time"])
        start = start.replace(second=0, microsecond=0)
        revenue[(start, o["country"])] += o["amount"]
        counts[(start, o["country"])] += 1
        last_start = start
    watermark = last_start + timedelta(seconds=59) - timedelta(minutes=2)  # max event time - 2 minutes
    expected = {k: (n, round(revenue[k], 2)) for k, n in counts.items() if k[0] + timedelta(minutes=1) <= watermark}
    table = "select window_start, country, orders, revenue from revenue_e2e"
    got = fetch(postgres, table)
    assert len(got) == len({(r[0], r[1]) for r in got})  # each window once
    assert {(r[0], r[1]): (r[2], r[3]) for r in got} == expected
    ledger = "select batch_id, rows, committed_at from lab_sink_batches where query = %s order by 1"
    before = fetch(postgres, ledger, (str(query.id),))
    commits = sorted(int(f.name) for f in (checkpoint / "commits").glob("[0-9]*"))
    assert [b for b, _, _ in before] == commits

    # The driver dies after the sink's commit of the last batch with output, before Spark's: on
    # restart Spark runs that batch again, with the same id and the same rows.
    last = max(b for b, rows, _ in before if rows)
    for f in [*(checkpoint / "commits").glob("[0-9]*"), *(checkpoint / "offsets").glob("[0-9]*")]:
        if int(f.name) > last or (f.parent.name == "commits" and int(f.name) == last):
            f.unlink()
            (f.parent / f".{f.name}.crc").unlink(missing_ok=True)
    again = run()
    assert again.id == query.id  # the checkpoint's id: the ledger's key
    assert [p["batchId"] for p in again.recentProgress][0] == last
    assert sorted(fetch(postgres, table)) == sorted(got)  # nothing twice
    assert fetch(postgres, ledger, (str(query.id),)) == before  # the replay was skipped, not applied again
    assert fetch(postgres, "select count(*) from lab_sink_staging") == [(0,)]


def test_complete_mode_replaces_the_table_each_batch(spark, postgres, tmp_path):
    datasources.register(spark)
    orders = (
        spark.readStream.format("lab_events")
        .options(kind="orders", seed="17", rowsPerBatch="100", totalRows="300", startTime=START, eventsPerSecond="1")
        .load()
    )
    q = (
        custom_sink.build(orders)
        .writeStream.format("lab_postgres")
        .options(dsn=postgres, table="revenue_complete")  # no keys: complete mode's overwrite empties it first
        .outputMode("complete")
        .option("checkpointLocation", str(tmp_path / "ckpt"))
        .trigger(availableNow=True)
        .start()
    )
    q.awaitTermination(180)
    assert q.exception() is None
    assert fetch(
        postgres, "select sum(orders), count(*) = count(distinct (window_start, country)) from revenue_complete"
    ) == [(Decimal(300), True)]
