"""The restart drills: a job killed or stopped mid-stream resumes from its checkpoint, and every
event is in its output exactly once.

- driver-kill: the windowing job's driver SIGKILLed at random batches; the Parquet file sink is
  exactly-once across restarts (its _spark_metadata log), and the state holds exactly the windows
  still open;
- python-sink-kill: the same for python_sink, whose plain inserts into PostgreSQL are made
  exactly-once by its ledger of committed batch ids;
- stop-produce-restart: stop, produce more, restart, in rounds; batch ids keep increasing.
`kill_at_random_batches`, `final_run` and `windowing_exact` are the steps the service drills
share.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

from lab.course.drills.base import MESSAGES, START, Drill, Result
from lab.course.drills.checks import committed, compare_ids, compare_state, compare_windows, parquet_rows
from lab.course.truth import closed_windows, parse_time, valid_events, window_counts
from lab.kafka.reading import consume_all
from streamlab.wait import wait_for


def kill_at_random_batches(d: Drill, job: str, args: list[str], kills: int, seed: int) -> None:
    """Run `job` (with --checkpoint in `args`) on a 1 s trigger and SIGKILL its driver's whole
    process group 1 to 3 committed batches after each start, `kills` times."""
    ckpt = Path(args[args.index("--checkpoint") + 1])
    rng = random.Random(seed)
    for i in range(kills):
        proc = d.spark_submit(job, *args, "--trigger", "1 second")
        target = committed(ckpt, job) + rng.randint(1, 3)
        try:
            wait_for(
                lambda: committed(ckpt, job) >= target or proc.poll() is not None,  # noqa: B023 - called here
                300,
                MESSAGES("wait_batch", batch=target, run=i + 1),
            )
        finally:
            proc.kill()
        d.result.details.append(MESSAGES("killed", kill=i + 1, batches=committed(ckpt, job)))


def final_run(d: Drill, job: str, args: list[str]) -> None:
    """Run `job` to the end of its input (availableNow); a failure fails the drill, with its output."""
    final = d.submit(job, *args, "--trigger", "availableNow")
    if final.returncode != 0:
        d.result.fail(MESSAGES("final_failed", tail=final.stdout[-400:] + final.stderr[-400:]))


def windowing_args(out: Path, ckpt: Path) -> list[str]:
    """The windowing job into Parquet, in append mode, with its checkpoint."""
    return [
        "--sink", "parquet", "--output", str(out), "--output-mode", "append",
        "--checkpoint", str(ckpt), "--metrics-port", "0",
    ]  # fmt: skip


def windowing_exact(d: Drill, base: list[str], out: Path) -> None:
    """Finish the windowing backlog in one run after a flush, and compare with the ground truth."""
    d.produce("--count", "20", "--rate", "0", "--seed", "82", "--start-time", "2026-01-01T02:00:00Z")
    final_run(d, "windowing", base)
    events = valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
    closed = closed_windows(events, "country", 5, timedelta(minutes=10))
    compare_windows(d.result, parquet_rows(out), closed)
    compare_state(d, Path(base[base.index("--checkpoint") + 1]), window_counts(events, "country", 5) - closed)


def driver_kill(d: Drill) -> Result:
    """SIGKILL the windowing job's driver at random batches, restart from the checkpoint each time."""
    n = 1500 * d.size.scale
    d.produce(
        "--count", str(n), "--rate", "0", "--seed", "81", "--start-time", START,
        "--event-rate", "10", "--jitter-ms", "5000",
    )  # fmt: skip
    out = d.dir / "out"
    base = windowing_args(out, d.dir / "ckpt")
    # Small batches while the kills happen, so there are batch boundaries to be killed between.
    kill_at_random_batches(
        d, "windowing", [*base, "--max-offsets-per-trigger", str(max(50, n // 40))], d.size.kills, 81
    )
    # The flush moves the watermark past every window; the final run reads the rest in one batch.
    windowing_exact(d, base, out)
    return d.result


def python_sink_kill(d: Drill) -> Result:
    """SIGKILL the python_sink job's driver at random batches, restart from the checkpoint each
    time; its Python data source writes plain inserts into PostgreSQL, so only its ledger of
    committed batch ids keeps a re-run batch from writing its windows twice."""
    import psycopg

    from lab.config.postgres import dsn

    d.produce(
        "--count", str(3000 * d.size.scale), "--rate", "0", "--seed", "91", "--start-time", START,
        "--event-rate", "10", "--jitter-ms", "5000",
    )  # fmt: skip
    table = f"drill_pysink_{d.dir.name.rsplit('-', 1)[-1].lower()}"
    base = ["--table", table, "--keys", "", "--checkpoint", str(d.dir / "ckpt"), "--metrics-port", "0"]
    kill_at_random_batches(d, "python_sink", [*base, "--max-offsets-per-trigger", "40"], d.size.kills, 91)
    # Orders two hours later move the watermark past every earlier minute; the final run reads the rest.
    d.produce("--count", "200", "--rate", "0", "--seed", "92", "--start-time", "2026-01-01T02:00:00Z")
    final_run(d, "python_sink", base)
    orders = valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("orders")), "orders")
    rows = _take_table(psycopg.connect(dsn(d.settings)), table)
    compare_windows(
        d.result,
        [dict(zip(("window_start", "window_end", "key", "events"), r[:4], strict=True)) for r in rows],
        closed_windows(orders, "country", 1, timedelta(minutes=2)),
    )
    revenue = _revenue_per_minute(orders)
    wrong = [r for r in rows if abs(float(r[4]) - round(revenue[(r[0], r[2])], 2)) > 0.005]
    if wrong:
        d.result.fail(MESSAGES("wrong_revenue", count=len(wrong)))
    return d.result


def _take_table(connection, table: str) -> list[tuple]:
    """The python_sink job's rows in PostgreSQL, its table dropped once read."""
    with connection as conn:
        rows = conn.execute(f'select window_start, window_end, country, orders, revenue from "{table}"').fetchall()
        conn.execute(f'drop table "{table}"')
    return rows


def _revenue_per_minute(orders: list[dict]) -> Counter:
    """(minute's start, country) -> the orders' amounts: the revenue python_sink writes."""
    revenue: Counter = Counter()
    for o in orders:
        start = o["event_time"].replace(second=0, microsecond=0)
        revenue[(start, o["country"])] += o["amount"]
    return revenue


def stop_produce_restart(d: Drill) -> Result:
    """Stop the job, produce more, restart it; repeat. Every event once, batch ids increasing."""
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    last_batches = []
    for i in range(d.size.rounds):
        start = (parse_time(START) + timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        d.produce("--count", str(400 * d.size.scale), "--rate", "0", "--seed", str(90 + i), "--start-time", start)
        proc = d.submit(
            "basic", "--trigger", "availableNow", "--sink", "parquet", "--output", str(out),
            "--checkpoint", str(ckpt), "--metrics-port", "0",
        )  # fmt: skip
        if proc.returncode != 0:
            d.result.fail(MESSAGES("round_failed", round=i + 1, tail=proc.stdout[-300:]))
        last_batches.append(committed(ckpt, "basic") - 1)
    d.result.details.append(MESSAGES("last_batches", ids=last_batches))
    if any(b <= a for a, b in itertools.pairwise(last_batches)):
        d.result.fail(MESSAGES("batch_ids_not_increasing"))
    ids = [r["event_id"] for r in parquet_rows(out)]
    views = valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
    compare_ids(d.result, ids, {e["event_id"] for e in views})
    return d.result
