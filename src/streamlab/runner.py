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

Every line is in the language of the job's process (LAB_LANG, which the lab sets: streamlab.i18n).
A query's first batch in this run gets one line (`first_batch_line`: its time and where it went);
later batches longer than the trigger interval get one line when the first comes and then at most
one per query every SLOW_EVERY seconds (`SlowBatches`), so the lab's log4j2.properties can hide
Spark's own warning for each ("Current batch is falling behind") without hiding anything.

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
import string
import sys
import threading
import time
from pathlib import Path

from streamlab.i18n import Catalogue, language, number
from streamlab.session import is_connect, leave, remove_listener
from streamlab.wait import WaitTimeout, wait_for

MESSAGES = Catalogue.load("streamlab", "runner")


def _longest_literal(catalogue: Catalogue, code: str) -> tuple[str, ...]:
    """The longest fixed text of a message in each language: a marker of it in another text."""
    return tuple(
        max((literal for literal, *_ in string.Formatter().parse(texts)), key=len)
        for texts in (catalogue.messages[code][lang] for lang in ("en", "es"))
    )


SLOW_EVERY = 60.0  # seconds: at most one line per query this often about batches longer than the trigger

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
)
# lab_events (streamlab.eventsource) refusing a checkpoint made with other options, in either language.
STATE_MISMATCH_MARKERS += _longest_literal(Catalogue.load("streamlab", "sources"), "events_changed")
# The exception a Python worker raised (a Python data source's, a UDF's), in the traceback that
# Spark's message quotes after its own first line: `module.SomeError: message`.
PYTHON_ERROR = re.compile(r"^\s*(?:\w+\.)*\w*(?:Error|Exception): (.+)$", re.M)


class CannotStart(Exception):
    """A job's own refusal to start, in one line that names the job, the cause and the way on."""


def log(job: str, message: str) -> None:
    print(f"[{job}] {message}", file=sys.stderr, flush=True)


def describe_failure(job: str, query_name: str, exc: BaseException | str) -> str:
    text = str(exc).strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), MESSAGES("unknown_error"))
    _, traceback, raised = text.partition("Traceback (most recent call last):")
    found = PYTHON_ERROR.search(raised) if traceback else None
    if found:  # Spark's first line only says a Python worker failed: say why
        first = found.group(1).strip()
    first = first.removeprefix(f"{job}: ")
    line = MESSAGES("query_failed", job=job, query=query_name, cause=first[:600])
    if "make reset JOB=" in first:
        return line
    if any(marker in text for marker in STATE_MISMATCH_MARKERS):
        line = MESSAGES("reset_hint", line=line, job=job)
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


def _session(job: str, conf: dict[str, str] | None):
    """The job's session; None, after one line, when a Spark Connect server (or the classroom's gate)
    refuses it."""
    from streamlab import session

    try:
        return session.build(job, conf)
    except Exception as exc:  # a Spark Connect server that refuses the job
        remote = session.remote()
        if not remote:
            raise
        print(MESSAGES("connect_failed", job=job, url=remote, reason=session.connect_error(exc)), file=sys.stderr)
        return None


def run(job: str, opts, start, conf: dict[str, str] | None = None, on_batch=None) -> int:
    """`on_batch(progress, totals)`, if given, runs after the listener records each batch (see
    streamlab.listener.PrometheusListener.on_batch)."""
    from streamlab import listener, options

    config = opts.config
    port = opts.metrics_port if opts.metrics_port is not None else config.metrics_port
    bind = config.metrics_host  # 0.0.0.0 in a container, so Prometheus reaches it
    try:  # before Spark starts: a taken port is then one line, with no session to tear down
        metrics = listener.serve(port, bind)
    except OSError as exc:
        print(MESSAGES("metrics_port_taken", job=job, port=port, reason=exc.strerror), file=sys.stderr)
        return 1
    spark = WARM_SESSION or _session(job, conf)
    if spark is None:
        return _summarise(opts, job, 1, {}, [])
    exporter = listener.attach(spark, job, metrics)
    if on_batch is not None:
        exporter.on_batch.append(on_batch)
    real_time = getattr(opts, "real_time", None)
    trigger = None if real_time else options.trigger_seconds(opts.trigger)
    slow = SlowBatches(job, trigger) if trigger else None
    if slow:
        exporter.on_batch.append(slow)
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
    url = f"http://{shown}:{port}/metrics"
    log(job, MESSAGES("started_metrics", queries=names, url=url) if port else MESSAGES("started", queries=names))
    deadline = time.monotonic() + opts.duration if opts.duration else None
    code = _wait(job, queries, stop, deadline, trigger, real_time)
    _settle(spark)
    closed = _close(spark, exporter, queries)  # drains the listener bus, so the counts below are final
    if slow:
        slow.flush()
    figures = exporter.summary()
    for name, totals in figures.items():
        if totals["records_lost"]:
            log(job, MESSAGES("records_lost", query=name, records=totals["records_lost"]))
    code = _summarise(opts, job, code, figures, gaps)
    if port and config.final_scrape_seconds:  # so `make report` counts the last batches too
        metrics.wait_for_scrape(config.final_scrape_seconds)
    return code if closed else leave(code)


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


def _close(spark, exporter, queries=()) -> bool:
    """Stop the session, or, if it is the warm one, deliver the listener's pending events and detach it.
    False when a Connect session's listener could not be removed (session.remove_listener)."""
    if spark is WARM_SESSION:
        spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty(30_000)
        spark.streams.removeListener(exporter)
    # A Connect session's stop would warn about its listener.
    removed = remove_listener(spark, exporter, {str(q.id) for q in queries}) if is_connect(spark) else True
    release(spark)
    return removed


def _check_data_loss(job: str, opts) -> list:
    """Before any query starts: records that retention deleted since the checkpoint (see dataloss).
    Returns the gaps the queries will skip (raises DataLoss instead with --fail-on-data-loss true)."""
    from streamlab import dataloss, sinks

    root = sinks.checkpoint_root(opts, job)
    if opts.config.paths_on_server or ("://" in str(root) and not str(root).startswith("file:")):
        return []  # remote checkpoints are not inspected
    found = dataloss.check(Path(str(root).removeprefix("file:")), job, opts.fail_on_data_loss, opts.config.bootstrap)
    for gap in found:
        log(
            job,
            MESSAGES(
                "skipping",
                records=gap.records,
                topic=gap.topic,
                partition=gap.partition,
                start=gap.start,
                end=gap.earliest - 1,
                query=gap.query,
            ),
        )
    return found


# Where a batch's time goes (StreamingQueryProgress.durationMs): the message of each phase.
_PHASES = (("addBatch", "phase_processing"), ("queryPlanning", "phase_planning"), ("latestOffset", "phase_offsets"))


def _seconds(value: float, lang: str) -> str:
    return number(value, lang, 1)


def first_batch_line(progress, trigger_seconds: float | None = None, lang: str | None = None) -> str:
    """One line on a query's first batch in this run, from its StreamingQueryProgress, in `lang`
    (default: the process's). A batch longer than the trigger interval says so: Spark's own
    warning about it is hidden (services/spark/log4j2.properties)."""
    lang = lang or language()
    ms = progress.durationMs or {}
    seconds = ms.get("triggerExecution", 0) / 1000
    parts = ", ".join(
        MESSAGES.text(code, lang, seconds=_seconds(ms[key] / 1000, lang)) for key, code in _PHASES if key in ms
    )
    line = MESSAGES.text(
        "first_batch",
        lang,
        query=progress.name or progress.id,
        seconds=_seconds(seconds, lang),
        rows=number(progress.numInputRows, lang),
        phases=parts,
        started=progress.timestamp[11:23] if progress.timestamp else "?",
    )
    if trigger_seconds and seconds > trigger_seconds:
        line = MESSAGES.text("first_batch_longer", lang, line=line, trigger=f"{trigger_seconds:g}")
    return line


class SlowBatches:
    """The listener's `on_batch` (progress, totals): a query's batches that take longer than the
    trigger interval, after its first in this run (`first_batch_line` says that one), told in one
    line. The first such batch is told at once; later ones at most once per `every` seconds per
    query, counted since the query's last line; `flush()` tells those left at the end. `say(line)`
    prints (default: the runner's log line, in the process's language)."""

    def __init__(self, job: str, trigger_seconds: float, every: float = SLOW_EVERY, clock=time.monotonic, say=None):
        self.job, self.trigger, self.every, self.clock = job, trigger_seconds, every, clock
        self.say = say or (lambda line: log(job, line))
        self.lang = language()
        self.first_seen: set[str] = set()
        self.pending: dict[str, list[tuple[float, int]]] = {}  # query -> [(seconds, batch id)] not told yet
        self.told_at: dict[str, float] = {}  # query -> when its last line was printed
        self.lock = threading.Lock()

    def __call__(self, progress, totals=None) -> None:
        name = progress.name or str(progress.id)
        seconds = (progress.durationMs or {}).get("triggerExecution", 0) / 1000
        with self.lock:
            if name not in self.first_seen:
                self.first_seen.add(name)
                return
            if seconds <= self.trigger:
                return
            self.pending.setdefault(name, []).append((seconds, progress.batchId))
            now = self.clock()
            if name not in self.told_at or now - self.told_at[name] >= self.every:
                self._tell(name, now)

    def flush(self) -> None:
        with self.lock:
            for name in [n for n, slow in self.pending.items() if slow]:
                self._tell(name, self.clock())

    def _tell(self, name: str, now: float) -> None:
        slow = self.pending.pop(name)
        seconds, batch = max(slow)
        params = {
            "query": name,
            "batch": batch,
            "seconds": _seconds(seconds, self.lang),
            "trigger": f"{self.trigger:g}",
        }
        if len(slow) == 1:
            line = MESSAGES.text("slow_batch", self.lang, **params)
        else:
            span = f"{now - self.told_at[name]:.0f}" if name in self.told_at else "?"
            line = MESSAGES.text("slow_batches", self.lang, count=len(slow), span=span, **params)
        self.told_at[name] = now
        self.say(line)


def _wait(
    job: str, queries, stop: _Stop, deadline: float | None, trigger_seconds: float | None, real_time: str | None = None
) -> int:
    told: set[str] = set()  # queries whose first batch was logged
    note = MESSAGES("real_time_note" if real_time else "first_batch_note")
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
            log(job, MESSAGES("all_finished"))
            return 0
        if stop.requested or (deadline and time.monotonic() >= deadline):
            why = MESSAGES("signal_received", signal=stop.signal) if stop.requested else MESSAGES("duration_reached")
            active = ", ".join(name_of(q) for q in queries if q.isActive)
            log(job, MESSAGES("stopping", why=why, queries=active))
            _stop_all(queries)
            return 0
        active = next((q for q in queries if q.isActive), None)
        if active is None:  # the last one finished since the check above: report it on the next turn
            continue
        try:
            active.awaitTermination(0.5)
        except Exception:  # noqa: BLE001 - the loop above reports the failure, with the query's name
            pass


def _log_first_batches(job: str, queries, told: set[str], trigger_seconds: float | None, note: str) -> None:
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
    if is_connect(spark):  # the server's executors: not this client's to watch
        return
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
