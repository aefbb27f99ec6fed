"""Python data sources (pyspark.sql.datasource): the lab's events without Kafka; an exactly-once PostgreSQL sink.

`register(spark)` registers both in a session (spark.dataSource.register, Spark 4.0+); then:

    spark.readStream.format("lab_events").option("kind", "page_views").option("rowsPerSecond", 100).load()
    result.writeStream.format("lab_postgres").option("table", "t").option("keys", "a,b").option("dsn", dsn)...

`lab_events`: a streaming reader (DataSourceStreamReader) of the lab's events, made inside Spark
by streamlab.eventgen: a stream for learners without Kafka, and a load source that one producer
process does not limit. Its rows have the columns of the lab's parsed events (the topic's schema
fields, then kafka_timestamp, kafka_partition, kafka_offset, as streamlab.sources.events gives
them), so the lab's transformations take it unchanged. Here kafka_offset is the event's sequence
number, kafka_partition the index of the Spark partition that made it, and kafka_timestamp its
event time.
- Offsets are sequence numbers. An offset is a dict that also names what decides the events, so
  a batch replayed from a checkpoint is the same batch whatever the options say now:
  {"seq": 1200, "kind": "page_views", "seed": 42, "startMs": ..., "eventsPerSecond": 100.0,
  "originMs": ...}. A batch holds the events start.seq .. end.seq - 1. An option that contradicts
  the checkpoint (another seed, say) fails the query with a hint to reset it.
- Options: kind (page_views | orders | payments; default page_views); seed (42); rowsPerBatch
  (events per micro-batch) and/or rowsPerSecond (events become available at this pace of the wall
  clock, from when the query first started; rowsPerBatch then caps a batch, as
  maxOffsetsPerTrigger does Kafka's); neither: rowsPerBatch 1000; eventsPerSecond (the event-time
  pace: rowsPerSecond, else 1000); startTime (event time of event 0: ISO-8601 or Unix seconds;
  default when the query first started); totalRows (the stream ends there); partitions (each
  batch's range is split into this many contiguous InputPartitions, one Spark task each;
  default 2).
- Trigger.AvailableNow reads what is available when the query starts (the mixin
  SupportsTriggerAvailableNow): up to totalRows, or what rowsPerSecond has made due; without
  either the stream has no end, and the query fails with one line that says so.

`lab_postgres`: a streaming writer (DataSourceStreamArrowWriter, which is a DataSourceStreamWriter
that gets Arrow record batches) into a PostgreSQL table, exactly-once by batch id. Options: dsn
(libpq; default POSTGRES_DSN, streamlab.config), table (created from the result's schema if
missing, timestamps as UTC `timestamp`), keys (comma-separated columns: rows are upserted by them;
without keys, inserted), plus a `batch_id` column: the batch that last wrote the row. Contract:
- write() runs on the executors, one call per partition of a batch. It copies the partition's rows
  into the staging table lab_sink_staging, tagged with the streaming query's id, the batch id
  (both from the task's local properties), the partition and a token new to this attempt, in one
  transaction, and returns a StagedPart message (no rows: a message goes through the driver).
- commit(messages, batch_id) runs on the driver once every task has succeeded. In ONE transaction
  it inserts (query, batch_id) into the ledger lab_sink_batches, whose primary key it is; applies
  the staged rows of the messages' tokens to the table (the last row per key wins); and deletes
  the query's staging rows up to this batch, which removes what failed or superseded attempts
  left. If the ledger already holds (query, batch_id), the batch was committed before a driver
  crash and Spark is replaying it: nothing is applied, and only its staging rows are deleted.
- abort(messages, batch_id) runs on the driver when a task failed: it deletes the batch's staging
  rows. A failure of its own is logged, not raised: the next commit removes them anyway.
- Why the ledger: Spark runs a batch again after a crash between the sink's commit and the
  checkpoint's commit log. An upsert alone makes that harmless only when rows have keys and a
  replay computes the same values; the ledger makes any batch (inserts, too) land once.
- The query id is the checkpoint's: stable across restarts, new after `make reset`, so a reset
  query's batch 0 is never mistaken for the old query's.

Versions, as pyspark 4.2.0's pyspark/sql/datasource.py tags them (`.. versionadded`):
DataSource, DataSourceStreamReader, InputPartition, DataSourceStreamWriter, WriterCommitMessage
and spark.dataSource.register (DataSourceRegistration) are 4.0.0; DataSourceStreamArrowWriter is
4.1.0; latestOffset(start, limit), getDefaultReadLimit and reportLatestOffset are 4.2.0 (4.0 and
4.1 call latestOffset() without arguments). ReadLimit, ReadMaxRows, ReadAllAvailable and
SupportsTriggerAvailableNow (pyspark/sql/streaming/datasource.py) have no tag; they serve the
4.2.0 methods, and the module says "As of Spark 4.2.0". Observed with Spark 4.2.0: a Python
data source sink takes append and complete output modes, not update ("does not support Update
mode"); complete mode calls streamWriter with overwrite=True.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pyspark.sql.datasource import (
    DataSource,
    DataSourceStreamArrowWriter,
    DataSourceStreamReader,
    InputPartition,
    WriterCommitMessage,
)
from pyspark.sql.streaming.datasource import ReadAllAvailable, ReadMaxRows, SupportsTriggerAvailableNow

from streamlab import eventgen, schemas

EVENTS = "lab_events"
POSTGRES = "lab_postgres"
DEFAULT_ROWS_PER_BATCH = 1000
DEFAULT_PARTITIONS = 2
ARROW_CHUNK = 10_000  # rows per Arrow record batch that read() yields


def register(spark) -> None:
    """Register lab_events and lab_postgres in `spark` (again is harmless)."""
    spark.dataSource.register(LabEvents)
    spark.dataSource.register(LabPostgres)


# --- lab_events ---------------------------------------------------------------------------------


class OptionError(ValueError):
    """A data source option is malformed; the message names it."""


def _lower(options) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(options).items()}


def _positive(opts: dict[str, str], name: str, kind=int):
    text = opts.get(name.lower())
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise OptionError(f"{EVENTS}: option {name} must be a positive number, not {text!r}") from None
    if value <= 0:
        raise OptionError(f"{EVENTS}: option {name} must be positive, not {text!r}")
    return value


def parse_time_ms(text: str) -> int:
    """ISO-8601 (a time without a zone is UTC) or Unix seconds -> milliseconds since 1970."""
    try:
        return round(float(text) * 1000)
    except ValueError:
        pass
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise OptionError(f"{EVENTS}: option startTime must be ISO-8601 or Unix seconds, not {text!r}") from None
    return round((t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp() * 1000)


@dataclass(frozen=True)
class EventOptions:
    """lab_events' options, checked (see the module's doc). None: not given."""

    kind: str = "page_views"
    seed: int | None = None
    rows_per_batch: int | None = None
    rows_per_second: float | None = None
    events_per_second: float | None = None
    start_ms: int | None = None
    total_rows: int | None = None
    partitions: int = DEFAULT_PARTITIONS

    @classmethod
    def parse(cls, options) -> EventOptions:
        opts = _lower(options)
        kind = opts.get("kind", "page_views")
        if kind not in eventgen.KINDS:
            raise OptionError(f"{EVENTS}: option kind must be one of {', '.join(eventgen.KINDS)}, not {kind!r}")
        seed = opts.get("seed")
        try:
            seed = None if seed is None else int(seed)
        except ValueError:
            raise OptionError(f"{EVENTS}: option seed must be a whole number, not {seed!r}") from None
        return cls(
            kind=kind,
            seed=seed,
            rows_per_batch=_positive(opts, "rowsPerBatch"),
            rows_per_second=_positive(opts, "rowsPerSecond", float),
            events_per_second=_positive(opts, "eventsPerSecond", float),
            start_ms=None if opts.get("starttime") is None else parse_time_ms(opts["starttime"]),
            total_rows=_positive(opts, "totalRows"),
            partitions=_positive(opts, "partitions") or DEFAULT_PARTITIONS,
        )

    @property
    def batch_cap(self) -> int | None:
        """Events per micro-batch at most: rowsPerBatch, else 1000 without rowsPerSecond, else no cap."""
        if self.rows_per_batch:
            return self.rows_per_batch
        return None if self.rows_per_second else DEFAULT_ROWS_PER_BATCH

    def first_offset(self, now_ms: int) -> dict:
        """A new query's offset: sequence 0, and what decides its events from now on."""
        pace = self.events_per_second or self.rows_per_second or 1000.0
        start = self.start_ms if self.start_ms is not None else now_ms
        return offset(0, self.kind, 42 if self.seed is None else self.seed, start, float(pace), now_ms)

    def check(self, start: dict) -> None:
        """Fail if an option given now contradicts the checkpoint's offset."""
        given = {
            "kind": self.kind,
            "seed": self.seed,
            "startMs": self.start_ms,
            "eventsPerSecond": None if self.events_per_second is None else float(self.events_per_second),
        }
        wrong = [f"{k}={v!r} (checkpoint: {start[k]!r})" for k, v in given.items() if v is not None and v != start[k]]
        if wrong:
            raise OptionError(
                f"{EVENTS}: the checkpoint's events were made with other options: {', '.join(wrong)}. "
                "Drop the option, or reset the query's checkpoint to start over"
            )


def offset(seq: int, kind: str, seed: int, start_ms: int, events_per_second: float, origin_ms: int) -> dict:
    """An offset, its keys always in this order (Spark compares offsets as JSON text)."""
    return {
        "seq": seq,
        "kind": kind,
        "seed": seed,
        "startMs": start_ms,
        "eventsPerSecond": events_per_second,
        "originMs": origin_ms,
    }


def moved(start: dict, seq: int) -> dict:
    return offset(seq, start["kind"], start["seed"], start["startMs"], start["eventsPerSecond"], start["originMs"])


def params(o: dict) -> eventgen.Params:
    return eventgen.Params(seed=o["seed"], start_ms=o["startMs"], events_per_second=o["eventsPerSecond"])


@dataclass
class EventRange(InputPartition):
    """One Spark task's events: sequence numbers first .. stop - 1 (picklable, sent to an executor)."""

    index: int
    first: int
    stop: int
    kind: str
    seed: int
    start_ms: int
    events_per_second: float


def split(first: int, stop: int, parts: int) -> list[tuple[int, int]]:
    """[first, stop) -> at most `parts` contiguous, non-empty, near-equal ranges that cover it once."""
    size = stop - first
    bounds = [first + size * i // parts for i in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def events_schema(kind: str):
    """The columns of the lab's parsed events of `kind` (streamlab.parsing.split's valid rows)."""
    from pyspark.sql import types as T

    return (
        schemas.spark_schema(kind)
        .add("kafka_timestamp", T.TimestampType(), True)
        .add("kafka_partition", T.IntegerType(), True)
        .add("kafka_offset", T.LongType(), True)
    )


def rows_of(part: EventRange) -> list[list]:
    """The partition's events as columns: the schema's, then kafka_timestamp, kafka_partition and
    kafka_offset (microseconds for times, as Arrow wants them)."""
    p = eventgen.Params(part.seed, part.start_ms, part.events_per_second)
    cols = eventgen.columns(part.kind, part.first, part.stop, p)
    names = schemas.SCHEMAS[part.kind].names
    times = cols[names.index("event_time")]
    if part.kind == "payments":  # not every offset holds a payment: number them from their ids
        offsets = [int(pid.rsplit("-", 1)[1]) - 1 for pid in cols[names.index("payment_id")]]
    else:
        offsets = list(range(part.first, part.stop))
    return [*cols, list(times), [part.index] * len(times), offsets]


class LabEventsReader(DataSourceStreamReader, SupportsTriggerAvailableNow):
    def __init__(self, options: EventOptions, schema, clock=time.time):
        self.o = options
        self.schema = schema
        self.clock = clock
        self.frozen_ms: int | None = None  # availableNow: what was available then is all there is
        self.last: dict | None = None

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def initialOffset(self) -> dict:
        return self.o.first_offset(self._now_ms())

    def available(self, start: dict, at_ms: int) -> int | None:
        """The events that exist at `at_ms` (None: endless): up to totalRows, and with rowsPerSecond
        those due since the query first started."""
        bounds = [self.o.total_rows]
        if self.o.rows_per_second:
            bounds.append(int(max(0, at_ms - start["originMs"]) / 1000 * self.o.rows_per_second))
        bounds = [b for b in bounds if b is not None]
        return min(bounds) if bounds else None

    def getDefaultReadLimit(self):
        cap = self.o.batch_cap
        return ReadMaxRows(cap) if cap else ReadAllAvailable()

    def prepareForTriggerAvailableNow(self) -> None:
        self.frozen_ms = self._now_ms()

    def latestOffset(self, start: dict, limit) -> dict:
        self.o.check(start)
        self.last = start
        seq = start["seq"]
        end = self.available(start, self.frozen_ms if self.frozen_ms is not None else self._now_ms())
        if end is None and self.frozen_ms is not None:
            raise OptionError(
                f"{EVENTS}: Trigger.AvailableNow needs an end, and this stream has none: "
                "set totalRows, or rowsPerSecond (then it reads what was due when the query started)"
            )
        if isinstance(limit, ReadMaxRows):
            end = seq + limit.max_rows if end is None else min(end, seq + limit.max_rows)
        elif end is None:  # all available of an endless stream: one batch's worth
            end = seq + (self.o.batch_cap or DEFAULT_ROWS_PER_BATCH)
        return moved(start, max(seq, end))

    def reportLatestOffset(self) -> dict | None:
        if self.last is None:
            return None
        end = self.available(self.last, self._now_ms())
        return None if end is None else moved(self.last, end)

    def partitions(self, start: dict, end: dict) -> list[EventRange]:
        p = params(end)
        return [
            EventRange(i, a, b, end["kind"], p.seed, p.start_ms, p.events_per_second)
            for i, (a, b) in enumerate(split(start["seq"], end["seq"], self.o.partitions))
        ]

    def read(self, partition: EventRange):
        import pyarrow as pa
        from pyspark.sql.pandas.types import to_arrow_schema

        arrow = to_arrow_schema(self.schema, timezone="UTC")  # exactly what Spark checks batches against
        for first in range(partition.first, partition.stop, ARROW_CHUNK):
            chunk = EventRange(
                **{**partition.__dict__, "first": first, "stop": min(first + ARROW_CHUNK, partition.stop)}
            )
            cols = rows_of(chunk)
            if cols[0]:
                arrays = [pa.array(col, type=f.type) for col, f in zip(cols, arrow, strict=True)]
                yield pa.RecordBatch.from_arrays(arrays, schema=arrow)

    def commit(self, end: dict) -> None:
        pass  # nothing to release: the events are computed, not stored


class LabEvents(DataSource):
    """spark.readStream.format("lab_events"): see the module's doc."""

    @classmethod
    def name(cls) -> str:
        return EVENTS

    def schema(self):
        return events_schema(EventOptions.parse(self.options).kind)

    def streamReader(self, schema):
        return LabEventsReader(EventOptions.parse(self.options), schema)


# --- lab_postgres -------------------------------------------------------------------------------

LEDGER = "lab_sink_batches"
STAGING = "lab_sink_staging"
# Local properties Spark sets on every task of a micro-batch (StreamExecution.QUERY_ID_KEY and
# MicroBatchExecution.BATCH_ID_KEY): the query's id is the checkpoint's, kept across restarts.
QUERY_ID_PROPERTY = "sql.streaming.queryId"
BATCH_ID_PROPERTY = "streaming.sql.batchId"

_PG_TYPES = {
    "string": "text",
    "integer": "integer",
    "long": "bigint",
    "short": "smallint",
    "byte": "smallint",
    "double": "double precision",
    "float": "real",
    "boolean": "boolean",
    "timestamp": "timestamp",  # UTC
    "timestamp_ntz": "timestamp",
    "date": "date",
}


@dataclass
class StagedPart(WriterCommitMessage):
    """What write() tells the driver: where one partition's rows wait in the staging table."""

    query: str
    batch_id: int
    partition: int
    token: str
    rows: int


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_type(data_type) -> str:
    name = data_type.typeName()
    if name == "decimal":
        return f"numeric({data_type.precision},{data_type.scale})"
    if name not in _PG_TYPES:
        raise ValueError(f"{POSTGRES}: no PostgreSQL type for the column type {data_type.simpleString()}")
    return _PG_TYPES[name]


def json_value(value):
    """A value of an Arrow row -> JSON: times in UTC without a zone (the tables' `timestamp`)."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{POSTGRES}: cannot stage a {type(value).__name__}")


def staged_row(row: dict) -> str:
    return json.dumps(row, default=json_value, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True)
class Target:
    """The table a lab_postgres query writes, and the SQL it takes (pure: no connection)."""

    table: str
    columns: tuple[tuple[str, str], ...]  # (name, PostgreSQL type)
    keys: tuple[str, ...] = ()

    @classmethod
    def of(cls, schema, options) -> Target:
        opts = _lower(options)
        table = opts.get("table")
        if not table:
            raise OptionError(f"{POSTGRES}: option table is required")
        columns = tuple((f.name, pg_type(f.dataType)) for f in schema.fields)
        names = [n for n, _ in columns]
        if "batch_id" in names:
            raise OptionError(f"{POSTGRES}: the result has a batch_id column; the sink adds its own")
        keys = tuple(k.strip() for k in opts.get("keys", "").split(",") if k.strip())
        unknown = [k for k in keys if k not in names]
        if unknown:
            raise OptionError(f"{POSTGRES}: key columns {unknown} are not in the result ({', '.join(names)})")
        return cls(table, columns, keys)

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.columns]

    def ddl(self) -> list[str]:
        cols = [f"{quoted(n)} {t}{' not null' if n in self.keys else ''}" for n, t in self.columns]
        cols.append("batch_id bigint not null")
        if self.keys:
            cols.append(f"primary key ({', '.join(quoted(k) for k in self.keys)})")
        return [
            f"create table if not exists {LEDGER} (query text not null, batch_id bigint not null, "
            "sink_table text not null, rows bigint not null, committed_at timestamptz not null default now(), "
            "primary key (query, batch_id))",
            f"create table if not exists {STAGING} (query text not null, batch_id bigint not null, "
            "partition_id integer not null, token text not null, seq integer not null, row jsonb not null, "
            "staged_at timestamptz not null default now())",
            f"create index if not exists {STAGING}_token on {STAGING} (token)",
            f"create table if not exists {quoted(self.table)} ({', '.join(cols)})",
        ]

    def apply_sql(self) -> str:
        """Staged rows of the given tokens -> the table; parameters: batch_id, tokens."""
        cols = ", ".join(quoted(n) for n in self.names)
        picked = ", ".join(f"r.{quoted(n)}" for n in self.names)
        source = (
            f"from {STAGING} s cross join lateral jsonb_populate_record(null::{quoted(self.table)}, s.row) r "
            "where s.token = any(%(tokens)s)"
        )
        if not self.keys:
            return (
                f"insert into {quoted(self.table)} ({cols}, batch_id) "
                f"select {picked}, %(batch_id)s {source} order by s.partition_id, s.seq"
            )
        keys = ", ".join(quoted(k) for k in self.keys)
        rkeys = ", ".join(f"r.{quoted(k)}" for k in self.keys)
        updates = ", ".join(
            f"{quoted(n)} = excluded.{quoted(n)}" for n in [*self.names, "batch_id"] if n not in self.keys
        )
        # One row per key (the last staged one), or PostgreSQL refuses to update a row twice.
        return (
            f"insert into {quoted(self.table)} ({cols}, batch_id) "
            f"select distinct on ({rkeys}) {picked}, %(batch_id)s {source} "
            f"order by {rkeys}, s.partition_id desc, s.seq desc "
            f"on conflict ({keys}) do update set {updates}"
        )


def staged(messages) -> tuple[str | None, list[str], int]:
    """Commit messages -> (the query's id, the tokens to apply, rows). A failed task's message is None."""
    parts = [m for m in messages if m is not None]
    queries = {m.query for m in parts}
    if len(queries) > 1:
        raise ValueError(f"{POSTGRES}: one batch's messages name several queries: {sorted(queries)}")
    return (queries.pop() if queries else None), [m.token for m in parts if m.rows], sum(m.rows for m in parts)


def _task_ids() -> tuple[str, int, int]:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    query, batch = ctx.getLocalProperty(QUERY_ID_PROPERTY), ctx.getLocalProperty(BATCH_ID_PROPERTY)
    if not query or batch is None:
        raise RuntimeError(f"{POSTGRES} is a streaming sink: use it with writeStream")
    return query, int(batch), ctx.partitionId()


class LabPostgresWriter(DataSourceStreamArrowWriter):
    """See the module's doc for the contract."""

    def __init__(self, target: Target, dsn: str, overwrite: bool = False):
        self.target = target
        self.dsn = dsn
        self.overwrite = overwrite

    def connect(self):
        import psycopg

        return psycopg.connect(self.dsn, options="-c TimeZone=UTC")

    def prepare(self) -> None:
        """Create the ledger, the staging table and the table if missing (on the driver)."""
        with self.connect() as conn:
            conn.execute("select pg_advisory_xact_lock(hashtext('lab_postgres ddl'))")  # one creator at a time
            for statement in self.target.ddl():
                conn.execute(statement)

    def write(self, iterator) -> StagedPart:
        query, batch_id, partition = _task_ids()
        token = uuid.uuid4().hex
        batches = (b for b in iterator if b.num_rows)
        first = next(batches, None)
        if first is None:  # an empty partition: no connection
            return StagedPart(query, batch_id, partition, token, 0)
        seq = 0
        with self.connect() as conn, conn.cursor() as cur:  # one transaction: all the rows or none
            copy_sql = f"copy {STAGING} (query, batch_id, partition_id, token, seq, row) from stdin"
            with cur.copy(copy_sql) as copy:
                for batch in (first, *batches):
                    for row in batch.to_pylist():
                        copy.write_row((query, batch_id, partition, token, seq, staged_row(row)))
                        seq += 1
        return StagedPart(query, batch_id, partition, token, seq)

    def commit(self, messages, batchId: int) -> None:
        query, tokens, rows = staged(messages)
        if query is None:
            return  # no partitions, so no rows
        with self.connect() as conn:  # one transaction: the ledger row and the batch's rows, or neither
            new = conn.execute(
                f"insert into {LEDGER} (query, batch_id, sink_table, rows) values (%s, %s, %s, %s) "
                "on conflict do nothing",
                (query, batchId, self.target.table, rows),
            ).rowcount
            if new:
                if self.overwrite:
                    conn.execute(f"delete from {quoted(self.target.table)}")
                conn.execute(self.target.apply_sql(), {"batch_id": batchId, "tokens": tokens})
            else:
                print(f"{POSTGRES}: batch {batchId} of query {query} was committed before: skipped", file=sys.stderr)
            conn.execute(f"delete from {STAGING} where query = %s and batch_id <= %s", (query, batchId))

    def abort(self, messages, batchId: int) -> None:
        import psycopg

        parts = [m for m in messages if m is not None]
        if not parts:
            return  # nothing known was staged; the next commit removes the rest
        try:
            with self.connect() as conn:
                conn.execute(f"delete from {STAGING} where query = %s and batch_id = %s", (parts[0].query, batchId))
        except psycopg.Error as exc:
            print(f"{POSTGRES}: abort of batch {batchId} left its staging rows ({exc})", file=sys.stderr)


class LabPostgres(DataSource):
    """writeStream.format("lab_postgres"): see the module's doc."""

    @classmethod
    def name(cls) -> str:
        return POSTGRES

    def streamWriter(self, schema, overwrite: bool) -> LabPostgresWriter:
        from streamlab.config import Config

        opts = _lower(self.options)
        writer = LabPostgresWriter(
            Target.of(schema, self.options), opts.get("dsn") or Config.from_env().postgres_dsn, overwrite
        )
        writer.prepare()
        return writer
