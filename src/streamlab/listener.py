"""A StreamingQueryListener that exports every query's progress as Prometheus metrics.

Contract:
- `serve(port, host)` builds the metrics and serves /metrics on `host`:`port` (port 0: no
  server, the metrics stay in the registry, as unit tests use them). A taken port raises
  OSError; call it before Spark starts, so that error comes first and alone.
- `attach(spark, job, metrics)` registers the listener that fills them.
- Every series is labelled `job` and `query`: the query name, e.g. `windowing` or
  `windowing_quarantine`.
- Callbacks do constant work: they read the progress object and set in-memory metrics. They do
  no I/O, because Spark delivers listener events on one bus thread and a slow listener delays
  them all.

docs/metrics.md lists every metric. The names follow Prometheus conventions: snake_case,
a unit suffix, and `_total` for counters.
"""

from __future__ import annotations

import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from streamlab import dataloss

PHASES = ("triggerExecution", "addBatch", "getBatch", "latestOffset", "queryPlanning", "walCommit", "commitOffsets")
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 600)
# The counters a run's summary reports, per query: key -> metric.
TOTALS = {"batches": "streaming_batches_total", "input_rows": "streaming_input_rows_total",
          "output_rows": "streaming_sink_output_rows_total", "late_rows_dropped": "streaming_late_rows_dropped_total",
          "records_lost": "streaming_kafka_records_lost_total"}


def iso_seconds(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Metrics:
    """The metric families, in their own registry so tests can build several."""

    def __init__(self, registry: CollectorRegistry | None = None):
        r = self.registry = registry or CollectorRegistry()
        q = ("job", "query")
        self.input_rate = Gauge("streaming_input_rows_per_second", "Rows per second read by the last batch's sources.", q, registry=r)
        self.processed_rate = Gauge("streaming_processed_rows_per_second", "Rows per second processed by the last batch.", q, registry=r)
        self.batch_rows = Gauge("streaming_batch_input_rows", "Rows read by the last batch.", q, registry=r)
        self.input_rows = Counter("streaming_input_rows_total", "Rows read, summed over batches.", q, registry=r)
        self.batches = Counter("streaming_batches_total", "Micro-batches completed.", q, registry=r)
        self.batch_id = Gauge("streaming_batch_id", "Id of the last completed micro-batch.", q, registry=r)
        self.phase = Histogram("streaming_batch_phase_duration_seconds", "Time per batch spent in each phase "
                               "(triggerExecution is the whole batch).", (*q, "phase"), buckets=DURATION_BUCKETS, registry=r)
        self.last_phase = Gauge("streaming_last_batch_phase_duration_seconds", "The last batch's phase durations.",
                                (*q, "phase"), registry=r)
        self.watermark = Gauge("streaming_watermark_timestamp_seconds", "The event-time watermark (Unix time).", q, registry=r)
        self.watermark_delay = Gauge("streaming_watermark_delay_seconds", "Wall clock minus the watermark, at the batch's end.", q, registry=r)
        self.state_rows = Gauge("streaming_state_rows", "Rows in the state store, by kind (total, updated, removed in the last batch).",
                                (*q, "kind"), registry=r)
        self.state_memory = Gauge("streaming_state_memory_bytes", "Memory used by the state store.", q, registry=r)
        self.dropped = Counter("streaming_late_rows_dropped_total", "Rows dropped by the watermark (too late), summed over batches.", q, registry=r)
        self.offsets_behind = Gauge("streaming_kafka_offsets_behind_latest", "Kafka offsets not yet read, over the source's partitions "
                                    "(stat min, avg, max): the real consumer lag.", (*q, "stat"), registry=r)
        self.output_rows = Counter("streaming_sink_output_rows_total", "Rows written by the sink, summed over batches.", q, registry=r)
        self.up = Gauge("streaming_query_active", "1 while the query runs, 0 once it has terminated.", q, registry=r)
        self.failed = Gauge("streaming_query_failed", "1 if the query terminated with an error.", q, registry=r)
        self.records_lost = Counter("streaming_kafka_records_lost_total", "Kafka records that retention deleted before "
                                    "the query read them, skipped with failOnDataLoss=false (at a restart or while "
                                    "running).", q, registry=r)
        self.latency = Histogram("streaming_event_latency_seconds", "Batch end minus the event time of the batch's events "
                                 "(observed for the oldest, average and newest event of each batch).", q,
                                 buckets=LATENCY_BUCKETS, registry=r)


class PrometheusListener:
    """Implements pyspark's StreamingQueryListener interface (duck-typed base set in attach())."""

    def __init__(self, job: str, metrics: Metrics):
        self.job = job
        self.m = metrics
        self.names: dict[str, str] = {}
        # Called as f(progress, totals) after each batch is recorded: how a job shows its own
        # figures without counting anything a second time (late_data's line per batch).
        self.on_batch: list = []

    def _labels(self, query_id, name) -> tuple[str, str]:
        name = name or self.names.get(str(query_id)) or str(query_id)
        return self.job, name

    def onQueryStarted(self, event):
        self.names[str(event.id)] = event.name or str(event.id)
        labels = self._labels(event.id, event.name)
        self.m.up.labels(*labels).set(1)
        self.m.failed.labels(*labels).set(0)
        self.m.records_lost.labels(*labels)  # a 0 series from the start, so rate() and alerts see it

    def onQueryProgress(self, event):
        self.record(event.progress)
        for callback in self.on_batch:
            callback(event.progress, self.totals(event.progress.name))

    def onQueryIdle(self, event):
        pass

    def onQueryTerminated(self, event):
        labels = self._labels(event.id, None)
        self.m.up.labels(*labels).set(0)
        self.m.failed.labels(*labels).set(1 if event.exception else 0)

    def totals(self, query: str) -> dict[str, int]:
        """A query's counters in this run, read back from the metrics (they are counted once, there):
        batches, input_rows, output_rows, late_rows_dropped and records_lost."""
        labels = {"job": self.job, "query": query}
        return {key: int(self.m.registry.get_sample_value(name, labels) or 0) for key, name in TOTALS.items()}

    def summary(self) -> dict[str, dict[str, int]]:
        """totals() of every query seen, by name: what `--summary` writes."""
        return {name: self.totals(name) for name in sorted(set(self.names.values()))}

    def record(self, p, now: float | None = None) -> None:
        """Record one StreamingQueryProgress (an object with Spark's progress attributes)."""
        labels = self._labels(p.id, p.name)
        m = self.m
        m.input_rate.labels(*labels).set(p.inputRowsPerSecond or 0.0)
        m.processed_rate.labels(*labels).set(p.processedRowsPerSecond or 0.0)
        m.batch_rows.labels(*labels).set(p.numInputRows)
        m.input_rows.labels(*labels).inc(p.numInputRows)
        m.batches.labels(*labels).inc()
        m.batch_id.labels(*labels).set(p.batchId)
        for phase in PHASES:
            if phase in (p.durationMs or {}):
                seconds = p.durationMs[phase] / 1000.0
                m.phase.labels(*labels, phase).observe(seconds)
                m.last_phase.labels(*labels, phase).set(seconds)
        batch_start = iso_seconds(p.timestamp) or time.time()
        batch_end = batch_start + (p.durationMs or {}).get("triggerExecution", 0) / 1000.0
        event_time = p.eventTime or {}
        watermark = iso_seconds(event_time.get("watermark"))
        if watermark and watermark > 0:
            m.watermark.labels(*labels).set(watermark)
            m.watermark_delay.labels(*labels).set(max(0.0, (now or batch_end) - watermark))
        if p.numInputRows:
            for key in ("min", "avg", "max"):
                ts = iso_seconds(event_time.get(key))
                if ts:
                    m.latency.labels(*labels).observe(max(0.0, batch_end - ts))
        total = updated = removed = memory = dropped = 0
        for op in p.stateOperators or []:
            total += op.numRowsTotal
            updated += op.numRowsUpdated
            removed += getattr(op, "numRowsRemoved", 0) or 0
            memory += op.memoryUsedBytes
            dropped += getattr(op, "numRowsDroppedByWatermark", 0) or 0
        if p.stateOperators:
            m.state_rows.labels(*labels, "total").set(total)
            m.state_rows.labels(*labels, "updated").set(updated)
            m.state_rows.labels(*labels, "removed").set(removed)
            m.state_memory.labels(*labels).set(memory)
            m.dropped.labels(*labels).inc(dropped)
        for source in p.sources or []:
            lost = dataloss.skipped(source)
            if lost:
                m.records_lost.labels(*labels).inc(lost)
            metrics = source.metrics or {}
            for stat, key in (("min", "minOffsetsBehindLatest"), ("avg", "avgOffsetsBehindLatest"),
                              ("max", "maxOffsetsBehindLatest")):
                if key in metrics:
                    m.offsets_behind.labels(*labels, stat).set(float(metrics[key]))
        if p.sink is not None and p.sink.numOutputRows is not None and p.sink.numOutputRows >= 0:
            m.output_rows.labels(*labels).inc(p.sink.numOutputRows)


def serve(port: int, host: str = "127.0.0.1") -> Metrics:
    metrics = Metrics()
    if port:
        start_http_server(port, addr=host, registry=metrics.registry)
    return metrics


def attach(spark, job: str, metrics: Metrics) -> PrometheusListener:
    from pyspark.sql.streaming import StreamingQueryListener

    class _Listener(PrometheusListener, StreamingQueryListener):
        pass

    listener = _Listener(job, metrics)
    spark.streams.addListener(listener)
    return listener
