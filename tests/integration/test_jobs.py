"""Every job on the real lab, against one deterministic shop dataset, with exact expected results.

The dataset has two phases:
- phase A: 3,000 events over 12.5 minutes of event time. 20% of orders are never paid, and 2%
  of records are malformed;
- phase B: 30 events two hours later. Their only job is to move every watermark past phase A,
  so each phase-A window, session, join and deadline is final.
Expected results are computed from what is in Kafka, independently of Spark (src/lab/course/truth.py).

The jobs run in one warm driver (tests/support/warm.py): the module pays spark-submit's start-up
once. Each run is the job's own `main` with its own checkpoint and output, as `make submit` runs it.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import psycopg
import pyarrow.parquet as pq
import pytest

import aggregations
from lab.config.postgres import dsn
from lab.course.truth import (
    closed_windows,
    output_window_counts,
    parse_time,
    valid_events,
    window_counts,
)
from lab.kafka.admin import fresh_topics
from lab.kafka.reading import consume_all
from streamlab import eventgen, schemas
from tests.support import lab as run
from tests.support.warm import WarmDriver

START = "2026-01-01T00:00:00Z"
START_MS = 1_767_225_600_000  # START in milliseconds since 1970


class Shop:
    def __init__(self, env, bootstrap):
        self.env = env
        self.bootstrap = bootstrap
        self.raw = {k: consume_all(bootstrap, env[f"TOPIC_{k.upper()}"]) for k in ("page_views", "orders", "payments")}
        self.events = {k: valid_events(v, k) for k, v in self.raw.items()}
        self.phase_a_end = parse_time("2026-01-01T01:00:00Z")
        self.orders_a = [o for o in self.events["orders"] if o["event_time"] < self.phase_a_end]
        self.paid = {p["order_id"] for p in self.events["payments"]}


@pytest.fixture(scope="module")
def warm(lab_up, lab_env, tmp_path_factory):
    driver = WarmDriver(lab_up, lab_env, tmp_path_factory.mktemp("warm"))
    yield driver
    driver.close()


@pytest.fixture(scope="module")
def shop(lab_up, lab_env, warm):
    env = {**lab_env, **fresh_topics(lab_up.kafka_bootstrap, "t_shop")}
    run.produce(
        "--count",
        "3000",
        "--rate",
        "0",
        "--seed",
        "41",
        "--start-time",
        START,
        "--event-rate",
        "4",
        "--unpaid-share",
        "0.2",
        "--payment-delay",
        "20",
        "--malformed-share",
        "0.02",
        environ=env,
    )
    run.produce(
        "--count",
        "30",
        "--rate",
        "0",
        "--seed",
        "42",
        "--start-time",
        "2026-01-01T02:00:00Z",
        "--unpaid-share",
        "0",
        "--payment-delay",
        "0.001",
        environ=env,
    )
    return Shop(env, lab_up.kafka_bootstrap)


def parquet_rows(folder):
    return pq.read_table(folder).to_pylist()


def once(warm, tmp_path, job, *args, env):
    """Run a job over everything in its topics (availableNow) with a private checkpoint and output."""
    return warm.submit(
        job, "--trigger", "availableNow", "--checkpoint", str(tmp_path / "ckpt"), "--metrics-port", "0", *args, env=env
    )


def test_aggregations_exact_counts_and_sums(warm, shop, tmp_path):
    once(
        warm,
        tmp_path,
        "aggregations",
        "--sink",
        "parquet",
        "--output",
        str(tmp_path / "out"),
        "--output-mode",
        "append",
        env=shop.env,
    )
    expected_counts = window_counts(shop.orders_a, "country", 5)
    revenue, buyers = defaultdict(float), defaultdict(set)
    for o in shop.orders_a:
        key = next(k for k in expected_counts if k[0] <= o["event_time"] < k[1] and k[2] == o["country"])
        revenue[key] += o["amount"]
        buyers[key].add(o["user_id"])
    rows = parquet_rows(tmp_path / "out")
    got = {(r["window_start"], r["window_end"], r["key"]): r for r in rows if r["window_start"] < shop.phase_a_end}
    assert Counter({k: r["orders"] for k, r in got.items()}) == expected_counts
    for key, r in got.items():
        assert r["revenue"] == pytest.approx(round(revenue[key], 2), abs=0.011)
        # an estimate: within 3 standard deviations of the exact distinct count
        assert abs(r["buyers_approx"] - len(buyers[key])) <= 1 + 3 * aggregations.DISTINCT_RSD * len(buyers[key])
        assert r["p50_amount"] <= r["p95_amount"]


def test_sessions_exact(warm, shop, tmp_path):
    once(
        warm,
        tmp_path,
        "sessions",
        "--sink",
        "parquet",
        "--output",
        str(tmp_path / "out"),
        "--gap",
        "2 minutes",
        "--watermark",
        "2 minutes",
        env=shop.env,
    )
    gap = timedelta(minutes=2)
    expected = Counter()
    by_user = defaultdict(list)
    for v in shop.events["page_views"]:
        if v["event_time"] < shop.phase_a_end:
            by_user[v["user_id"]].append(v["event_time"])
    for user, times in by_user.items():
        times.sort()
        start = last = times[0]
        count = 1
        for t in times[1:]:
            if t - last <= gap:  # Spark merges sessions that touch: the boundary is inclusive
                last, count = t, count + 1
            else:
                expected[(user, start, last + gap)] = count
                start = last = t
                count = 1
        expected[(user, start, last + gap)] = count
    rows = [r for r in parquet_rows(tmp_path / "out") if r["session_start"] < shop.phase_a_end]
    got = Counter({(r["user_id"], r["session_start"], r["session_end"]): r["page_views"] for r in rows})
    assert len(rows) == len(got), "a session was emitted twice"
    assert got == expected


@pytest.mark.parametrize("mode", ["stream", "left-outer"])
def test_joins_orders_with_payments_exact(warm, shop, tmp_path, mode):
    once(
        warm,
        tmp_path,
        "joins",
        "--mode",
        mode,
        "--sink",
        "parquet",
        "--output",
        str(tmp_path / "out"),
        "--within",
        "1 minute",
        "--watermark",
        "1 minute",
        env=shop.env,
    )
    rows = [r for r in parquet_rows(tmp_path / "out") if r["ordered_at"] < shop.phase_a_end]
    ids = [r["order_id"] for r in rows]
    assert len(ids) == len(set(ids)), "an order was emitted twice"
    paid_a = {o["order_id"] for o in shop.orders_a if o["order_id"] in shop.paid}
    assert {r["order_id"] for r in rows if r["paid"]} == paid_a
    unpaid = {r["order_id"] for r in rows if not r["paid"]}
    if mode == "stream":
        assert unpaid == set()
    else:
        assert unpaid == {o["order_id"] for o in shop.orders_a} - paid_a
        assert 0.1 < len(unpaid) / len(shop.orders_a) < 0.3


def test_joins_static_enrichment(warm, shop, tmp_path, lab_up):
    once(warm, tmp_path, "joins", "--sink", "parquet", "--output", str(tmp_path / "out"), env=shop.env)
    rows = parquet_rows(tmp_path / "out")
    assert sorted(r["order_id"] for r in rows) == sorted(o["order_id"] for o in shop.events["orders"])
    assert all(r["matched"] and r["category"] and r["product_name"] for r in rows), "every product is in the dimension"


@pytest.mark.parametrize("job", ["stateful", "transform_with_state"])
def test_stateful_flags_exactly_the_unpaid_orders(warm, shop, tmp_path, job):
    """applyInPandasWithState (stateful) and Spark 4's transformWithStateInPandas
    (transform_with_state): the same exact rows."""
    once(
        warm,
        tmp_path,
        job,
        "--sink",
        "parquet",
        "--output",
        str(tmp_path / "out"),
        "--deadline",
        "1 minute",
        "--watermark",
        "1 minute",
        env=shop.env,
    )
    rows = [r for r in parquet_rows(tmp_path / "out") if r["ordered_at"] < shop.phase_a_end]
    flagged = [r["order_id"] for r in rows]
    assert len(flagged) == len(set(flagged))
    assert set(flagged) == {o["order_id"] for o in shop.orders_a if o["order_id"] not in shop.paid}
    amounts = {o["order_id"]: o["amount"] for o in shop.orders_a}
    assert all(
        r["amount"] == amounts[r["order_id"]] and r["deadline"] - r["ordered_at"] == timedelta(minutes=1) for r in rows
    )


def expected_revenue(shop):
    counts = window_counts(shop.events["orders"], "country", 1)
    revenue = defaultdict(float)
    for o in shop.events["orders"]:
        t = o["event_time"]
        start = t.replace(second=0, microsecond=0)
        revenue[(start, o["country"])] += o["amount"]
    return {(s, k): (c, round(revenue[(s, k)], 2)) for (s, _, k), c in counts.items()}


def forget_last_data_batch(checkpoint) -> int:
    """Make the query forget that its last batch with input was committed: remove that batch's
    commit, and the offsets and commits of the no-data batches after it (watermark moves). On
    restart Spark replays it, with the same offsets. Returns the batch id."""

    def log(name):
        return {int(f.name): f for f in (checkpoint / name).glob("[0-9]*")}

    offsets, commits = log("offsets"), log("commits")
    sources = {n: f.read_text().splitlines()[2:] for n, f in offsets.items()}  # after "v1" and the metadata
    data = [n for n in sorted(offsets) if n == 0 or sources[n] != sources[n - 1]]
    assert len(data) >= 2, f"the test needs several batches with input; it got {data}"
    last = data[-1]
    for f in [*(offsets[n] for n in offsets if n > last), *(commits[n] for n in commits if n >= last)]:
        f.unlink()
        (f.parent / f".{f.name}.crc").unlink(missing_ok=True)  # Hadoop's checksum sidecar
    return last


def test_custom_sink_upserts_exactly_once_even_when_a_batch_is_replayed(warm, shop, tmp_path, lab_up):
    table = f"rev_{tmp_path.name[-12:].lower().replace('-', '_')}"
    # About 670 orders: several batches, each with input.
    args = ["--table", table, "--max-offsets-per-trigger", "150"]
    once(warm, tmp_path, "custom_sink", *args, env=shop.env)

    def table_rows():
        with psycopg.connect(dsn(lab_up)) as conn:
            return {
                (r[0], r[1]): (r[2], float(r[3]))
                for r in conn.execute(f'select window_start, country, orders, revenue from "{table}"').fetchall()
            }

    first = table_rows()
    assert first == expected_revenue(shop)
    replayed = forget_last_data_batch(tmp_path / "ckpt" / "custom_sink")
    proc = once(warm, tmp_path, "custom_sink", *args, env=shop.env)
    assert table_rows() == first, f"replaying batch {replayed} changed the table"
    assert proc.returncode == 0


def test_custom_sink_foreach_writer(warm, shop, tmp_path, lab_up):
    table = f"rows_{tmp_path.name[-12:].lower().replace('-', '_')}"
    once(warm, tmp_path, "custom_sink", "--writer", "foreach", "--table", table, env=shop.env)
    with psycopg.connect(dsn(lab_up)) as conn:
        got = {
            (r[0], r[1]): (r[2], float(r[3]))
            for r in conn.execute(f'select window_start, country, orders, revenue from "{table}"').fetchall()
        }
    assert got == expected_revenue(shop)


def test_python_sink_writes_each_window_once_even_when_a_batch_is_replayed(warm, shop, tmp_path, lab_up):
    """jobs/python_sink.py: the lab_postgres Python data source in append mode, with plain inserts
    (`--keys ''`), so only its ledger of committed batch ids keeps a replayed batch from adding rows."""
    table = f"pyrev_{tmp_path.name[-12:].lower().replace('-', '_')}"
    args = ["--table", table, "--keys", "", "--max-offsets-per-trigger", "150"]
    once(warm, tmp_path, "python_sink", *args, env=shop.env)
    checkpoint = tmp_path / "ckpt" / "python_sink"
    query = json.loads((checkpoint / "metadata").read_text())["id"]  # the ledger's key

    def table_rows():
        with psycopg.connect(dsn(lab_up)) as conn:
            rows = conn.execute(f'select window_start, country, orders, revenue from "{table}"').fetchall()
        keys = Counter((r[0], r[1]) for r in rows)
        assert not [k for k, n in keys.items() if n > 1], f"windows written twice: {keys.most_common(3)}"
        return {(r[0], r[1]): (r[2], float(r[3])) for r in rows}

    def ledger():
        with psycopg.connect(dsn(lab_up)) as conn:
            batches = conn.execute(
                "select batch_id, rows, committed_at from lab_sink_batches where query = %s order by 1", (query,)
            ).fetchall()
            staged = conn.execute("select count(*) from lab_sink_staging where query = %s", (query,)).fetchone()[0]
        return batches, staged

    # Append mode: a window is written once the watermark (2 minutes) passes its end. Phase B,
    # two hours later, closes every phase-A window; its own stay open.
    expected = {k: v for k, v in expected_revenue(shop).items() if k[0] < shop.phase_a_end}
    first = table_rows()
    assert first == expected
    batches, staged = ledger()
    commits = sorted(int(f.name) for f in (checkpoint / "commits").glob("[0-9]*"))
    assert [b[0] for b in batches] == commits, "one ledger row per batch Spark committed"
    assert staged == 0
    replayed = forget_last_data_batch(checkpoint)
    proc = once(warm, tmp_path, "python_sink", *args, env=shop.env)
    assert proc.returncode == 0
    assert table_rows() == first, f"replaying batch {replayed} changed the table"
    again, staged = ledger()
    assert [b for b in again if b[0] <= replayed] == [b for b in batches if b[0] <= replayed], (
        f"batch {replayed} was committed a second time instead of skipped"
    )
    assert staged == 0


def test_python_source_window_counts_on_the_cluster_are_exact(warm, tmp_path):
    """jobs/python_source.py on the lab's executors: the lab_events Python data source (shipped in
    streamlab) makes 6,000 page views, with no Kafka; each closed window's count is what
    streamlab.eventgen gives in plain Python for the same seed and pace."""
    out = tmp_path / "out"
    once(
        warm, tmp_path, "python_source", "--total-rows", "6000", "--events-per-second", "4", "--seed", "13",
        "--start-time", START, "--sink", "parquet", "--output", str(out), "--output-mode", "append",
        env={},
    )  # fmt: skip
    cols = eventgen.columns("page_views", 0, 6000, eventgen.Params(13, START_MS, 4))
    names = schemas.PAGE_VIEWS.names
    events = [
        {"event_time": datetime(1970, 1, 1) + timedelta(microseconds=t), "country": c}
        for t, c in zip(cols[names.index("event_time")], cols[names.index("country")], strict=True)
    ]
    expected = closed_windows(events, "country", 5, timedelta(minutes=10))
    got, repeated = output_window_counts(parquet_rows(out))
    assert repeated == 0 and len(expected) == 10  # 2 closed windows x 5 countries
    assert got == expected


def test_kafka_sink_latest_record_per_key_is_exact(warm, shop, tmp_path):
    once(warm, tmp_path, "kafka_sink", env=shop.env)
    import json

    latest = {}
    for r in consume_all(shop.bootstrap, shop.env["TOPIC_RESULTS"]):
        latest[r.key.decode()] = json.loads(r.value)  # per key in offset order: the last write wins
    got = {k: (v["orders"], v["revenue"]) for k, v in latest.items()}
    expected = {f"{s:%Y-%m-%dT%H:%M:%S}Z|{c}": v for (s, c), v in expected_revenue(shop).items()}
    assert got.keys() == expected.keys()
    assert all(got[k][0] == expected[k][0] and got[k][1] == pytest.approx(expected[k][1], abs=0.011) for k in got)


def test_late_data_counts_every_dropped_event(warm, topics, lab_up, tmp_path):
    run.produce(
        "--count", "600", "--rate", "0", "--seed", "51", "--start-time", START, "--event-rate", "10", environ=topics
    )
    first = once(warm, tmp_path, "late_data", env=topics)
    assert "dropped late 0 (totals:" in first.stdout
    # 200 more events, all an hour older than the watermark: every page view among them is late.
    run.produce("--count", "200", "--rate", "0", "--seed", "52", "--start-time", "2025-12-31T23:00:00Z", environ=topics)
    views = consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"])
    late = [v for v in valid_events(views, "page_views") if v["event_time"] < parse_time(START)]
    second = once(warm, tmp_path, "late_data", env=topics)
    totals = [line for line in second.stdout.splitlines() if line.startswith("[late_data] batch")][-1]
    assert f"(totals: read {len(late)}, dropped late {len(late)})" in totals, totals


@pytest.mark.parametrize("kind", ["page_views", "orders"])
def test_dedup_keeps_each_event_once_and_drops_exactly_the_resent_ones(warm, topics, lab_up, tmp_path, kind):
    """The producer resends 5% of its events byte for byte (as at-least-once delivery does); the job's
    output holds every valid event_id exactly once, and it counts as dropped exactly what was resent."""
    produced = run.produce(
        "--count", "3000", "--rate", "0", "--seed", "61", "--start-time", START, "--event-rate", "10",
        "--duplicate-share", "0.05", "--malformed-share", "0.02", environ=topics,
    )  # fmt: skip
    topic = topics[f"TOPIC_{kind.upper()}"]
    injected = produced["duplicated"][topic]
    ids = [e["event_id"] for e in valid_events(consume_all(lab_up.kafka_bootstrap, topic), kind)]
    assert injected > 10 and len(ids) - len(set(ids)) == injected, "the topic holds exactly the resends"
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    job = once(
        warm, tmp_path, "dedup", "--events", kind, "--sink", "parquet", "--output", str(out), "--summary", str(summary),
        env=topics,
    )  # fmt: skip
    got = Counter(r["event_id"] for r in parquet_rows(out))
    assert set(got) == set(ids), "every valid event, and nothing else"
    assert max(got.values()) == 1, f"duplicated in the output: {[i for i, n in got.items() if n > 1][:5]}"
    totals = json.loads(summary.read_text())["queries"]["dedup"]
    assert totals["duplicates_dropped"] == injected and totals["late_rows_dropped"] == 0, totals
    last = [line for line in job.stdout.splitlines() if line.startswith("[dedup] batch")][-1]
    assert f"duplicates dropped {injected})" in last, last


def test_files_source_to_partitioned_parquet(warm, lab_up, lab_env, tmp_path):
    incoming = tmp_path / "incoming"
    env = {**lab_env, **fresh_topics(lab_up.kafka_bootstrap, "t_files")}
    run.run(
        [
            "-m",
            "producer",
            "--to-folder",
            str(incoming),
            "--count",
            "900",
            "--file-events",
            "300",
            "--seed",
            "61",
            "--start-time",
            "2026-03-01T23:50:00Z",
            "--event-rate",
            "0.5",
            "--dimensions-dir",
            "",
        ],
        env,
        check=True,
    )
    (incoming / "zz-bad.json").write_text('{"order_id": "oops", \nnot json either\n')
    out = tmp_path / "out"
    proc = once(warm, tmp_path, "files", "--input", str(incoming), "--output", str(out), "--read-back", env=env)
    assert "[files] read back 900 orders" in proc.stdout
    rows = parquet_rows(out)
    assert len(rows) == 900 and len({r["order_id"] for r in rows}) == 900
    dates = {p.name for p in out.iterdir() if p.name.startswith("event_date=")}
    assert dates == {"event_date=2026-03-01", "event_date=2026-03-02"}
    quarantined = consume_all(lab_up.kafka_bootstrap, env["TOPIC_QUARANTINE"])
    assert len(quarantined) == 2
    shutil.rmtree(incoming)


def test_malformed_events_never_stop_a_job_and_are_counted(warm, shop, tmp_path):
    """The shop data has 2% malformed records across the three topics: the joins job reads orders
    and payments, so its two quarantine queries together must hold exactly those topics' bad records."""
    once(warm, tmp_path, "joins", "--mode", "stream", "--sink", "noop", env=shop.env)
    bad = consume_all(shop.bootstrap, shop.env["TOPIC_QUARANTINE"])
    mine = [
        r
        for r in bad
        if r.headers.get("job") == b"joins"
        and r.headers["source_topic"].decode() in (shop.env["TOPIC_ORDERS"], shop.env["TOPIC_PAYMENTS"])
    ]
    expected = sum(len(shop.raw[k]) - len(shop.events[k]) for k in ("orders", "payments"))
    assert expected > 0
    # Earlier joins runs in this module also quarantined the same records: count this run's share.
    per_run = Counter(
        (r.headers["source_topic"], r.headers["source_partition"], r.headers["source_offset"]) for r in mine
    )
    assert len(per_run) == expected
