"""One observer per exercise, and `observe`, which runs the right one on a learner's functions
within the file's time limit and records what happened (see streamlab.checks for the facts each
exercise records). Every observer returns a JSON-able dict; none judges it."""

from __future__ import annotations

from pathlib import Path

from streamlab.checks.calls import called, error_of, finish, start, value_of
from streamlab.checks.dataframes import collect, columns, joins, portable, watermarks
from streamlab.checks.deadline import Deadline, FileTimeout
from streamlab.checks.inputs import Input, events, window_counts
from streamlab.checks.queries import facts, first_batches, is_query, query_ids, read_all, run_to_end, the_query

# The function each exercise's file must define.
FUNCTIONS = {
    "1": "read_page_views",
    "2": "windowed_counts",
    "3": "start_output",
    "4": "main",
    "capstone": "paid_revenue",
}


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
        if not is_query(query):  # not a StreamingQuery: nothing to run
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
        if not is_query(query):
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
    """What the learner's code in `found` does on the check's input, in at most `seconds` (see
    streamlab.checks' contract). Whatever it leaves running is stopped."""
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
