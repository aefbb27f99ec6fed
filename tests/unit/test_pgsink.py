"""lab_postgres (streamlab.pgsink): its pure parts, and its commit and abort on a private PostgreSQL
started for this module (skipped where no PostgreSQL server is installed); the python_sink job."""

from __future__ import annotations

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

import custom_sink
import python_sink
from streamlab import datasources, eventgen, pgsink, schemas
from streamlab.eventsource import OptionError
from streamlab.pgsink import StagedPart, Target

START = "2026-01-01T00:00:00Z"
START_MS = 1767225600000


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
    assert pgsink.staged(msgs) == ("q", ["a", "b"], 7)
    assert pgsink.staged([]) == (None, [], 0)
    with pytest.raises(ValueError, match="several queries"):
        pgsink.staged([StagedPart("q", 3, 0, "a", 1), StagedPart("r", 3, 1, "b", 1)])


def test_staged_rows_keep_instants_in_utc():
    paris = datetime(2026, 1, 1, 1, 30, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    row = {"t": paris, "d": Decimal("1.50"), "x": 0.1, "n": None}
    assert json.loads(pgsink.staged_row(row)) == {"t": "2026-01-01T01:30:00", "d": "1.50", "x": 0.1, "n": None}


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
    w = pgsink.LabPostgresWriter(Target.of(revenue_schema(), {"table": table, "keys": keys}), dsn, overwrite)
    w.prepare()
    return w


def staged_by(monkeypatch, w, query, batch_id, partition, rows):
    """write() as an executor task of (query, batch_id, partition) runs it."""
    monkeypatch.setattr(pgsink, "_task_ids", lambda: (query, batch_id, partition))
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
        .options(kind="orders", seed="13", rowsPerBatch="300", totalRows=str(total), startTime=START)
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
