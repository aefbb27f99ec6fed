"""The lab's dashboards as code: one spec renders both Grafana's JSON and `make report`'s charts.

`DASHBOARDS` is the single definition, as data (`Dashboard`, `Panel`, `Target`) that the report
and lab.observe.panel_text read. `to_grafana()` turns a board into Grafana's JSON with Grafana's
own SDK (grafana-foundation-sdk, pinned to the lab's GRAFANA_VERSION), so the JSON has the schema
that Grafana expects; `python -m lab generate` (make generate) writes grafana/dashboards/*.json
from `render_all()`. The report draws the same panels from Prometheus, so Grafana and the report
always show the same things. A static test fails if the committed JSON drifts from this spec, and
an integration test runs every panel's expression against the real Prometheus while a job runs.

Layout: every panel is a time series 12 columns wide and 8 high, two a row, in `panels` order.
Expressions may use the Grafana variables $job and $query; `expand()` turns them into regexes
for use outside Grafana. A panel's `unit` is a Grafana unit id (the SDK's `units` names them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common, units
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableOption, VariableRefresh, VariableSort

from lab.config.settings import ROOT

DASHBOARD_DIR = ROOT / "grafana" / "dashboards"
SEL = '{job=~"$job",query=~"$query"}'
# Provisioned by grafana/provisioning/datasources/prometheus.yml.
DATASOURCE = DataSourceRef(type_val="prometheus", uid="lab-prometheus")
PANEL_WIDTH, PANEL_HEIGHT = 12, 8  # of Grafana's 24 columns: two panels a row


@dataclass(frozen=True)
class Target:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    targets: tuple[Target, ...]
    unit: str = units.Short
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
            units.ReadsPerSecond,
            description="Processed above input means batches finish within the trigger. Whether a query keeps up "
            "is the Kafka lag's call: see the lag panel (src/lab/observe/verdict.py).",
        ),
        Panel(
            "Batch duration phases (last batch)",
            (Target(f"streaming_last_batch_phase_duration_seconds{PHASES_SEL}", "{{query}} {{phase}}"),),
            units.Seconds,
            stacked=True,
            description="Where each micro-batch spends its time; addBatch is the processing itself.",
        ),
        Panel(
            "Batch duration p50 / p95",
            (
                Target('lab:streaming_batch_duration_seconds:p50_1m{job=~"$job",query=~"$query"}', "p50 {{query}}"),
                Target('lab:streaming_batch_duration_seconds:p95_1m{job=~"$job",query=~"$query"}', "p95 {{query}}"),
            ),
            units.Seconds,
        ),
        Panel(
            "Event latency p50 / p95 / p99",
            (
                Target('lab:streaming_event_latency_seconds:p50_1m{job=~"$job",query=~"$query"}', "p50 {{query}}"),
                Target('lab:streaming_event_latency_seconds:p95_1m{job=~"$job",query=~"$query"}', "p95 {{query}}"),
                Target('lab:streaming_event_latency_seconds:p99_1m{job=~"$job",query=~"$query"}', "p99 {{query}}"),
            ),
            units.Seconds,
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
            units.Seconds,
            description="Wall clock minus the event-time watermark.",
        ),
        Panel("State rows", (Target(f"streaming_state_rows{STATE_TOTAL_SEL}", "{{query}}"),)),
        Panel("State memory", (Target(f"streaming_state_memory_bytes{SEL}", "{{query}}"),), units.BytesIEC),
        Panel(
            "Late rows dropped (per second)",
            (Target(f"rate(streaming_late_rows_dropped_total{SEL}[1m])", "{{query}}"),),
            units.ReadsPerSecond,
        ),
        Panel(
            "Duplicate rows dropped (per second)",
            (Target(f"rate(streaming_duplicate_rows_dropped_total{SEL}[1m])", "{{query}}"),),
            units.ReadsPerSecond,
            description="Repeats of a key already in a deduplication's state (the dedup job).",
        ),
        Panel("Rows per batch", (Target(f"streaming_batch_input_rows{SEL}", "{{query}}"),)),
        Panel(
            "Sink output rows (per second)",
            (Target(f"rate(streaming_sink_output_rows_total{SEL}[1m])", "{{query}}"),),
            units.ReadsPerSecond,
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
            units.ReadsPerSecond,
        ),
        Panel(
            "Producer acked vs failed",
            (
                Target("sum(rate(producer_events_acked_total[1m]))", "acked"),
                Target("sum(rate(producer_events_failed_total[1m]))", "failed"),
            ),
            units.ReadsPerSecond,
        ),
        Panel(
            "Producer achieved vs target rate",
            (
                Target("producer_rate_events_per_second", "achieved"),
                Target("producer_target_rate_events_per_second", "target"),
            ),
            units.ReadsPerSecond,
        ),
        Panel(
            "Producer delivery latency p99",
            (
                Target(
                    "histogram_quantile(0.99, sum by (le) (rate(producer_delivery_latency_seconds_bucket[1m])))", "p99"
                ),
            ),
            units.Seconds,
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
            units.ReadsPerSecond,
        ),
        Panel(
            "Broker bytes in / out",
            (
                Target("rate(kafka_server_brokertopicmetrics_bytesin_total[1m])", "in"),
                Target("rate(kafka_server_brokertopicmetrics_bytesout_total[1m])", "out"),
            ),
            units.BytesPerSecondSI,
        ),
        # One series per broker ({{instance}}): one, or the cluster profile's three.
        Panel(
            "Produce / fetch request time p99",
            (Target('kafka_network_request_total_time_ms{quantile="0.99"}', "{{request}} {{instance}}"),),
            units.Milliseconds,
        ),
        Panel(
            "Partitions and under-replicated partitions",
            (
                Target("kafka_server_replicamanager_partitioncount", "partitions {{instance}}"),
                Target("kafka_server_replicamanager_underreplicatedpartitions", "under-replicated {{instance}}"),
            ),
        ),
        Panel(
            "Partition leaders and controller elections",
            (
                Target("kafka_server_replicamanager_leadercount", "leaders {{instance}}"),
                Target("kafka_controller_newactivecontrollerscount", "controller elections seen by {{instance}}"),
            ),
        ),
        Panel(
            "ISR shrinks and expands",
            (
                Target("rate(kafka_server_replicamanager_isrshrinks_total[1m])", "shrinks {{instance}}"),
                Target("rate(kafka_server_replicamanager_isrexpands_total[1m])", "expands {{instance}}"),
            ),
            units.OpsPerSecond,
        ),
        Panel(
            "Broker JVM heap",
            (Target('jvm_memory_used_bytes{job="kafka",area="heap"}', "heap used {{instance}}"),),
            units.BytesIEC,
        ),
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
        Panel("Worker memory used", (Target("metrics_worker_memUsed_MB_Value * 1024 * 1024", "used"),), units.BytesIEC),
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
            units.BytesIEC,
        ),
        Panel(
            "GC time (share of wall clock)",
            (
                Target("rate(metrics_executor_totalGCTime_seconds_total[1m])", "executor {{executor_id}}"),
                Target("rate(metrics_lab_driver_jvm_G1_Young_Generation_time_Value[1m]) / 1000", "driver young GC"),
            ),
            units.PercentUnit,
        ),
        Panel(
            "Shuffle read / write",
            (
                Target("rate(metrics_executor_totalShuffleRead_bytes_total[1m])", "read"),
                Target("rate(metrics_executor_totalShuffleWrite_bytes_total[1m])", "write"),
            ),
            units.BytesPerSecondSI,
        ),
        Panel(
            "Tasks completed (per second)",
            (Target("rate(metrics_executor_completedTasks_total[1m])", "executor {{executor_id}}"),),
            units.OpsPerSecond,
        ),
    ),
)

DASHBOARDS = (STREAMING, KAFKA, SPARK)


def expand(expr: str, job: str = ".*", query: str = ".*") -> str:
    """An expression with Grafana's $job and $query replaced, for Prometheus's own API."""
    return expr.replace("$job", job).replace("$query", query)


def _variable(name: str) -> dashboard_builders.QueryVariable:
    """$job or $query: every value by default, several at once, listed from the streaming metrics."""
    query = (
        "label_values(streaming_batch_id, job)"
        if name == "job"
        else 'label_values(streaming_batch_id{job=~"$job"}, query)'
    )
    return (
        dashboard_builders.QueryVariable(name)
        .datasource(DATASOURCE)
        .query({"query": query, "refId": name})
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .include_all(True)
        .multi(True)
        .all_value(".*")
        .current(VariableOption(text="All", value="$__all"))
        .sort(VariableSort.ALPHABETICAL_ASC)
    )


def _panel(p: Panel, panel_id: int) -> timeseries.Panel:
    """A time series panel; the dashboard builder places it on the grid."""
    return (
        timeseries.Panel()
        .id(panel_id)
        .title(p.title)
        .description(p.description)
        .datasource(DATASOURCE)
        .span(PANEL_WIDTH)
        .height(PANEL_HEIGHT)
        .unit(p.unit)
        .stacking(
            common_builders.StackingConfig().mode(common.StackingMode.NORMAL if p.stacked else common.StackingMode.NONE)
        )
        .fill_opacity(30 if p.stacked else 5)
        # The SDK's models default to a hidden legend and an ascending tooltip; Grafana's panels
        # default to a shown legend and the series' own order, which these boards keep.
        .legend(
            common_builders.VizLegendOptions()
            .show_legend(True)
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
        )
        .tooltip(common_builders.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.NONE))
        .targets(
            [
                prometheus.Dataquery().expr(t.expr).legend_format(t.legend).ref_id(chr(65 + j))
                for j, t in enumerate(p.targets)
            ]
        )
    )


def to_grafana(d: Dashboard) -> dict:
    """The board as Grafana's dashboard JSON (a plain dict), built with Grafana's SDK."""
    board = (
        dashboard_builders.Dashboard(d.title)
        .uid(d.uid)
        .tags(list(d.tags))
        .timezone("utc")
        .version(1)
        .editable()
        .refresh("5s")
        .time("now-15m", "now")
        .variables([_variable(v) for v in d.variables])
    )
    for i, p in enumerate(d.panels):
        board.with_panel(_panel(p, i + 1))
    return json.loads(json.dumps(board.build(), cls=JSONEncoder))


def render_all() -> dict[Path, str]:
    return {DASHBOARD_DIR / f"{d.uid}.json": json.dumps(to_grafana(d), indent=2) + "\n" for d in DASHBOARDS}


def write_all() -> list[Path]:
    DASHBOARD_DIR.mkdir(parents=True, exist_ok=True)
    out = []
    for path, text in render_all().items():
        path.write_text(text)
        out.append(path)
    return out
