"""Reliability drills: break things mid-stream, restart, and compare with ground truth.

`make drill NAME=<name>` runs one drill (or `all`) on the running lab. The integration tests run
the same functions at a reduced size. Each drill:
- uses private copies of the lab's topics, so the background producer never mixes in;
- reads the ground truth from Kafka itself (lab.course.truth), never from Spark;
- returns a `Result` with the events checked, lost and duplicated. It passes only when both
  are 0 and the drill's own condition holds.

The guarantees they show:
- the Parquet file sink is exactly-once across restarts (its _spark_metadata log);
- the Kafka sink is at-least-once;
- foreachBatch is at-least-once unless the writer is idempotent (the custom_sink job upserts).
docs/drills.md explains each drill. What a drill prints is in the lab's language
(src/lab/messages/drills.toml); where it reads a job's or a command's line, it reads it in that
language too, from the message's catalogue (`said`).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lab import runtimes
from lab.config.settings import ROOT, Settings, load
from lab.course.truth import output_window_counts, parse_time, valid_events, window_counts
from lab.kafka.admin import LOGICAL, consume_all, delete_topics, fresh_topics
from lab.spark import jobs
from streamlab.i18n import Catalogue, language, number
from streamlab.wait import wait_for

MESSAGES = Catalogue.load("lab", "drills")
COMMANDS = Catalogue.load("lab", "commands")
RUNNER = Catalogue.load("streamlab", "runner")
OPTIONS = Catalogue.load("streamlab", "options")

START = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class Size:
    scale: int  # multiplies the events each drill produces
    kills: int  # driver kills in driver-kill and python-sink-kill: each restart resumes mid-backlog
    rounds: int  # rounds of stop-produce-restart: each after the first resumes from the last's checkpoint


SIZES = {"small": Size(scale=1, kills=2, rounds=2), "full": Size(scale=4, kills=3, rounds=3)}


@dataclass
class Result:
    name: str
    checked: int = 0
    lost: int = 0
    duplicated: int = 0
    ok: bool = True
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.ok and self.lost == 0 and self.duplicated == 0

    def line(self, lang: str | None = None) -> str:
        head = MESSAGES.text(
            "result",
            lang,
            name=self.name,
            checked=number(self.checked, lang or language()),
            lost=self.lost,
            duplicated=self.duplicated,
            verdict="PASS" if self.passed else "FAIL",
        )
        return head + "".join(f"\n  - {d}" for d in self.details)


def said(catalogue: Catalogue, code: str, lang: str):
    """A regex that finds message `code` of `catalogue` in a line a command printed in `lang`."""
    return catalogue.pattern(code, lang)


class Drill:
    """What every drill needs: an environment with private topics, and the lab's runtime (local
    processes or Docker), through which it produces, runs jobs and breaks services."""

    def __init__(self, name: str, environ: dict[str, str] | None = None, size: str = "small"):
        self.name = name
        base = dict(environ or os.environ)
        settings = load(environ=base)
        self.size = SIZES[size]
        self.env = {**base, **fresh_topics(settings.kafka_bootstrap, f"drill_{name.replace('-', '_')}")}
        self.settings = settings.overridden(self.env)
        self.rt = runtimes.get(self.settings)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.dir = self.rt.paths.run / "drills" / f"{name}-{stamp}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.result = Result(name)
        self.lang = self.settings.language(self.env)  # what the jobs and commands it runs print in

    def topic(self, key: str) -> str:
        return self.env[f"TOPIC_{key.upper()}"]

    def delete_topics(self) -> None:
        """Delete the drill's private topics: done when it passed (a failed drill keeps them, to be
        read). Each partition costs the broker CPU for as long as it exists."""
        delete_topics(self.settings.kafka_bootstrap, [self.topic(key) for key in LOGICAL], missing_ok=True)

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """The lab's own commands (`-m lab ...`), as a user runs them."""
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def producer(self, *args: str, **popen) -> subprocess.Popen:
        cmd, env = self.rt.producer_command(["--dimensions-dir", "", *args], self.env)
        return subprocess.Popen(cmd, cwd=ROOT, env=env, **popen)

    def produce(self, *args: str) -> dict:
        out = self.dir / f"produce-{time.monotonic_ns()}.json"
        proc = self.producer("--summary", str(out), *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            _, err = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:  # as subprocess.run did: end it, then fail
            proc.kill()
            proc.communicate()
            raise
        if proc.returncode != 0:
            raise RuntimeError(MESSAGES("producer_failed", tail=err.strip().splitlines()[-1:]))
        return json.loads(out.read_text())

    def submit(self, job: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a job to its end; what it printed is in the result."""
        return self.rt.run_job(job, list(args), self.env, timeout=timeout)

    def spark_submit(self, job: str, *args: str) -> runtimes.Job:
        """Start a job and return at once; `.kill()` SIGKILLs its whole driver. What it prints goes
        to a log in the drill's folder (`last_lines` shows it when a wait on the job times out)."""
        with (self.dir / f"{job}-{time.monotonic_ns()}.log").open("w") as log:
            return self.rt.spawn_job(job, list(args), self.env, stdout=log, stderr=subprocess.STDOUT)

    def last_lines(self, lines: int = 30) -> str:
        """The end of the log of the job started last, or '' if none was."""
        logs = sorted(self.dir.glob("*.log"), key=lambda p: p.stat().st_mtime)
        if not logs:
            return ""
        text = logs[-1].read_text(errors="replace").splitlines()[-lines:]
        return MESSAGES("last_lines", log=logs[-1].name) + "\n" + "\n".join(text)


def committed(checkpoint: Path, query: str) -> int:
    """How many micro-batches the query has committed (its checkpoint's commits/ files)."""
    folder = checkpoint / query / "commits"
    return len([p for p in folder.iterdir() if p.name.isdigit()]) if folder.exists() else 0


def caught_up(checkpoint: Path, query: str, settings: Settings, topic: str) -> bool:
    """The query has committed a batch whose end offsets reach the topic's end offsets."""
    from lab.kafka.admin import offsets
    from streamlab.dataloss import committed_offsets

    done = committed_offsets(checkpoint / query).get(topic)
    return done is not None and all(
        done.get(p, 0) >= end for p, (_, end) in offsets(settings.kafka_bootstrap, topic).items()
    )


def _parquet_rows(folder: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(folder).to_pylist() if folder.exists() else []


def _compare_windows(result: Result, rows: list[dict], expected: Counter) -> None:
    got, result.duplicated = output_window_counts(rows)
    result.checked = sum(expected.values())
    result.lost = sum(max(0, expected[k] - got.get(k, 0)) for k in expected)
    extra = sum(max(0, got[k] - expected.get(k, 0)) for k in got)
    if extra:
        result.ok = False
        result.details.append(MESSAGES("extra_events", extra=extra))


def _compare_ids(result: Result, ids: list[str], expected: set[str]) -> None:
    counts = Counter(ids)
    result.checked = len(expected)
    result.lost = len(expected - set(counts))
    result.duplicated = sum(n - 1 for n in counts.values() if n > 1)
    unexpected = set(counts) - expected
    if unexpected:
        result.ok = False
        result.details.append(MESSAGES("unexpected_rows", count=len(unexpected)))


def _kill_at_random_batches(d: Drill, job: str, args: list[str], kills: int, seed: int) -> None:
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


def _final_run(d: Drill, job: str, args: list[str]) -> None:
    """Run `job` to the end of its input (availableNow); a failure fails the drill, with its output."""
    final = d.submit(job, *args, "--trigger", "availableNow")
    if final.returncode != 0:
        d.result.ok = False
        d.result.details.append(MESSAGES("final_failed", tail=final.stdout[-400:] + final.stderr[-400:]))


# --- the drills ------------------------------------------------------------------------------------


def driver_kill(d: Drill) -> Result:
    """SIGKILL the windowing job's driver at random batches, restart from the checkpoint each time."""
    n = 1500 * d.size.scale
    d.produce(
        "--count",
        str(n),
        "--rate",
        "0",
        "--seed",
        "81",
        "--start-time",
        START,
        "--event-rate",
        "10",
        "--jitter-ms",
        "5000",
    )
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    base = [
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--output-mode",
        "append",
        "--checkpoint",
        str(ckpt),
        "--metrics-port",
        "0",
    ]
    # Small batches while the kills happen, so there are batch boundaries to be killed between.
    _kill_at_random_batches(
        d, "windowing", [*base, "--max-offsets-per-trigger", str(max(50, n // 40))], d.size.kills, 81
    )
    # The flush moves the watermark past every window; the final run reads the rest in one batch.
    _windowing_exact(d, base, out)
    return d.result


def stop_produce_restart(d: Drill) -> Result:
    """Stop the job, produce more, restart it; repeat. Every event once, batch ids increasing."""
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    last_batches = []
    for i in range(d.size.rounds):
        start = (parse_time(START) + timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        d.produce("--count", str(400 * d.size.scale), "--rate", "0", "--seed", str(90 + i), "--start-time", start)
        proc = d.submit(
            "basic",
            "--trigger",
            "availableNow",
            "--sink",
            "parquet",
            "--output",
            str(out),
            "--checkpoint",
            str(ckpt),
            "--metrics-port",
            "0",
        )
        if proc.returncode != 0:
            d.result.ok = False
            d.result.details.append(MESSAGES("round_failed", round=i + 1, tail=proc.stdout[-300:]))
        last_batches.append(committed(ckpt, "basic") - 1)
    d.result.details.append(MESSAGES("last_batches", ids=last_batches))
    if any(b <= a for a, b in itertools.pairwise(last_batches)):
        d.result.ok = False
        d.result.details.append(MESSAGES("batch_ids_not_increasing"))
    ids = [r["event_id"] for r in _parquet_rows(out)]
    expected = {
        e["event_id"]
        for e in valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
    }
    _compare_ids(d.result, ids, expected)
    return d.result


def bad_input(d: Drill) -> Result:
    """5% malformed and 2% schema-mismatched records, then 10,000 bad records in a row: every bad
    record is quarantined with its raw bytes and reason, none reaches the results, valid results
    are exact, and the query never stops."""
    s1 = d.produce(
        "--count",
        str(3000 * d.size.scale),
        "--rate",
        "0",
        "--seed",
        "95",
        "--malformed-share",
        "0.05",
        "--mismatch-share",
        "0.02",
    )
    s2 = d.produce("--count", "10000", "--rate", "0", "--seed", "96", "--malformed-share", "1")
    s3 = d.produce("--count", "500", "--rate", "0", "--seed", "97")
    injected = sum(s1["malformed"].values()) + sum(s2["malformed"].values()) + sum(s3["malformed"].values())
    out = d.dir / "out"
    proc = d.submit(
        "basic",
        "--topic",
        d.topic("page_views"),
        "--trigger",
        "availableNow",
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--checkpoint",
        str(d.dir / "ckpt"),
        "--metrics-port",
        "0",
    )
    if proc.returncode != 0:
        d.result.ok = False
        d.result.details.append(MESSAGES("job_stopped", tail=proc.stdout[-400:]))
    views = consume_all(d.settings.kafka_bootstrap, d.topic("page_views"))
    valid = valid_events(views, "page_views")
    _compare_ids(d.result, [r["event_id"] for r in _parquet_rows(out)], {e["event_id"] for e in valid})
    bad_here = len(views) - len(valid)
    quarantined = consume_all(d.settings.kafka_bootstrap, d.topic("quarantine"))
    raw = {(r.partition, r.offset): r.value for r in views}
    mismatched = [
        q
        for q in quarantined
        if raw.get((int(q.headers["source_partition"]), int(q.headers["source_offset"]))) != q.value
        or not q.headers.get("reason")
    ]
    reasons = dict(Counter(q.headers["reason"].decode().split(":")[0] for q in quarantined))
    d.result.details.append(
        MESSAGES("quarantine", injected=injected, here=bad_here, quarantined=len(quarantined), reasons=reasons)
    )
    if len(quarantined) != bad_here or mismatched:
        d.result.ok = False
        d.result.details.append(
            MESSAGES("quarantine_mismatch", quarantined=len(quarantined), bad=bad_here, mismatched=len(mismatched))
        )
    return d.result


def late_data(d: Drill) -> Result:
    """Events older than the watermark: all dropped, and the dropped count the lab reports equals N."""
    ckpt = d.dir / "ckpt"
    d.produce(
        "--count", str(600 * d.size.scale), "--rate", "0", "--seed", "51", "--start-time", START, "--event-rate", "10"
    )
    d.submit("late_data", "--trigger", "availableNow", "--checkpoint", str(ckpt), "--metrics-port", "0")
    d.produce("--count", "200", "--rate", "0", "--seed", "52", "--start-time", "2025-12-31T23:00:00Z")
    late = [
        v
        for v in valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
        if v["event_time"] < parse_time(START)
    ]
    summary = d.dir / "late_data.json"
    d.submit(
        "late_data",
        "--trigger",
        "availableNow",
        "--checkpoint",
        str(ckpt),
        "--metrics-port",
        "0",
        "--summary",
        str(summary),
    )
    reported = _query_totals(summary, "late_data").get("late_rows_dropped", -1)
    d.result.checked = len(late)
    d.result.lost = max(0, len(late) - reported)  # late events the lab failed to report as dropped
    d.result.details.append(MESSAGES("late_reported", sent=len(late), reported=reported))
    if reported != len(late):
        d.result.ok = False
    return d.result


def state_incompatible(d: Drill) -> Result:
    """Restart windowing with another grouping key on its old checkpoint: a clear failure at start,
    the `make reset` hint, and no output written."""
    d.produce("--count", "500", "--rate", "0", "--seed", "61", "--start-time", START)
    # A flush two hours later closes the first run's windows, so there is output to protect.
    d.produce("--count", "20", "--rate", "0", "--seed", "63", "--start-time", "2026-01-01T02:00:00Z")
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    common = [
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--output-mode",
        "append",
        "--checkpoint",
        str(ckpt),
        "--trigger",
        "availableNow",
        "--metrics-port",
        "0",
    ]
    first = d.submit("windowing", *common, "--key", "country")
    before = sorted(p.name for p in out.rglob("*.parquet"))
    d.produce("--count", "200", "--rate", "0", "--seed", "62", "--start-time", "2026-01-01T04:00:00Z")
    second = d.submit("windowing", *common, "--key", "user_id")
    after = sorted(p.name for p in out.rglob("*.parquet"))
    d.result.checked = len(_parquet_rows(out))  # output rows verified unchanged by the refused restart
    text = second.stdout + second.stderr
    failed = said(RUNNER, "query_failed", d.lang)
    failure = next((line for line in text.splitlines() if failed.search(line)), "")
    d.result.details.append(
        MESSAGES("state_runs", first=first.returncode, second=second.returncode, failure=failure[:300])
    )
    if (
        first.returncode != 0
        or second.returncode == 0
        or "make reset JOB=windowing" not in failure
        or before != after
        or not d.result.checked
    ):
        d.result.ok = False
        d.result.details.append(MESSAGES("state_expected"))
    return d.result


@contextmanager
def _state_without_connector(paths) -> Iterator[Path]:
    """A state folder that is the lab's own but for an empty Spark connector folder: links to
    everything else. The real jars are never moved, so jobs that start meanwhile, in this lab or
    another using the same state, still find them."""
    with tempfile.TemporaryDirectory(prefix="lab-state-") as tmp:
        state = Path(tmp)
        for entry in paths.state.iterdir():
            if entry != paths.jars:
                (state / entry.name).symlink_to(entry)
        (state / paths.jars.name).mkdir()
        for entry in paths.jars.iterdir():
            if entry != paths.spark_jars:
                (state / paths.jars.name / entry.name).symlink_to(entry)
        (state / paths.jars.name / paths.spark_jars.name).mkdir()
        yield state


def bad_config(d: Drill) -> Result:
    """Unknown job, bad DURATION, unreachable broker, missing jars, a port in use: one clear line
    each, a non-zero exit, and nothing left running."""
    import socket

    paths = d.rt.paths
    before = set(d.rt.leftovers())
    lang = d.lang
    unknown = COMMANDS.text("unknown_job", lang, name="nope", jobs=", ".join(jobs.available(lang=lang)))
    cases = [
        ("case_unknown_job", d.run("-m", "lab", "submit", "nope"), 2, re.compile(re.escape(unknown))),
        (
            "case_bad_duration",
            d.run("-m", "lab", "submit", "basic", "--duration", "soon"),
            2,
            re.compile(re.escape(OPTIONS.text("not_a_whole_number", lang, text="soon"))),
        ),
    ]
    if d.rt.name == "local":  # in Docker, the broker's address and the jars are the images', and ports the containers'
        saved = dict(d.env)
        d.env["KAFKA_BOOTSTRAP"] = "127.0.0.1:1"
        cases.append(
            (
                "case_unreachable",
                d.run("-m", "lab", "submit", "basic"),
                1,
                said(COMMANDS, "kafka_does_not_answer", lang),
            )
        )
        d.env = dict(saved)
        with _state_without_connector(paths) as state:
            d.env["LAB_STATE"], d.env["LAB_RUN"] = str(state), str(paths.run)
            missing = d.run("-m", "lab", "submit", "basic")
            cases.append(("case_missing_jars", missing, 1, said(COMMANDS, "install_no_connector", lang)))
        d.env = dict(saved)
        with socket.socket() as squatter:
            squatter.bind((d.settings.host, 0))
            squatter.listen()
            port = squatter.getsockname()[1]
            taken = d.submit("basic", "--metrics-port", str(port), "--duration", "5")
            cases.append(("case_port", taken, 1, said(RUNNER, "metrics_port_taken", lang)))
    for what, proc, code, pattern in cases:
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        # one clear line: a Java stack trace after it is a failure too
        ok = (
            proc.returncode == code
            and any(pattern.search(line) for line in lines[-3:])
            and not any(line.startswith("\tat ") for line in lines)
        )
        fallback = lines[-1] if lines else MESSAGES("no_output")
        shown = next((line for line in reversed(lines) if pattern.search(line)), fallback)
        d.result.details.append(MESSAGES("case", what=MESSAGES(what), code=proc.returncode, line=shown[:160]))
        d.result.ok &= ok
    d.result.checked = len(cases)
    left = sorted(set(d.rt.leftovers()) - before)
    if left:
        d.result.ok = False
        d.result.details.append(MESSAGES("left_running", left=left))
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
    ckpt = d.dir / "ckpt"
    base = ["--table", table, "--keys", "", "--checkpoint", str(ckpt), "--metrics-port", "0"]
    _kill_at_random_batches(d, "python_sink", [*base, "--max-offsets-per-trigger", "40"], d.size.kills, 91)
    # Orders two hours later move the watermark past every earlier minute; the final run reads the rest.
    d.produce("--count", "200", "--rate", "0", "--seed", "92", "--start-time", "2026-01-01T02:00:00Z")
    _final_run(d, "python_sink", base)
    orders = valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("orders")), "orders")
    watermark = max(o["event_time"] for o in orders) - timedelta(minutes=2)
    expected = window_counts(orders, "country", 1, closed_before=watermark)
    revenue = Counter()
    for o in orders:
        start = o["event_time"].replace(second=0, microsecond=0)
        revenue[(start, o["country"])] += o["amount"]
    with psycopg.connect(dsn(d.settings)) as conn:
        rows = conn.execute(f'select window_start, window_end, country, orders, revenue from "{table}"').fetchall()
        conn.execute(f'drop table "{table}"')
    _compare_windows(
        d.result,
        [dict(zip(("window_start", "window_end", "key", "events"), r[:4], strict=True)) for r in rows],
        expected,
    )
    wrong = [r for r in rows if abs(float(r[4]) - round(revenue[(r[0], r[2])], 2)) > 0.005]
    if wrong:
        d.result.ok = False
        d.result.details.append(MESSAGES("wrong_revenue", count=len(wrong)))
    return d.result


def _windowing_exact(d: Drill, base: list[str], out: Path) -> None:
    """Finish the windowing backlog in one run after a flush, and compare with the ground truth."""
    d.produce("--count", "20", "--rate", "0", "--seed", "82", "--start-time", "2026-01-01T02:00:00Z")
    _final_run(d, "windowing", base)
    events = valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
    watermark = max(e["event_time"] for e in events) - timedelta(minutes=10)
    closed = window_counts(events, "country", 5, closed_before=watermark)
    _compare_windows(d.result, _parquet_rows(out), closed)
    _compare_state(d, Path(base[base.index("--checkpoint") + 1]), window_counts(events, "country", 5) - closed)


def _compare_state(d: Drill, checkpoint: Path, open_windows: Counter) -> None:
    """After the restarts, the state (read with `make state`'s driver) must hold exactly the
    windows the watermark has not closed, with their counts so far: nothing lost, nothing twice."""
    report = d.dir / "state.json"
    run = d.submit(
        "_state", "--job", "windowing", "--checkpoint", str(checkpoint), "--limit", "0", "--json", str(report)
    )
    if run.returncode != 0 or not report.exists():
        d.result.ok = False
        d.result.details.append(MESSAGES("state_read_failed", tail=run.stderr.strip().splitlines()[-1:]))
        return
    (op,) = json.loads(report.read_text())["queries"]["windowing"]
    held = Counter(
        {(parse_time(r["window_start"]), parse_time(r["window_end"]), r["country"]): r["count"] for r in op["rows"]}
    )
    differ = sum(1 for k in held.keys() | open_windows.keys() if held[k] != open_windows[k])
    d.result.details.append(MESSAGES("state_compared", batch=op["batch"], windows=len(held), differ=differ))
    if differ:
        d.result.ok = False


def worker_loss(d: Drill) -> Result:
    """SIGKILL the Spark worker (and its executors) mid-stream, start a new one: the query waits,
    recovers, and the results are exact."""
    n = 1500 * d.size.scale
    d.produce("--count", str(n), "--rate", "0", "--seed", "83", "--start-time", START, "--event-rate", "10")
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    base = [
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--output-mode",
        "append",
        "--checkpoint",
        str(ckpt),
        "--metrics-port",
        "0",
    ]
    proc = d.spark_submit(
        "windowing", *base, "--trigger", "1 second", "--max-offsets-per-trigger", str(max(50, n // 40))
    )
    try:
        wait_for(
            lambda: committed(ckpt, "windowing") >= 2 or proc.poll() is not None, 300, MESSAGES("wait_two_batches")
        )
        killed = d.run("-m", "lab", "kill", "spark-worker")
        at_kill = committed(ckpt, "windowing")
        d.result.details.append(MESSAGES("after_kill", killed=killed.stdout.strip(), batches=at_kill))
        started = d.run("-m", "lab", "start", "spark-worker")
        if started.returncode != 0:
            raise RuntimeError(MESSAGES("worker_not_back", tail=started.stderr[-300:]))
        wait_for(
            lambda: committed(ckpt, "windowing") >= at_kill + 3 or proc.poll() is not None,
            300,
            MESSAGES("wait_three_more"),
        )
        if proc.poll() is not None:
            d.result.ok = False
            d.result.details.append(MESSAGES("query_stopped", code=proc.returncode))
        d.result.details.append(MESSAGES("recovered", batches=committed(ckpt, "windowing")))
    finally:
        proc.kill()
    _windowing_exact(d, base, out)
    return d.result


def broker_restart(d: Drill) -> Result:
    """Restart Kafka under a running producer and job: the producer (idempotent, acks=all) loses
    and duplicates nothing, and the job resumes and misses nothing."""
    summary = d.dir / "producer.json"
    producer = d.producer(
        "--rate",
        "1500",
        "--duration",
        "40",
        "--seed",
        "84",
        "--summary",
        str(summary),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    base = ["--sink", "parquet", "--output", str(out), "--checkpoint", str(ckpt), "--metrics-port", "0"]
    job = d.spark_submit("basic", *base, "--trigger", "2 seconds")
    try:
        wait_for(lambda: committed(ckpt, "basic") >= 2 or job.poll() is not None, 300, MESSAGES("wait_two_batches"))
        for action in ("stop", "start"):
            proc = d.run("-m", "lab", action, "kafka")
            d.result.details.append(MESSAGES("kafka_action", action=action, code=proc.returncode))
        producer.wait(timeout=300)
        wait_for(
            lambda: job.poll() is not None or caught_up(ckpt, "basic", d.settings, d.topic("page_views")),
            300,
            MESSAGES("wait_caught_up"),
        )
        if job.poll() is not None:
            d.result.ok = False
            d.result.details.append(MESSAGES("job_not_resumed", code=job.returncode))
    finally:
        job.kill()
        if producer.poll() is None:
            producer.kill()
    stats = json.loads(summary.read_text())
    present = sum(
        len(consume_all(d.settings.kafka_bootstrap, d.topic(k))) for k in ("page_views", "orders", "payments")
    )
    d.result.details.append(
        MESSAGES("producer_stats", sent=stats["sent"], acked=stats["acked"], failed=stats["failed"], present=present)
    )
    if not (stats["failed"] == 0 and stats["acked"] == stats["sent"] == present):
        d.result.ok = False
    d.submit("basic", *base, "--trigger", "availableNow")
    expected = {
        e["event_id"]
        for e in valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
    }
    _compare_ids(d.result, [r["event_id"] for r in _parquet_rows(out)], expected)
    return d.result


def data_loss(d: Drill) -> Result:
    """Retention deletes records while the job is stopped. With failOnDataLoss=true the restart
    fails at once with one line and writes nothing. With false it skips the gap, reports exactly
    the deleted records as skipped, and every record that survived is in the output once."""
    from lab.kafka.admin import end_total, expire

    topic, bootstrap = d.topic("page_views"), d.settings.kafka_bootstrap
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    base = [
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--checkpoint",
        str(ckpt),
        "--metrics-port",
        "0",
        "--trigger",
        "availableNow",
    ]
    d.produce("--count", str(600 * d.size.scale), "--rate", "0", "--seed", "101")
    first = d.submit("basic", *base)
    read = {e["event_id"] for e in valid_events(consume_all(bootstrap, topic), "page_views")}
    read_up_to = end_total(bootstrap, topic)
    d.produce("--count", str(600 * d.size.scale), "--rate", "0", "--seed", "102")  # never read: the job is stopped
    unread = sum(end for _, end in expire(bootstrap, topic).values()) - read_up_to
    d.produce("--count", str(600 * d.size.scale), "--rate", "0", "--seed", "103")
    survived = {e["event_id"] for e in valid_events(consume_all(bootstrap, topic), "page_views")}
    rows = len(_parquet_rows(out))
    strict = d.submit("basic", *base)
    retention = said(RUNNER, "data_loss", d.lang)
    strict_line = next((line for line in (strict.stdout + strict.stderr).splitlines() if retention.search(line)), "")
    unchanged = len(_parquet_rows(out)) == rows
    summary = d.dir / "lenient.json"
    lenient = d.submit("basic", *base, "--fail-on-data-loss", "false", "--summary", str(summary))
    skipped = sum(g["records"] for g in _summary(summary).get("skipped_at_start", []) if g["query"] == "basic")
    counted = _query_totals(summary, "basic").get("records_lost", -1)
    d.result.details += [
        MESSAGES("loss_first", code=first.returncode, read=read_up_to, unread=unread),
        MESSAGES("loss_strict", code=strict.returncode, unchanged=unchanged, line=strict_line[:300]),
        MESSAGES("loss_lenient", code=lenient.returncode, skipped=skipped, counted=counted),
    ]
    if (
        first.returncode != 0
        or not unread
        or strict.returncode != 1
        or not unchanged
        or "--fail-on-data-loss false" not in strict_line
        or lenient.returncode != 0
        or skipped != unread
        or counted != unread
    ):
        d.result.ok = False
        d.result.details.append(MESSAGES("loss_expected", unread=unread))
    _compare_ids(d.result, [r["event_id"] for r in _parquet_rows(out)], read | survived)
    return d.result


def _summary(path: Path) -> dict:
    """A job's --summary (streamlab.runner), or {} if it wrote none (it failed before the end)."""
    return json.loads(path.read_text()) if path.exists() else {}


def _query_totals(path: Path, query: str) -> dict[str, int]:
    return _summary(path).get("queries", {}).get(query, {})


DRILLS = {
    "driver-kill": driver_kill,
    "python-sink-kill": python_sink_kill,
    "stop-produce-restart": stop_produce_restart,
    "worker-loss": worker_loss,
    "broker-restart": broker_restart,
    "bad-input": bad_input,
    "late-data": late_data,
    "state-incompatible": state_incompatible,
    "data-loss": data_loss,
    "bad-config": bad_config,
}


def run(names: list[str], size: str = "small", environ: dict[str, str] | None = None) -> list[Result]:
    results = []
    for name in names:
        print(MESSAGES("starting", name=name, size=size), flush=True)
        t0 = time.monotonic()
        try:
            drill = Drill(name, environ, size)
            result = DRILLS[name](drill)
            if result.passed:
                drill.delete_topics()
        except Exception as exc:  # noqa: BLE001 - a drill that breaks is a failed drill, said in one line
            last = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
            result = Result(name, ok=False, details=[MESSAGES("broke", error=f"{type(exc).__name__}: {last}")])
        result.details.append(MESSAGES("took", seconds=f"{time.monotonic() - t0:.0f}"))
        print(result.line(), flush=True)
        results.append(result)
    print(
        MESSAGES(
            "summary",
            run=len(results),
            passed=sum(r.passed for r in results),
            checked=number(sum(r.checked for r in results), language()),
            lost=sum(r.lost for r in results),
            duplicated=sum(r.duplicated for r in results),
        )
    )
    return results
