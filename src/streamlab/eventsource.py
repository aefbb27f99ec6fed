"""lab_events: the lab's events made inside Spark by a Python data source (a streaming reader, Spark 4.0+).

Use it through streamlab.datasources.register(spark), then spark.readStream.format("lab_events").

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

Versions (pyspark 4.2.0's pyspark/sql/datasource.py and pyspark/sql/streaming/datasource.py):
DataSource, DataSourceStreamReader and InputPartition are 4.0.0; latestOffset(start, limit),
getDefaultReadLimit and reportLatestOffset are 4.2.0 (4.0 and 4.1 call latestOffset() without
arguments). ReadLimit, ReadMaxRows, ReadAllAvailable and SupportsTriggerAvailableNow have no tag;
they serve the 4.2.0 methods, and their module says "As of Spark 4.2.0".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql.datasource import (
    DataSource,
    DataSourceStreamReader,
    InputPartition,
)
from pyspark.sql.streaming.datasource import ReadAllAvailable, ReadMaxRows, SupportsTriggerAvailableNow

from streamlab import eventgen, schemas
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("streamlab", "sources")

EVENTS = "lab_events"
DEFAULT_ROWS_PER_BATCH = 1000
DEFAULT_PARTITIONS = 2
ARROW_CHUNK = 10_000  # rows per Arrow record batch that read() yields


class OptionError(ValueError):
    """A data source option is malformed; the message names it."""


def lowered(options) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(options).items()}


def _positive(opts: dict[str, str], name: str, kind=int):
    text = opts.get(name.lower())
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise OptionError(MESSAGES("option_not_a_number", source=EVENTS, name=name, text=text)) from None
    if value <= 0:
        raise OptionError(MESSAGES("option_not_positive", source=EVENTS, name=name, text=text))
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
        raise OptionError(MESSAGES("option_start_time", source=EVENTS, text=text)) from None
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
        opts = lowered(options)
        kind = opts.get("kind", "page_views")
        if kind not in eventgen.KINDS:
            raise OptionError(MESSAGES("option_kind", source=EVENTS, kinds=", ".join(eventgen.KINDS), kind=kind))
        seed = opts.get("seed")
        try:
            seed = None if seed is None else int(seed)
        except ValueError:
            raise OptionError(MESSAGES("option_seed", source=EVENTS, seed=seed)) from None
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
        wrong = [
            MESSAGES("events_changed_option", name=k, given=v, saved=start[k])
            for k, v in given.items()
            if v is not None and v != start[k]
        ]
        if wrong:
            raise OptionError(MESSAGES("events_changed", source=EVENTS, wrong=", ".join(wrong)))


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
            raise OptionError(MESSAGES("available_now_needs_end", source=EVENTS))
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
