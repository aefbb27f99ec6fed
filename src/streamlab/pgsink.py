"""lab_postgres: an exactly-once PostgreSQL sink written as a Python data source (a streaming writer, Spark 4.1+).

Use it through streamlab.datasources.register(spark), then result.writeStream.format("lab_postgres").

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

Versions (pyspark 4.2.0's pyspark/sql/datasource.py): DataSource, DataSourceStreamWriter and
WriterCommitMessage are 4.0.0; DataSourceStreamArrowWriter is 4.1.0. Observed with Spark 4.2.0: a
Python data source sink takes append and complete output modes, not update ("does not support
Update mode"); complete mode calls streamWriter with overwrite=True.
"""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pyspark.sql.datasource import (
    DataSource,
    DataSourceStreamArrowWriter,
    WriterCommitMessage,
)

from streamlab.eventsource import OptionError, lowered
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("streamlab", "sources")

POSTGRES = "lab_postgres"
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
        raise ValueError(MESSAGES("pg_no_type", sink=POSTGRES, type=data_type.simpleString()))
    return _PG_TYPES[name]


def json_value(value):
    """A value of an Arrow row -> JSON: times in UTC without a zone (the tables' `timestamp`)."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(MESSAGES("pg_cannot_stage", sink=POSTGRES, type=type(value).__name__))


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
        opts = lowered(options)
        table = opts.get("table")
        if not table:
            raise OptionError(MESSAGES("pg_table_required", sink=POSTGRES))
        columns = tuple((f.name, pg_type(f.dataType)) for f in schema.fields)
        names = [n for n, _ in columns]
        if "batch_id" in names:
            raise OptionError(MESSAGES("pg_batch_id_column", sink=POSTGRES))
        keys = tuple(k.strip() for k in opts.get("keys", "").split(",") if k.strip())
        unknown = [k for k in keys if k not in names]
        if unknown:
            raise OptionError(MESSAGES("pg_unknown_keys", sink=POSTGRES, unknown=unknown, columns=", ".join(names)))
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
        raise ValueError(MESSAGES("pg_several_queries", sink=POSTGRES, queries=sorted(queries)))
    return (queries.pop() if queries else None), [m.token for m in parts if m.rows], sum(m.rows for m in parts)


def _task_ids() -> tuple[str, int, int]:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    query, batch = ctx.getLocalProperty(QUERY_ID_PROPERTY), ctx.getLocalProperty(BATCH_ID_PROPERTY)
    if not query or batch is None:
        raise RuntimeError(MESSAGES("pg_streaming_only", sink=POSTGRES))
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
                print(MESSAGES("pg_committed_before", sink=POSTGRES, batch=batchId, query=query), file=sys.stderr)
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
            print(MESSAGES("pg_abort_left_rows", sink=POSTGRES, batch=batchId, error=exc), file=sys.stderr)


class LabPostgres(DataSource):
    """writeStream.format("lab_postgres"): see the module's doc."""

    @classmethod
    def name(cls) -> str:
        return POSTGRES

    def streamWriter(self, schema, overwrite: bool) -> LabPostgresWriter:
        from streamlab.config import Config

        opts = lowered(self.options)
        writer = LabPostgresWriter(
            Target.of(schema, self.options), opts.get("dsn") or Config.from_env().postgres_dsn, overwrite
        )
        writer.prepare()
        return writer
