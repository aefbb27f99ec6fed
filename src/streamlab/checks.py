"""What a learner's exercise code does on the check's input: `make check`'s driver side
(jobs/_check.py, one driver for many files) and the notebooks' check cells (in the kernel's own
session). It records facts and decides nothing: lab.course.exercises judges them against ground truth
read from Kafka.

Contract:
- `observe(exercise, spark, found, inp, work, seconds)` runs the learner's functions (`found`: a
  module, or any object with them as attributes) on the input `inp` describes, and returns what
  it saw as a JSON-able dict:
  - `error`: what the learner's code raised (its Python class, Spark's error condition and message
    parameters, the message's first line), or nothing;
  - `missing_function`, `not_a_query`, `no_query`, `timeout` (seconds), `await_termination`
    (True: a function that must return its query waited in `awaitTermination()` instead);
  - exercise 1: whether the DataFrame streams, its columns, and the rows it produced;
  - exercise 2: its columns, the watermarks in its plan, and every batch's updated rows;
  - exercise 3: the query's sink, output mode and checkpoint, and its progress before and after a
    restart on the same checkpoint folder;
  - capstone: the same for its Parquet sink, and the rows it wrote;
  - exercise 4 (the learner's whole pipeline, a script whose `main()` blocks in
    `awaitTermination()` by design): the facts of its two runs, whether `main()` returned while
    its query ran (`returned_early`), and its state at the end (the counts its complete-mode
    output shows), read from its checkpoint.
- Every file gets at most `seconds`: past them the learner's queries are stopped, and if its code
  still does not return, it is left behind and `timeout` recorded. No learner code can make the
  caller wait longer.
- Timestamps are written as microseconds since 1970 (UTC), whatever the session's time zone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

FUNCTIONS = {
    "1": "read_page_views",
    "2": "windowed_counts",
    "3": "start_output",
    "4": "main",
    "capstone": "paid_revenue",
}
# Exercise 4's script imports the learner's three functions from the files beside it.
SIBLINGS = ("ex1_read_kafka", "ex2_windowing", "ex3_output")
# `~EventTimeWatermark 5fad5912-..., event_time#12: timestamp, 10 minutes`
WATERMARK = re.compile(r"EventTimeWatermark (?:[0-9a-f-]{36}, )?(\w+)#\d+: \w+, (.+)$")
# pyspark's calls that wait for a query to end (StreamingQuery, StreamingQueryManager).
AWAITS = ("awaitTermination", "awaitAnyTermination")
POLL = 0.2


class FileTimeout(Exception):
    """The file's time is up."""


@dataclasses.dataclass(frozen=True)
class Input:
    """The check's input: its topics (page_views, or orders and payments), how many records they
    hold (exercise 4: how many its live producer writes in all) and the records per micro-batch."""

    bootstrap: str
    topics: dict[str, str]
    records: int
    batch: int


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self) -> None:
        if not self.left():
            raise FileTimeout()


# --- running the learner's code --------------------------------------------------------------------


def load(path: Path, name: str):
    """A learner's file as a module of its own, sent to the executors by value (they have
    streamlab, not the learner's file). Exercise 4's siblings beside it are loaded first, under
    their own names, so that its `from ex2_windowing import windowed_counts` finds this learner's."""
    from pyspark import cloudpickle

    for sibling in SIBLINGS:
        sys.modules.pop(sibling, None)
        if path.name.startswith("ex4") and (path.parent / f"{sibling}.py").exists():
            sys.modules[sibling] = _module(path.parent / f"{sibling}.py", sibling)
            cloudpickle.register_pickle_by_value(sys.modules[sibling])
    module = _module(path, name)
    cloudpickle.register_pickle_by_value(module)
    return module


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclasses.dataclass
class Call:
    value: object = None
    error: BaseException | None = None
    blocked: bool = False  # it waited in awaitTermination() (with no timeout)
    thread: threading.Thread | None = None

    def done(self) -> bool:
        return not self.thread.is_alive()


def start(fn, *args) -> Call:
    """Call the learner's `fn` in a thread of its own: its code may block, or never return."""
    call = Call()

    def target():
        try:
            call.value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything, SystemExit too
            call.error = exc

    call.thread = threading.Thread(target=target, name=f"learner {getattr(fn, '__name__', fn)}", daemon=True)
    call.thread.start()
    return call


def waiting_in_await(thread: threading.Thread) -> bool:
    """The thread is inside pyspark's awaitTermination() (or awaitAnyTermination()) with no timeout:
    it waits until the query ends, which a streaming query never does by itself."""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        code = frame.f_code
        if code.co_name in AWAITS and "pyspark" in code.co_filename and frame.f_locals.get("timeout") is None:
            return True
        frame = frame.f_back
    return False


def finish(call: Call, deadline: Deadline, on_await=None) -> Call:
    """Wait for the call to return. If it waits in awaitTermination(), note it and run
    `on_await()` (which ends the wait by stopping the query); past the deadline, raise FileTimeout."""
    while not call.done():
        call.thread.join(POLL)
        if not call.done() and not call.blocked and waiting_in_await(call.thread):
            call.blocked = True
            if on_await is not None:
                on_await()
        deadline.check()
    return call


def value_of(call: Call):
    if call.error is not None:
        raise call.error
    return call.value


def called(fn, *args, deadline: Deadline):
    """fn(*args) within the deadline (a learner's function that should return at once)."""
    return value_of(finish(start(fn, *args), deadline))


# --- what is observed ------------------------------------------------------------------------------


def error_of(exc: BaseException) -> dict:
    from pyspark.errors import PySparkException

    spark_class, params = None, {}
    if isinstance(exc, PySparkException):
        spark_class = exc.getCondition() if hasattr(exc, "getCondition") else exc.getErrorClass()
        params = exc.getMessageParameters() or {}
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return {
        "type": type(exc).__name__,
        "spark_class": spark_class,
        "params": {k: str(v) for k, v in params.items()},
        "message": lines[0][:500] if lines else "",
    }


def columns(df) -> dict[str, str]:
    return {f.name: f.dataType.simpleString() for f in df.schema.fields}


def portable(df):
    """The DataFrame with every timestamp as microseconds since 1970, and a window struct as its
    two ends: values that mean the same in any time zone, and fit in JSON."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    cols = []
    for f in df.schema.fields:
        c = F.col(f"`{f.name}`")
        if isinstance(f.dataType, T.TimestampType | T.TimestampNTZType):
            cols.append(F.unix_micros(c.cast("timestamp")).alias(f.name))
        elif isinstance(f.dataType, T.StructType) and {"start", "end"} <= set(f.dataType.names):
            cols.append(F.unix_micros(c["start"].cast("timestamp")).alias(f"{f.name}.start"))
            cols.append(F.unix_micros(c["end"].cast("timestamp")).alias(f"{f.name}.end"))
        elif isinstance(f.dataType, T.BinaryType):
            cols.append(c.cast("string").alias(f.name))
        else:
            cols.append(c.alias(f.name))
    return df.select(*cols)


def plan_of(df) -> str:
    return df._jdf.queryExecution().analyzed().toString()


def watermarks(df) -> list[dict]:
    found = []
    for line in plan_of(df).splitlines():
        m = WATERMARK.search(line)
        if m:
            found.append({"column": m.group(1), "delay": m.group(2).strip()})
    return found


def joins(df) -> list[str]:
    return [m.group(1) for m in re.finditer(r"Join (\w+)", plan_of(df))]


def collect(df, mode: str, checkpoint: Path, deadline: Deadline) -> list[list[dict]]:
    """Run `df` to the end of the input (availableNow) and return each batch's rows."""
    batches: list[list[dict]] = []

    def keep(batch, batch_id):
        batches.append([r.asDict() for r in batch.collect()])

    query = (
        portable(df)
        .writeStream.foreachBatch(keep)
        .outputMode(mode)
        .trigger(availableNow=True)
        .option("checkpointLocation", str(checkpoint))
        .start()
    )
    try:
        if not query.awaitTermination(deadline.left()):
            raise FileTimeout()
    finally:
        query.stop()
    return batches


def events(spark, inp: Input, topic_key: str):
    """The check's page views, orders or payments, read by the lab's own Kafka reader and parser
    (streamlab.sources: from the earliest offset, `inp.batch` records per micro-batch): the
    schema's fields. Page views also keep Kafka's `timestamp`, as exercise 1 would give them."""
    from streamlab import schemas, sources
    from streamlab.config import Config

    opts = SimpleNamespace(
        config=dataclasses.replace(Config.from_env({}), bootstrap=inp.bootstrap),
        topic=None,
        starting_offsets="earliest",
        fail_on_data_loss=True,
        max_offsets_per_trigger=inp.batch,
        kafka_option=[],
    )
    valid, _ = sources.events(spark, topic_key, opts, topic=inp.topics[topic_key])
    kafka_time = [valid["kafka_timestamp"].alias("timestamp")] if topic_key == "page_views" else []
    return valid.select(*schemas.SCHEMAS[topic_key].names, *kafka_time)


def window_counts(page_views):
    """Exercise 2's result, the input exercise 3 is given: page views per country in 5-minute
    windows of event time, with a 10-minute watermark."""
    from pyspark.sql import functions as F

    return (
        page_views.withWatermark("event_time", "10 minutes")
        .groupBy(F.window("event_time", "5 minutes"), "country")
        .count()
    )


def progress(query) -> list[dict]:
    return [{"batch": p["batchId"], "input_rows": p["numInputRows"]} for p in query.recentProgress]


def facts(query) -> dict:
    """What the learner's query is: its sink, output mode and checkpoint (from the JVM's
    StreamExecution, which PySpark does not expose), and its progress."""
    execution = query._jsq.streamingQuery()
    return {
        "sink": (query.lastProgress or {}).get("sink", {}).get("description", ""),
        "output_mode": execution.outputMode().toString(),
        "checkpoint": execution.resolvedCheckpointRoot(),
        "progress": progress(query),
    }


def _read_so_far(p) -> int:
    """The records before the batch's end offsets, in every source."""
    ends = [s.get("endOffset") or {} for s in p["sources"]]
    ends = [json.loads(e) if isinstance(e, str) else e for e in ends]  # the Kafka source's is JSON text
    return sum(int(o) for end in ends for part in end.values() for o in part.values())


def wait_query(query, done, deadline: Deadline) -> None:
    """Wait until `done()` or the query ends; its failure is raised; past the deadline, FileTimeout."""
    while True:
        if query.exception() is not None:
            raise query.exception()
        if not query.isActive or done():
            return
        deadline.check()
        time.sleep(POLL)


def run_to_end(query, records: int, restarted: bool, deadline: Deadline, settled: bool = False) -> None:
    """Wait until the query has read every record: a first run, or a restart that starts over.
    A restart that resumes from its checkpoint reads nothing: it is done at its first (idle)
    progress report. `settled`: the query has also reached the input's end offsets and then run
    a batch or idle report that read nothing (its watermark's last no-data batch is done)."""

    def done():
        recent = query.recentProgress
        if settled:
            ends = [i for i, p in enumerate(recent) if _read_so_far(p) >= records]
            return bool(ends) and any(p["numInputRows"] == 0 for p in recent[ends[0] + 1 :])
        read = sum(p["numInputRows"] for p in recent)
        return read >= records or (restarted and query.lastProgress is not None and read == 0)

    wait_query(query, done, deadline)


def first_batches(query, deadline: Deadline) -> None:
    """Wait until the query has committed a batch that read records: where a check restarts it."""
    wait_query(query, lambda: any(p["numInputRows"] for p in query.recentProgress), deadline)


def read_all(query, records: int, deadline: Deadline) -> None:
    """Wait until the query's batches have reached `records` offsets in all (a live input's end)."""
    wait_query(query, lambda: any(_read_so_far(p) >= records for p in query.recentProgress), deadline)


def query_ids(spark) -> set[str]:
    return {str(q.id) for q in spark.streams.active}


def the_query(spark, deadline: Deadline, call: Call | None = None, before: frozenset = frozenset()):
    """The streaming query the learner's code started, not one of `before` (the ids of the queries
    that were active before: a notebook's kernel may run others). None if it started none and
    returned, or raised."""
    while True:
        active = [q for q in spark.streams.active if str(q.id) not in before]
        if active:
            return active[0]
        if call is not None and call.done():
            return None
        deadline.check()
        time.sleep(POLL)


def warm_up(spark, inp: Input) -> None:
    """Read the input once, in batch: the executors start and open their Kafka clients before the
    first learner's file runs."""
    for topic in inp.topics.values():
        spark.read.format("kafka").option("kafka.bootstrap.servers", inp.bootstrap).option(
            "subscribe", topic
        ).load().count()


# --- the exercises ---------------------------------------------------------------------------------


def observe_1(spark, found, inp: Input, work: Path, deadline: Deadline) -> dict:
    df = called(found.read_page_views, spark, inp.bootstrap, inp.topics["page_views"], deadline=deadline)
    seen = {"streaming": df.isStreaming, "columns": columns(df)}
    if df.isStreaming:
        seen["batches"] = collect(df, "append", work / "checkpoint", deadline)
    return seen


def observe_2(spark, found, inp: Input, work: Path, deadline: Deadline) -> dict:
    df = called(found.windowed_counts, events(spark, inp, "page_views"), deadline=deadline)
    seen = {"columns": columns(df), "watermarks": watermarks(df)}
    seen["batches"] = collect(df, "update", work / "checkpoint", deadline)
    return seen


def observe_3(spark, found, inp: Input, work: Path, deadline: Deadline) -> dict:
    checkpoint = work / "learner-checkpoint"
    seen: dict = {"given_checkpoint": str(checkpoint), "runs": []}
    for restarted in (False, True):
        counts = window_counts(events(spark, inp, "page_views"))
        waited: list[dict] = []
        before = frozenset(query_ids(spark))

        def record_then_stop(restarted=restarted, before=before, waited=waited):
            # The function waits in awaitTermination(): its query runs meanwhile. Take what it
            # does, then stop it, which ends the wait.
            query = the_query(spark, deadline, before=before)
            try:
                run_to_end(query, inp.records, restarted, deadline)
                waited.append(facts(query))
            finally:
                query.stop()

        call = finish(start(found.start_output, counts, str(checkpoint)), deadline, on_await=record_then_stop)
        if call.blocked:
            seen["await_termination"] = True
            seen["runs"] += waited
            return seen
        query = value_of(call)
        if not hasattr(query, "_jsq"):  # not a StreamingQuery: nothing to run
            return {**seen, "not_a_query": type(query).__name__}
        try:
            run_to_end(query, inp.records, restarted, deadline)
            seen["runs"].append(facts(query))
        finally:
            query.stop()
    return seen


def observe_capstone(spark, found, inp: Input, work: Path, deadline: Deadline) -> dict:
    """The learner's whole pipeline with the learner's sink, stopped after its first batches and
    started again on the same checkpoint, then run to the end of the input (every window closed)."""
    output, checkpoint = work / "output", work / "learner-checkpoint"
    seen: dict = {"given_checkpoint": str(checkpoint), "given_output": str(output), "runs": []}
    for restarted in (False, True):
        orders, payments = events(spark, inp, "orders"), events(spark, inp, "payments")
        result = called(found.paid_revenue, orders, payments, deadline=deadline)
        if not restarted:
            seen.update(columns=columns(result), watermarks=watermarks(result), join=joins(result))
        call = finish(start(found.start_sink, result, str(output), str(checkpoint)), deadline)
        query = value_of(call)
        if not hasattr(query, "_jsq"):
            return {**seen, "not_a_query": type(query).__name__}
        try:
            if restarted:
                run_to_end(query, inp.records, False, deadline, settled=True)
            else:
                first_batches(query, deadline)
            seen["runs"].append(facts(query))
        finally:
            query.stop()
    written = list(output.rglob("*.parquet")) if output.exists() else []
    seen["rows"] = [r.asDict() for r in portable(spark.read.parquet(str(output))).collect()] if written else []
    return seen


def observe_4(spark, found, inp: Input, work: Path, deadline: Deadline) -> dict:
    """The learner's script, run as `make submit JOB=pipeline` runs it but in this driver: its
    `main()` twice on the same checkpoint while a producer writes the topic, the first run stopped
    after a batch that read records, the second once it has read everything the producer wrote;
    then the state its complete mode shows, read from its checkpoint."""
    from streamlab import state

    seen: dict = {"runs": []}
    for restarted in (False, True):
        before = frozenset(query_ids(spark))
        call = start(found.main)
        query = the_query(spark, deadline, call, before)
        if query is None:
            value_of(call)  # its error, if it raised one
            return {**seen, "no_query": True}
        try:
            if restarted:
                read_all(query, inp.records, deadline)
            else:
                first_batches(query, deadline)
                if call.done() and call.error is None:  # a script would end here, and its query with it
                    seen["returned_early"] = True
            seen["runs"].append(facts(query))
        finally:
            query.stop()
        finish(call, deadline)  # main() returns once its query has stopped
        if call.error is not None and not _stopped_query_error(call.error):
            raise call.error
    checkpoint = seen["runs"][-1]["checkpoint"].removeprefix("file:")
    if Path(checkpoint).name.startswith("temporary-") or not Path(checkpoint).exists():
        return seen
    stores = state.stores(spark, checkpoint)
    if stores:
        seen["state"] = [r.asDict() for r in portable(state.read(spark, checkpoint, stores[0])).collect()]
    return seen


def _stopped_query_error(exc: BaseException) -> bool:
    """What some scripts' awaitTermination() raises when the query is stopped from outside."""
    return "stopped" in str(exc).lower() and "Query" in str(exc)


OBSERVERS = {"1": observe_1, "2": observe_2, "3": observe_3, "4": observe_4, "capstone": observe_capstone}


def observe(exercise: str, spark, found, inp: Input, work: Path, seconds: float) -> dict:
    """What the learner's code in `found` does on the check's input, in at most `seconds` (see the
    module's contract). Whatever it leaves running is stopped."""
    fn = FUNCTIONS[exercise]
    if not callable(getattr(found, fn, None)):
        return {"missing_function": fn}
    deadline = Deadline(seconds)
    before = query_ids(spark)
    seen: dict = {}
    try:
        seen = OBSERVERS[exercise](spark, found, inp, work, deadline)
    except FileTimeout:
        seen["timeout"] = seconds
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything: it is what we observe
        seen["error"] = error_of(exc)
    finally:
        for query in spark.streams.active:  # whatever the learner's code left running
            if str(query.id) not in before:
                query.stop()
    return seen


def environment(exercise: str, inp: Input, work: Path) -> dict[str, str]:
    """What exercise 4's script reads from the environment, as `make submit` sets it: Kafka's
    address, the topic, and a checkpoint root of this file's own."""
    if exercise != "4":
        return {}
    return {
        "KAFKA_BOOTSTRAP": inp.bootstrap,
        "TOPIC_PAGE_VIEWS": inp.topics["page_views"],
        "CHECKPOINT_ROOT": str(work / "checkpoints"),
    }


@contextlib.contextmanager
def environment_set(values: dict[str, str]):
    """os.environ with `values` set, restored on exit."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
