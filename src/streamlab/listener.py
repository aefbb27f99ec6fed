"""A StreamingQueryListener that exports every query's progress as Prometheus metrics.

Contract:
- `serve(port, host)` builds the metrics and serves /metrics on `host`:`port` (port 0: no
  server, the metrics stay in the registry, as unit tests use them). A taken port raises
  OSError; call it before Spark starts, so that error comes first and alone.
- `metrics.wait_for_scrape(timeout)`: at a job's end, after its last figures are recorded, wait
  for the next scrape of /metrics, so Prometheus holds them; at once if nothing has scraped it.
- `attach(spark, job, metrics)` registers the listener that fills them.
- Every series is labelled `job` and `query`: the query name, e.g. `windowing` or
  `windowing_quarantine`.
- Callbacks do constant work: they read the progress object and set in-memory metrics. They do
  no I/O, because Spark delivers listener events on one bus thread and a slow listener delays
  them all.

The metrics are defined in streamlab.metric_catalog, which docs/metrics.md is generated from.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from streamlab import dataloss
from streamlab.metric_catalog import STREAMING, STREAMING_LABELS, build

PHASES = ("triggerExecution", "addBatch", "getBatch", "latestOffset", "queryPlanning", "walCommit", "commitOffsets")
# The counters a run's summary reports, per query: key -> metric.
TOTALS = {
    key: STREAMING[attr].name
    for key, attr in (
        ("batches", "batches"),
        ("input_rows", "input_rows"),
        ("output_rows", "output_rows"),
        ("late_rows_dropped", "dropped"),
        ("duplicates_dropped", "duplicates"),
        ("records_lost", "records_lost"),
    )
}


def iso_seconds(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Metrics:
    """The metric families (streamlab.metric_catalog.STREAMING, one attribute each), in their own
    registry so tests can build several."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        for attr, metric in STREAMING.items():
            setattr(self, attr, build(metric, self.registry, STREAMING_LABELS))
        self.scrapes = 0  # scrapes sent in full
        self._begun = 0  # scrapes begun, numbered from 1
        self._newest_sent = 0  # the number of the newest scrape sent
        self._scraped = threading.Condition()

    def scrape_begins(self) -> int:
        """A scrape begins (before the registry is read): its number."""
        with self._scraped:
            self._begun += 1
            return self._begun

    def scrape_sent(self, number: int) -> None:
        """Scrape `number` has been sent in full."""
        with self._scraped:
            self.scrapes += 1
            self._newest_sent = max(self._newest_sent, number)
            self._scraped.notify_all()

    def wait_for_scrape(self, timeout: float) -> bool:
        """Wait up to `timeout` s for a scrape that begins from now to be sent (one already under
        way may hold older figures): True once one has, False at the timeout, or at once if
        /metrics has never been scraped (no Prometheus watches)."""
        with self._scraped:
            after = self._begun
            return bool(after) and self._scraped.wait_for(lambda: self._newest_sent > after, timeout)


class _Sent:
    """A response body that counts as a scrape once it has been sent: a WSGI server calls close()
    after writing the last byte, so a job that then exits has delivered its final figures."""

    def __init__(self, body, done):
        self.body, self.done = body, done

    def __iter__(self):
        return iter(self.body)

    def close(self):
        if hasattr(self.body, "close"):
            self.body.close()
        self.done()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_):  # no line per scrape in the job's output
        pass


class PrometheusListener:
    """Implements pyspark's StreamingQueryListener interface (duck-typed base set in attach())."""

    def __init__(self, job: str, metrics: Metrics):
        self.job = job
        self.m = metrics
        self.names: dict[str, str] = {}
        self.runs: set[str] = set()  # Spark's run ids whose first batch is recorded
        self.terminated: set[str] = set()  # query ids whose termination this listener has seen
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
        started = iso_seconds(event.timestamp) or time.time()
        self.m.started.labels(*labels, str(event.runId)).set(started)
        self.m.records_lost.labels(*labels)  # a 0 series from the start, so rate() and alerts see it

    def onQueryProgress(self, event):
        self.record(event.progress)
        for callback in self.on_batch:
            callback(event.progress, self.totals(event.progress.name))

    def onQueryIdle(self, event):
        pass

    def onQueryTerminated(self, event):
        self.terminated.add(str(event.id))
        labels = self._labels(event.id, None)
        self.m.up.labels(*labels).set(0)
        self.m.failed.labels(*labels).set(1 if event.exception else 0)

    def totals(self, query: str) -> dict[str, int]:
        """A query's counters in this run, read back from the metrics (they are counted once, there):
        batches, input_rows, output_rows, late_rows_dropped, duplicates_dropped and records_lost."""
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
        self._first_batch(p, labels)
        for phase in PHASES:
            if phase in (p.durationMs or {}):
                seconds = p.durationMs[phase] / 1000.0
                m.phase.labels(*labels, phase).observe(seconds)
                m.last_phase.labels(*labels, phase).set(seconds)
        self._event_time(p, labels, now)
        self._state(p, labels)
        self._sources(p, labels)
        if p.sink is not None and p.sink.numOutputRows is not None and p.sink.numOutputRows >= 0:
            m.output_rows.labels(*labels).inc(p.sink.numOutputRows)

    def _first_batch(self, p, labels) -> None:
        """The first batch of each run (Spark's runId): its id, rows and duration, set once. It
        reads what waited in Kafka at the start, so the report keeps it apart from the steady state."""
        run = str(getattr(p, "runId", None) or p.id)
        if run in self.runs:
            return
        self.runs.add(run)
        m = self.m
        m.first_batch_id.labels(*labels).set(p.batchId)
        m.first_batch_rows.labels(*labels).set(p.numInputRows)
        m.first_batch_duration.labels(*labels).set((p.durationMs or {}).get("triggerExecution", 0) / 1000.0)

    def _event_time(self, p, labels, now: float | None) -> None:
        """The watermark, its delay, and the batch's event latencies (oldest, average, newest)."""
        m = self.m
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

    def _state(self, p, labels) -> None:
        """State rows and memory, rows the watermark dropped and duplicates dropped, summed over the
        stateful operators."""
        if not p.stateOperators:
            return
        total = updated = removed = memory = dropped = duplicates = 0
        for op in p.stateOperators:
            total += op.numRowsTotal
            updated += op.numRowsUpdated
            removed += getattr(op, "numRowsRemoved", 0) or 0
            memory += op.memoryUsedBytes
            dropped += getattr(op, "numRowsDroppedByWatermark", 0) or 0
            duplicates += (getattr(op, "customMetrics", None) or {}).get("numDroppedDuplicateRows", 0) or 0
        m = self.m
        m.state_rows.labels(*labels, "total").set(total)
        m.state_rows.labels(*labels, "updated").set(updated)
        m.state_rows.labels(*labels, "removed").set(removed)
        m.state_memory.labels(*labels).set(memory)
        m.dropped.labels(*labels).inc(dropped)
        m.duplicates.labels(*labels).inc(duplicates)

    def _sources(self, p, labels) -> None:
        """Kafka records lost to retention, and the offsets behind latest (min, avg, max)."""
        m = self.m
        for source in p.sources or []:
            lost = dataloss.skipped(source)
            if lost:
                m.records_lost.labels(*labels).inc(lost)
            metrics = source.metrics or {}
            for stat, key in (
                ("min", "minOffsetsBehindLatest"),
                ("avg", "avgOffsetsBehindLatest"),
                ("max", "maxOffsetsBehindLatest"),
            ):
                if key in metrics:
                    m.offsets_behind.labels(*labels, stat).set(float(metrics[key]))


def serve(port: int, host: str = "127.0.0.1") -> Metrics:
    metrics = Metrics()
    if port:  # prometheus_client's own app and server class, with each sent response counted
        app = make_wsgi_app(metrics.registry)

        def counted(environ, start_response):
            number = metrics.scrape_begins()
            return _Sent(app(environ, start_response), lambda: metrics.scrape_sent(number))

        server = make_server(host, port, counted, ThreadingWSGIServer, _Quiet)
        threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return metrics


def attach(spark, job: str, metrics: Metrics) -> PrometheusListener:
    from pyspark.sql.streaming import StreamingQueryListener

    class _Listener(PrometheusListener, StreamingQueryListener):
        pass

    listener = _Listener(job, metrics)
    spark.streams.addListener(listener)
    return listener
