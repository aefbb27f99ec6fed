"""A learner's streaming query: found among the session's active ones, waited on until it has read
what the check needs (every wait ends early if the query fails, raising its failure, and raises
FileTimeout past the deadline), and described by its facts: sink, output mode, checkpoint and the
progress of its batches."""

from __future__ import annotations

import json
import time

from streamlab.checks.calls import Call
from streamlab.checks.deadline import POLL, Deadline
from streamlab.session import rows_read


def progress(query) -> list[dict]:
    return [{"batch": p["batchId"], "input_rows": rows_read(p)} for p in query.recentProgress]


# Over Spark Connect: each query's output mode and checkpoint, as its writer asked (query id -> facts).
_CONNECT_WRITERS: dict[str, dict] = {}


def record_connect_writers() -> None:
    """Over Spark Connect a query's output mode and checkpoint stay in the server: note them as each
    query starts, from its writer (once per process)."""
    from pyspark.sql.connect.streaming.readwriter import DataStreamWriter

    if getattr(DataStreamWriter, "_lab_recorded", False):
        return
    original = DataStreamWriter._start_internal

    def started(self, *args, **kwargs):
        query = original(self, *args, **kwargs)
        proto = self._write_proto
        _CONNECT_WRITERS[str(query.id)] = {
            "output_mode": (proto.output_mode or "append").capitalize(),
            # Without one, Spark makes a temporary folder (in the server), as it names it classically.
            "checkpoint": proto.options.get("checkpointLocation") or "temporary-checkpoint",
        }
        return query

    DataStreamWriter._start_internal = started
    DataStreamWriter._lab_recorded = True


def is_query(value) -> bool:
    """A StreamingQuery, classic or Spark Connect's."""
    return type(value).__name__ == "StreamingQuery" and hasattr(value, "recentProgress")


def facts(query) -> dict:
    """What the learner's query is: its sink, output mode and checkpoint (from the JVM's
    StreamExecution, which PySpark does not expose; over Spark Connect, as its writer asked), and
    its progress."""
    if hasattr(query, "_jsq"):
        execution = query._jsq.streamingQuery()
        asked = {"output_mode": execution.outputMode().toString(), "checkpoint": execution.resolvedCheckpointRoot()}
    else:
        asked = _CONNECT_WRITERS.get(str(query.id), {"output_mode": "?", "checkpoint": "temporary-checkpoint"})
    return {
        "sink": (query.lastProgress or {}).get("sink", {}).get("description", ""),
        **asked,
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
            return bool(ends) and any(rows_read(p) == 0 for p in recent[ends[0] + 1 :])
        read = sum(rows_read(p) for p in recent)
        return read >= records or (restarted and query.lastProgress is not None and read == 0)

    wait_query(query, done, deadline)


def first_batches(query, deadline: Deadline) -> None:
    """Wait until the query has committed a batch that read records: where a check restarts it."""
    wait_query(query, lambda: any(rows_read(p) for p in query.recentProgress), deadline)


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
