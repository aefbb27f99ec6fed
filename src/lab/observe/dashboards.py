"""The lab's dashboards as code: one spec renders both Grafana's JSON and `make report`'s charts.

`DASHBOARDS` is the single definition. `python -m lab generate` (make generate) writes
grafana/dashboards/*.json from it. The report draws the same panels from Prometheus, so Grafana
and the report always show the same things. A static test fails if the committed JSON drifts
from this spec, and an integration test runs every panel's expression against the real
Prometheus while a job runs.

Expressions may use the Grafana variables $job and $query; `expand()` turns them into regexes
for use outside Grafana.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lab.config.settings import ROOT

DASHBOARD_DIR = ROOT / "grafana" / "dashboards"
SEL = '{job=~"$job",query=~"$query"}'


@dataclass(frozen=True)
class Target:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    targets: tuple[Target, ...]
    unit: str = "short"
    stacked: bool = False
    description: str = ""


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    panels: tuple[Panel, ...]
    variables: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=("streaming-lab",))


def _sel(extra: str) -> str:
    return SEL[:-1] + "," + extra + "}"


PHASES_SEL = _sel('phase!="triggerExecution"')
LAG_MAX_SEL = _sel('stat="max"')
LAG_AVG_SEL = _sel('stat="avg"')
STATE_TOTAL_SEL = _sel('kind="total"')


STREAMING = Dashboard(
    "lab-streaming",
    "Streaming performance",
    (
        Panel(
            "Input vs processed rate",
            (
                Target(f"streaming_input_rows_per_second{SEL}", "input {{query}}"),
                Target(f"streaming_processed_rows_per_second{SEL}", "processed {{query}}"),
            ),
            "rps",
            description="Processed above input means batches finish within the trigger. Whether a query keeps up "
            "is the Kafka lag's call: see the lag panel (src/lab/observe/verdict.py).",
        ),
        Panel(
            "Batch duration phases (last batch)",
            (Target(f"streaming_last_batch_phase_duration_seconds{PHASES_SEL}", "{{query}} {{phase}}"),),
            "s",
            stacked=True,
            description="Where each micro-batch spends its time; addBatch is the processing itself.",
        ),
        Panel(
            "Batch duration p50 / p95",
            (
                Target('lab:streaming_batch_duration_seconds:p50_1m{job=~"$job",query=~"$query"}', "p50 {{query}}"),
                Target('lab:streaming_batch_duration_seconds:p95_1m{job=~"$job",query=~"$query"}', "p95 {{query}}"),
            ),
            "s",
        ),
        Panel(
            "Event latency p50 / p95 / p99",
            (
                Target('lab:streaming_event_latency_seconds:p50_1m{job=~"$job",query=~"$query"}', "p50 {{query}}"),
                Target('lab:streaming_event_latency_seconds:p95_1m{job=~"$job",query=~"$query"}', "p95 {{query}}"),
                Target('lab:streaming_event_latency_seconds:p99_1m{job=~"$job",query=~"$query"}', "p99 {{query}}"),
            ),
            "s",
            description="Batch end minus event time; window results also wait for the window and watermark.",
        ),
        Panel(
            "Kafka lag (offsets behind latest)",
            (
                Target(f"streaming_kafka_offsets_behind_latest{LAG_MAX_SEL}", "max {{query}}"),
                Target(f"streaming_kafka_offsets_behind_latest{LAG_AVG_SEL}", "avg {{query}}"),
            ),
            description="The real consumer lag: the Kafka source commits no group offsets.",
        ),
        Panel(
            "Watermark delay",
            (Target(f"streaming_watermark_delay_seconds{SEL}", "{{query}}"),),
            "s",
            description="Wall clock minus the event-time watermark.",
        ),
        Panel("State rows", (Target(f"streaming_state_rows{STATE_TOTAL_SEL}", "{{query}}"),)),
        Panel("State memory", (Target(f"streaming_state_memory_bytes{SEL}", "{{query}}"),), "bytes"),
        Panel(
            "Late rows dropped (per second)",
            (Target(f"rate(streaming_late_rows_dropped_total{SEL}[1m])", "{{query}}"),),
            "rps",
        ),
        Panel(
            "Duplicate rows dropped (per second)",
            (Target(f"rate(streaming_duplicate_rows_dropped_total{SEL}[1m])", "{{query}}"),),
            "rps",
            description="Repeats of a key already in a deduplication's state (the dedup job).",
        ),
        Panel("Rows per batch", (Target(f"streaming_batch_input_rows{SEL}", "{{query}}"),)),
        Panel(
            "Sink output rows (per second)",
            (Target(f"rate(streaming_sink_output_rows_total{SEL}[1m])", "{{query}}"),),
            "rps",
        ),
        Panel("Query active", (Target(f"streaming_query_active{SEL}", "{{query}}"),)),
    ),
    variables=("job", "query"),
)

KAFKA = Dashboard(
    "lab-kafka",
    "Kafka & producer",
    (
        Panel(
            "Producer send rate by topic",
            (Target("sum by (topic) (rate(producer_events_sent_total[1m]))", "{{topic}}"),),
            "rps",
        ),
        Panel(
            "Producer acked vs failed",
            (
                Target("sum(rate(producer_events_acked_total[1m]))", "acked"),
                Target("sum(rate(producer_events_failed_total[1m]))", "failed"),
            ),
            "rps",
        ),
        Panel(
            "Producer achieved vs target rate",
            (
                Target("producer_rate_events_per_second", "achieved"),
                Target("producer_target_rate_events_per_second", "target"),
            ),
            "rps",
        ),
        Panel(
            "Producer delivery latency p99",
            (
                Target(
                    "histogram_quantile(0.99, sum by (le) (rate(producer_delivery_latency_seconds_bucket[1m])))", "p99"
                ),
            ),
            "s",
        ),
        Panel(
            "Injected late and malformed events",
            (
                Target("sum(producer_late_events_total)", "late"),
                Target("sum by (kind) (producer_malformed_events_total)", "malformed {{kind}}"),
            ),
        ),
        Panel(
            "Broker messages in by topic",
            (
                Target(
                    'sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{topic!=""}[1m]))',
                    "{{topic}}",
                ),
            ),
            "rps",
        ),
        Panel(
            "Broker bytes in / out",
            (
                Target("rate(kafka_server_brokertopicmetrics_bytesin_total[1m])", "in"),
                Target("rate(kafka_server_brokertopicmetrics_bytesout_total[1m])", "out"),
            ),
            "Bps",
        ),
        Panel(
            "Produce / fetch request time p99",
            (Target('kafka_network_request_total_time_ms{quantile="0.99"}', "{{request}}"),),
            "ms",
        ),
        Panel(
            "Partitions and under-replicated partitions",
            (
                Target("kafka_server_replicamanager_partitioncount", "partitions"),
                Target("kafka_server_replicamanager_underreplicatedpartitions", "under-replicated"),
            ),
        ),
        Panel("Broker JVM heap", (Target('jvm_memory_used_bytes{job="kafka",area="heap"}', "heap used"),), "bytes"),
    ),
)

SPARK = Dashboard(
    "lab-spark",
    "Spark cluster",
    (
        Panel("Alive workers", (Target("metrics_master_aliveWorkers_Value", "alive workers"),)),
        Panel(
            "Worker cores used / free",
            (Target("metrics_worker_coresUsed_Value", "used"), Target("metrics_worker_coresFree_Value", "free")),
        ),
        Panel("Worker memory used", (Target("metrics_worker_memUsed_MB_Value * 1024 * 1024", "used"),), "bytes"),
        Panel(
            "Executors",
            (
                Target("metrics_worker_executors_Value", "executors"),
                Target("sum(metrics_executor_activeTasks)", "active tasks"),
            ),
        ),
        Panel(
            "JVM heap used",
            (
                Target('metrics_jvm_heap_used_Value{job=~"spark-master|spark-worker"}', "{{job}}"),
                Target("metrics_lab_driver_jvm_heap_used_Value", "driver"),
                Target("metrics_executor_JVMHeapMemory_bytes", "executor {{executor_id}}"),
            ),
            "bytes",
        ),
        Panel(
            "GC time (share of wall clock)",
            (
                Target("rate(metrics_executor_totalGCTime_seconds_total[1m])", "executor {{executor_id}}"),
                Target("rate(metrics_lab_driver_jvm_G1_Young_Generation_time_Value[1m]) / 1000", "driver young GC"),
            ),
            "percentunit",
        ),
        Panel(
            "Shuffle read / write",
            (
                Target("rate(metrics_executor_totalShuffleRead_bytes_total[1m])", "read"),
                Target("rate(metrics_executor_totalShuffleWrite_bytes_total[1m])", "write"),
            ),
            "Bps",
        ),
        Panel(
            "Tasks completed (per second)",
            (Target("rate(metrics_executor_completedTasks_total[1m])", "executor {{executor_id}}"),),
            "ops",
        ),
    ),
)

DASHBOARDS = (STREAMING, KAFKA, SPARK)


def expand(expr: str, job: str = ".*", query: str = ".*") -> str:
    """An expression with Grafana's $job and $query replaced, for Prometheus's own API."""
    return expr.replace("$job", job).replace("$query", query)


def _variable(name: str) -> dict:
    query = (
        "label_values(streaming_batch_id, job)"
        if name == "job"
        else 'label_values(streaming_batch_id{job=~"$job"}, query)'
    )
    return {
        "name": name,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "lab-prometheus"},
        "query": {"query": query, "refId": name},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
        "sort": 1,
    }


def to_grafana(d: Dashboard) -> dict:
    panels = []
    for i, p in enumerate(d.panels):
        panels.append(
            {
                "id": i + 1,
                "type": "timeseries",
                "title": p.title,
                "description": p.description,
                "datasource": {"type": "prometheus", "uid": "lab-prometheus"},
                "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
                "fieldConfig": {
                    "defaults": {
                        "unit": p.unit,
                        "custom": {
                            "stacking": {"mode": "normal" if p.stacked else "none"},
                            "fillOpacity": 30 if p.stacked else 5,
                        },
                    },
                    "overrides": [],
                },
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
                "targets": [
                    {"expr": t.expr, "legendFormat": t.legend, "refId": chr(65 + j)} for j, t in enumerate(p.targets)
                ],
            }
        )
    return {
        "uid": d.uid,
        "title": d.title,
        "tags": list(d.tags),
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "5s",
        "time": {"from": "now-15m", "to": "now"},
        "templating": {"list": [_variable(v) for v in d.variables]},
        "panels": panels,
    }


def render_all() -> dict[Path, str]:
    return {DASHBOARD_DIR / f"{d.uid}.json": json.dumps(to_grafana(d), indent=2) + "\n" for d in DASHBOARDS}


def write_all() -> list[Path]:
    DASHBOARD_DIR.mkdir(parents=True, exist_ok=True)
    out = []
    for path, text in render_all().items():
        path.write_text(text)
        out.append(path)
    return out
