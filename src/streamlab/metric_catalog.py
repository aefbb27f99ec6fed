"""Every metric the lab defines, once: name, type, labels and meaning.

The job's listener (streamlab.listener) and the producer (producer.metrics) build their metrics
from here; docs/metrics.md's tables are generated from here (`make generate`); and a static test
(tests/static/test_metric_names.py) checks that every `streaming_*` or `producer_*` name in the
dashboards, the report, the alert and recording rules and the docs is one of these. Names follow
Prometheus conventions: snake_case, a unit suffix, and `_total` for counters.

Stdlib only: the producer and the docs generator import it without pyspark.
"""

from __future__ import annotations

from dataclasses import dataclass

DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 600)
DELIVERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str  # gauge, counter or histogram
    doc: str  # the HELP text and the docs' meaning
    labels: tuple[str, ...] = ()  # beyond the family's own (job and query for the streaming ones)
    buckets: tuple[float, ...] | None = None


# The job's StreamingQueryListener: every series is labelled job and query. Keys are the
# listener's attribute names.
STREAMING_LABELS = ("job", "query")
STREAMING = {
    "input_rate": Metric(
        "streaming_input_rows_per_second",
        "gauge",
        "rows per second read by the last batch (rows / time since the previous trigger)",
    ),
    "processed_rate": Metric(
        "streaming_processed_rows_per_second",
        "gauge",
        "rows per second processed by the last batch (rows / batch duration)",
    ),
    "batch_rows": Metric("streaming_batch_input_rows", "gauge", "rows read by the last batch"),
    "input_rows": Metric("streaming_input_rows_total", "counter", "rows read, summed over batches"),
    "batches": Metric("streaming_batches_total", "counter", "micro-batches completed"),
    "batch_id": Metric("streaming_batch_id", "gauge", "id of the last completed micro-batch"),
    "first_batch_id": Metric(
        "streaming_first_batch_id",
        "gauge",
        "id of this run's first micro-batch: 0 when the query started without a checkpoint (it read "
        "from its starting offsets), higher when it resumed from one",
    ),
    "first_batch_rows": Metric(
        "streaming_first_batch_input_rows",
        "gauge",
        "rows read by this run's first micro-batch: what waited in Kafka when the run started (from the "
        "starting offsets, or from the checkpoint's). `make report` tells it apart from the steady state",
    ),
    "first_batch_duration": Metric(
        "streaming_first_batch_duration_seconds",
        "gauge",
        "how long this run's first micro-batch took (its triggerExecution)",
    ),
    "phase": Metric(
        "streaming_batch_phase_duration_seconds",
        "histogram",
        "time per batch in each phase: triggerExecution (the whole batch), addBatch, getBatch, "
        "latestOffset, queryPlanning, walCommit, commitOffsets",
        ("phase",),
        DURATION_BUCKETS,
    ),
    "last_phase": Metric(
        "streaming_last_batch_phase_duration_seconds",
        "gauge",
        "the last batch's phase durations (for stacked charts)",
        ("phase",),
    ),
    "watermark": Metric(
        "streaming_watermark_timestamp_seconds",
        "gauge",
        "the event-time watermark, Unix seconds (queries with a watermark only)",
    ),
    "watermark_delay": Metric(
        "streaming_watermark_delay_seconds",
        "gauge",
        "batch end minus the watermark: how far event time lags behind the wall clock, plus the watermark's delay",
    ),
    "state_rows": Metric(
        "streaming_state_rows",
        "gauge",
        "state store rows: `total`, and `updated` / `removed` in the last batch",
        ("kind",),
    ),
    "state_memory": Metric("streaming_state_memory_bytes", "gauge", "memory used by the state store"),
    "dropped": Metric(
        "streaming_late_rows_dropped_total",
        "counter",
        "rows dropped for arriving behind the watermark. For aggregations Spark counts rows after "
        "partial aggregation; with dropDuplicatesWithinWatermark first (the late_data job), input rows",
    ),
    "duplicates": Metric(
        "streaming_duplicate_rows_dropped_total",
        "counter",
        "rows dropDuplicates or dropDuplicatesWithinWatermark dropped as repeats of a key already in "
        "state (the state operators' numDroppedDuplicateRows; the dedup job)",
    ),
    "offsets_behind": Metric(
        "streaming_kafka_offsets_behind_latest",
        "gauge",
        "Kafka offsets not yet read, over the source's partitions: `min`, `avg`, `max`. The real "
        "consumer lag: the Kafka source commits no group offsets, so group-lag tools see nothing",
        ("stat",),
    ),
    "output_rows": Metric(
        "streaming_sink_output_rows_total",
        "counter",
        "rows written by the sink (for the quarantine queries: records quarantined)",
    ),
    "up": Metric("streaming_query_active", "gauge", "1 while the query runs, 0 once it has terminated"),
    "started": Metric(
        "streaming_query_started_timestamp_seconds",
        "gauge",
        "when this run of the query started, Unix seconds. `run_id` is Spark's id of the run: new at "
        "each start, even from the same checkpoint. `make report` tells runs apart by it",
        ("run_id",),
    ),
    "failed": Metric("streaming_query_failed", "gauge", "1 if the query terminated with an error"),
    "records_lost": Metric(
        "streaming_kafka_records_lost_total",
        "counter",
        "Kafka records that retention deleted before the query read them, skipped with "
        "`--fail-on-data-loss false`, at a restart or while running: per batch, the offsets "
        "spanned minus the rows read (see the data-loss drill)",
    ),
    "latency": Metric(
        "streaming_event_latency_seconds",
        "histogram",
        "batch end minus event time, observed for the oldest, average and newest event of each batch "
        "(queries with a watermark)",
        (),
        LATENCY_BUCKETS,
    ),
}

# The producer (python -m producer). Keys are producer.metrics.Metrics' attribute names.
PRODUCER = {
    "sent": Metric("producer_events_sent_total", "counter", "events handed to the Kafka client", ("topic",)),
    "acked": Metric(
        "producer_events_acked_total", "counter", "events acknowledged by the broker (acks=all, idempotent)", ("topic",)
    ),
    "failed": Metric("producer_events_failed_total", "counter", "events whose delivery failed", ("topic",)),
    "late": Metric(
        "producer_late_events_total",
        "counter",
        "events injected with an event time beyond the watermark (`--late-share`)",
        ("topic",),
    ),
    "malformed": Metric(
        "producer_malformed_events_total",
        "counter",
        "malformed records injected: `bad_json`, `missing_field`, `wrong_type`",
        ("kind",),
    ),
    "duplicated": Metric(
        "producer_duplicate_events_total",
        "counter",
        "events sent a second time, byte for byte, as an at-least-once producer does (`--duplicate-share`)",
        ("topic",),
    ),
    "rate": Metric("producer_rate_events_per_second", "gauge", "achieved send rate over the last 5 s"),
    "target": Metric("producer_target_rate_events_per_second", "gauge", "configured rate (0: as fast as possible)"),
    "latency": Metric(
        "producer_delivery_latency_seconds",
        "histogram",
        "produce() to acknowledgement, one event in 16 sampled",
        (),
        DELIVERY_BUCKETS,
    ),
}

ALL = {m.name: m for m in (*STREAMING.values(), *PRODUCER.values())}


def build(metric: Metric, registry, common: tuple[str, ...] = ()):
    """The prometheus_client family for `metric`, registered in `registry`."""
    import prometheus_client

    family = {
        "gauge": prometheus_client.Gauge,
        "counter": prometheus_client.Counter,
        "histogram": prometheus_client.Histogram,
    }[metric.kind]
    extra = {"buckets": metric.buckets} if metric.buckets else {}
    return family(metric.name, metric.doc, (*common, *metric.labels), registry=registry, **extra)


def doc_table(metrics: dict[str, Metric], labels_heading: str) -> str:
    """A Markdown table of `metrics`, as docs/metrics.md shows it."""
    rows = [f"| metric | type | {labels_heading} | meaning |", "|---|---|---|---|"]
    for m in metrics.values():
        labels = ", ".join(f"`{label}`" for label in m.labels)
        rows.append(f"| `{m.name}` | {m.kind} | {labels + ' ' if labels else ''}| {m.doc} |")
    return "\n".join(rows)
