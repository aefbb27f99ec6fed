"""Run a job's queries: for a duration, until they finish (availableNow), or until Ctrl-C.

`run(job, opts, start)` builds the session, attaches the metrics listener, calls
`start(spark) -> [StreamingQuery]` and waits, returning the process exit code:
- 0: the duration ran out, every query finished, or SIGINT/SIGTERM stopped them gracefully.
  Stopping leaves the checkpoints consistent: the next run resumes after the last committed batch.
- 1: a query failed. One line names the query and the cause. A checkpoint that the query no
  longer matches also gets the hint `make reset JOB=<job>`. So does a restart after Kafka's
  retention deleted records the job had not read yet (streamlab.dataloss), unless the job was
  started with --fail-on-data-loss false: then the gap is logged, counted, and skipped.
- 2: bad options (argparse, before Spark starts).

A job that refuses to start for a reason it can say in one line (e.g. real-time mode without a
core per Kafka partition, jobs/realtime.py) raises `CannotStart` from its `start`: that line is
printed as it is, and the run returns 1. A job in real-time mode sets `opts.real_time` (its batch
duration): its batches last that long by design, so the first batch's line is not compared with
a trigger interval.

`--summary FILE` writes the run's figures as JSON at the end, for scripts and drills to read
instead of log lines: {"job", "exit_code", "skipped_at_start": [gaps, see streamlab.dataloss],
"queries": {name: {batches, input_rows, output_rows, late_rows_dropped, duplicates_dropped, records_lost}}}. The
query figures are the listener's metrics (streamlab.listener.TOTALS), so nothing is counted twice.
"""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import sys
import time
from pathlib import Path

from streamlab.wait import WaitTimeout, wait_for

# Spark's messages when a restarted query does not match the state in its checkpoint.
STATE_MISMATCH_MARKERS = (
    "STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE",
    "STATE_STORE_VALUE_SCHEMA_NOT_COMPATIBLE",
    "StateSchemaNotCompatible",
    "STREAMING_STATEFUL_OPERATOR_NOT_MATCH_IN_STATE_METADATA",
    "not compatible with the existing state",
    "STATE_STORE_INVALID_CONFIG_AFTER_RESTART",
    "is not compatible with the checkpoint",
    "STATEFUL_OPERATOR",
    "STATE_SCHEMA",
    "Provided schema doesn't match to the schema for existing state",
    "UNSUPPORTED_CHANGE_OF",
    "STDS_",
    "CANNOT_LOAD_STATE_STORE",
    "the checkpoint's events were made with other options",  # streamlab.datasources' lab_events
)
# The exception a Python worker raised (a Python data source's, a UDF's), in the traceback that
# Spark's message quotes after its own first line: `module.SomeError: message`.
PYTHON_ERROR = re.compile(r"^\s*(?:\w+\.)*\w*(?:Error|Exception): (.+)$", re.M)


class CannotStart(Exception):
    """A job's own refusal to start, in one line that names the job, the cause and the way on."""


def log(job: str, message: str) -> None:
    print(f"[{job}] {message}", file=sys.stderr, flush=True)


def describe_failure(job: str, query_name: str, exc: BaseException | str) -> str:
    text = str(exc).strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "unknown error")
    _, traceback, raised = text.partition("Traceback (most recent call last):")
    found = PYTHON_ERROR.search(raised) if traceback else None
    if found:  # Spark's first line only says a Python worker failed: say why
        first = found.group(1).strip()
    first = first.removeprefix(f"{job}: ")
    line = f"{job}: query {query_name} failed: {first[:600]}"
    if "make reset JOB=" in first:
        return line
    if any(marker in text for marker in STATE_MISMATCH_MARKERS):
        line += f" -- the query no longer matches its checkpoint; run `make reset JOB={job}` to start over"
    return line


class _Stop:
    def __init__(self):
        self.requested = False
        self.signal = None

    def __call__(self, signum, _frame):
        self.requested = True
        self.signal = signal.Signals(signum).name


# A session that outlives each job (set by jobs/_warm.py): run() then uses it and leaves it
# running, so that several jobs pay spark-submit's start-up and the executor's warm-up once.
WARM_SESSION = None


def name_of(query) -> str:
    """A query's name, or its id when it has none (a learner's query need not be named): what the
    listener labels its metrics with too."""
    return query.name or str(query.id)


class BatchLine:
    """A job's line after each batch of one query (its `on_batch`), made from the listener's totals
    (the run's counters), so nothing is counted twice. A subclass names the total it follows
    (`key`) and writes `text(progress, totals, delta)`, where delta is what that total grew by in
    this batch."""

    key = ""

    def __init__(self, query_name: str):
        self.query_name = query_name
        self.previous = 0  # the total at the previous batch

    def text(self, p, totals: dict[str, int], delta: int) -> str:
        raise NotImplementedError

    def line(self, p, totals: dict[str, int]) -> str | None:
        if p.name != self.query_name:
            return None
        delta, self.previous = totals[self.key] - self.previous, totals[self.key]
        return self.text(p, totals, delta)

    def print(self, p, totals: dict[str, int]) -> None:
        line = self.line(p, totals)
        if line:
            print(line, flush=True)


def run(job: str, opts, start, conf: dict[str, str] | None = None, on_batch=None) -> int:
    """`on_batch(progress, totals)`, if given, runs after the listener records each batch (see
    streamlab.listener.PrometheusListener.on_batch)."""
    from streamlab import listener, options, session

    config = opts.config
    port = opts.metrics_port if opts.metrics_port is not None else config.metrics_port
    bind = config.metrics_host  # 0.0.0.0 in a container, so Prometheus reaches it
    try:  # before Spark starts: a taken port is then one line, with no session to tear down
        metrics = listener.serve(port, bind)
    except OSError as exc:
        print(
            f"{job}: cannot serve metrics on port {port} ({exc.strerror}); is another job running? "
            f"Pass --metrics-port to use another port.",
            file=sys.stderr,
        )
        return 1
    spark = WARM_SESSION or session.build(job, conf)
    exporter = listener.attach(spark, job, metrics)
    if on_batch is not None:
        exporter.on_batch.append(on_batch)
    stop = _Stop()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    from streamlab.dataloss import DataLoss

    gaps = []
    try:
        gaps = _check_data_loss(job, opts)
        queries = start(spark)
    except (DataLoss, CannotStart) as exc:  # already one line that names the job and the ways on
        print(exc, file=sys.stderr)
        _close(spark, exporter)
        return _summarise(opts, job, 1, exporter.summary(), gaps)
    except Exception as exc:  # noqa: BLE001 - analysis errors, a checkpoint that does not match, ...
        print(describe_failure(job, job, exc), file=sys.stderr)
        _close(spark, exporter)
        return _summarise(opts, job, 1, exporter.summary(), gaps)
    names = ", ".join(name_of(q) for q in queries)
    shown = "127.0.0.1" if bind == "0.0.0.0" else bind  # a container's port is published on 127.0.0.1
    log(job, f"started {names}; metrics on http://{shown}:{port}/metrics" if port else f"started {names}")
    deadline = time.monotonic() + opts.duration if opts.duration else None
    real_time = getattr(opts, "real_time", None)
    code = _wait(job, queries, stop, deadline, None if real_time else options.trigger_seconds(opts.trigger), real_time)
    _settle(spark)
    _close(spark, exporter)  # drains the listener bus, so the counts below are final
    figures = exporter.summary()
    for name, totals in figures.items():
        if totals["records_lost"]:
            log(
                job,
                f"data loss: query {name} skipped {totals['records_lost']} Kafka records that retention deleted "
                f"before they were read (streaming_kafka_records_lost_total)",
            )
    code = _summarise(opts, job, code, figures, gaps)
    if port and config.final_scrape_seconds:  # so `make report` counts the last batches too
        metrics.wait_for_scrape(config.final_scrape_seconds)
    return code


def _summarise(opts, job: str, code: int, figures: dict, gaps) -> int:
    """Write --summary (see the module's doc), if asked; return `code`."""
    if opts.summary:
        summary = {
            "job": job,
            "exit_code": code,
            "skipped_at_start": [{**dataclasses.asdict(g), "records": g.records} for g in gaps],
            "queries": figures,
        }
        Path(opts.summary).write_text(json.dumps(summary, indent=2) + "\n")
    return code


def release(spark) -> None:
    """Stop a session the job built (the warm one stays up for the next job)."""
    if spark is not WARM_SESSION:
        spark.stop()


def _close(spark, exporter) -> None:
    """Stop the session, or, if it is the warm one, deliver the listener's pending events and detach it."""
    if spark is WARM_SESSION:
        spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty(30_000)
        spark.streams.removeListener(exporter)
    release(spark)


def _check_data_loss(job: str, opts) -> list:
    """Before any query starts: records that retention deleted since the checkpoint (see dataloss).
    Returns the gaps the queries will skip (raises DataLoss instead with --fail-on-data-loss true)."""
    from streamlab import dataloss, sinks

    root = sinks.checkpoint_root(opts, job)
    if "://" in str(root) and not str(root).startswith("file:"):
        return []  # remote checkpoints are not inspected
    found = dataloss.check(Path(str(root).removeprefix("file:")), job, opts.fail_on_data_loss, opts.config.bootstrap)
    for gap in found:
        log(
            job,
            f"data loss: skipping {gap.records} records of {gap.topic}[{gap.partition}] (offsets {gap.start}-"
            f"{gap.earliest - 1}) for query {gap.query}: Kafka retention deleted them before they were read",
        )
    return found


FIRST_BATCH_NOTE = (
    "a first batch is the slowest: the executor loads classes, opens its Kafka clients and compiles "
    "the query's code once; the next batches show the steady cost"
)
REAL_TIME_NOTE = (
    "in real-time mode a batch lasts its duration, the checkpoint interval: its records were written "
    "as they arrived, not at its end"
)


# Where a batch's time goes (StreamingQueryProgress.durationMs), in words.
_PHASES = (("addBatch", "processing"), ("queryPlanning", "planning"), ("latestOffset", "reading offsets"))


def first_batch_line(progress, trigger_seconds: float | None = None) -> str:
    """One line on a query's first batch in this run, from its StreamingQueryProgress. A batch
    longer than the trigger interval also owns up to Spark's warning about it."""
    ms = progress.durationMs or {}
    seconds = ms.get("triggerExecution", 0) / 1000
    parts = ", ".join(f"{ms[key] / 1000:.1f} s {words}" for key, words in _PHASES if key in ms)
    started = progress.timestamp[11:23] if progress.timestamp else "?"
    line = (
        f"{progress.name or progress.id}: first batch took {seconds:.1f} s ({progress.numInputRows:,} rows; {parts}; "
        f"started {started} UTC)"
    )
    if trigger_seconds and seconds > trigger_seconds:
        line += f", longer than the {trigger_seconds:g} s trigger: hence Spark's 'Current batch is falling behind'"
    return line


def _wait(
    job: str, queries, stop: _Stop, deadline: float | None, trigger_seconds: float | None, real_time: str | None = None
) -> int:
    told: set[str] = set()  # queries whose first batch was logged
    note = REAL_TIME_NOTE if real_time else FIRST_BATCH_NOTE
    while True:
        _log_first_batches(job, queries, told, trigger_seconds, note)
        for q in queries:
            if not q.isActive:
                exc = q.exception()
                if exc is not None:
                    print(describe_failure(job, name_of(q), exc.desc if hasattr(exc, "desc") else exc), file=sys.stderr)
                    _stop_all(queries)
                    return 1
        if all(not q.isActive for q in queries):
            log(job, "all queries finished")
            return 0
        if stop.requested or (deadline and time.monotonic() >= deadline):
            why = f"{stop.signal} received" if stop.requested else "duration reached"
            log(job, f"{why}: stopping {', '.join(name_of(q) for q in queries if q.isActive)} gracefully")
            _stop_all(queries)
            return 0
        active = next(q for q in queries if q.isActive)
        try:
            active.awaitTermination(0.5)
        except Exception:  # noqa: BLE001 - the loop above reports the failure, with the query's name
            pass


def _log_first_batches(
    job: str, queries, told: set[str], trigger_seconds: float | None, note: str = FIRST_BATCH_NOTE
) -> None:
    for q in queries:
        if name_of(q) in told:
            continue
        progress = q.recentProgress[:1]
        if progress:
            told.add(name_of(q))
            line = first_batch_line(progress[0], trigger_seconds)
            log(job, line + (f"; {note}" if len(told) == 1 else ""))


def _settle(spark, timeout: float = 10.0) -> None:
    """Wait (at most `timeout` s) until no task runs on any executor. Stopping a query cancels
    its running batch; the killed tasks report back to the driver a moment later, and a driver
    already stopped answers each report with an ERROR and a stack trace (Could not find
    CoarseGrainedScheduler). Best effort: after `timeout` the job stops anyway."""
    tracker = spark.sparkContext._jsc.sc().statusTracker()
    try:
        wait_for(
            lambda: not any(e.numRunningTasks() for e in tracker.getExecutorInfos()),
            timeout,
            "the executors' tasks to end",
            interval=0.1,
        )
    except WaitTimeout:
        pass


def _stop_all(queries, patience: float = 15.0) -> None:
    """Stop each query between two batches where it can (waiting at most `patience` s in all for
    running batches to end): stopping mid-batch cancels its tasks, and a task interrupted while
    Hadoop writes a checkpoint file prints a stack trace though nothing is wrong."""
    deadline = time.monotonic() + patience
    for q in queries:
        try:
            wait_for(
                lambda q=q: not (q.isActive and q.status["isTriggerActive"]),
                max(0.0, deadline - time.monotonic()),
                f"{name_of(q)}'s batch to end",
                interval=0.1,
            )
        except WaitTimeout:
            pass  # stop it mid-batch: its checkpoint stays consistent either way
        if q.isActive:
            q.stop()
