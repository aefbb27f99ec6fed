"""`make report`: the course's performance report, from Prometheus, without Grafana.

Contract: `runs(prom, job, start, end)` lists the runs of a job's main query that Prometheus saw
in [start, end], oldest first, told apart by Spark's run id (the listener's
streaming_query_started_timestamp_seconds): their start, end, batches and rows. `build(settings,
job, start, end, run=None)` reports one of them, the latest unless `run` names another (a run id,
or its first characters, or its number in the list), and writes reports/<job>-<UTC time>/ with:
- report.html: self-contained (charts embedded as PNG), its text the summary's Markdown rendered
  by lab.mdhtml (Python-Markdown);
- report.md: a summary with the same figures;
- one PNG per chart.

The figures and the verdict come from the chosen run only. The charts are the dashboards' own
panels (src/lab/dashboards.py), so the report and Grafana show the same things; like Grafana, they
leave a gap where Prometheus has no samples rather than draw a line across it, and they mark the
run's start and end. The verdict is "keeps up" or "falls behind" by the lab's one rule (src/lab/verdict.py),
with the evidence. The tuning hints are drawn from the same numbers; their thresholds live in
THRESHOLDS below.

Not for: comparing runs (see `make bench`). A report describes one run of one job.
"""

from __future__ import annotations

import html
import io
import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lab import httpclient, mdhtml
from lab import verdict as lab_verdict
from lab.dashboards import DASHBOARDS, STREAMING, Panel, expand
from lab.settings import ROOT, Settings
from streamlab import naming

REPORTS_DIR = ROOT / "reports"

# Where the verdict and the hints draw their lines; each is explained where it is used.
THRESHOLDS = {
    "state_rows_rocksdb": 1_000_000,  # beyond this, the RocksDB state store is worth trying
    "state_bytes_rocksdb": 256 * 1024 * 1024,
    "gc_share_high": 0.10,  # executors spending > 10% of wall time in GC
    "partitions_per_core_max": 4,  # shuffle partitions beyond 4 per core mostly add task overhead
}
GAP_STEPS = 3  # points further apart than this many steps have a gap between them: no line drawn


class ReportError(RuntimeError):
    pass


@dataclass
class Series:
    labels: dict
    points: list[tuple[float, float]]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points if math.isfinite(v)]


@dataclass
class Figures:
    input_rate: float = 0.0
    processed_rate: float = 0.0
    rows: float = 0.0
    batches: float = 0.0
    lag_start: float = 0.0
    lag_end: float = 0.0
    lag_slope: float = 0.0
    batch_p50: float | None = None
    batch_p95: float | None = None
    latency: dict = field(default_factory=dict)
    state_rows_max: float = 0.0
    state_bytes_max: float = 0.0
    late_dropped: float = 0.0
    gc_share: float | None = None
    trigger_seconds: float | None = None


class Prometheus:
    def __init__(self, base: str):
        self.base = base

    @classmethod
    def of(cls, settings: Settings) -> Prometheus:
        """The lab's Prometheus."""
        return cls(f"http://{settings.host}:{settings['PROMETHEUS_PORT']}")

    def _get(self, path: str, params: dict) -> dict:
        try:
            body = httpclient.get_json(f"{self.base}{path}", 30, params)
        except httpclient.HttpError as exc:
            raise ReportError(f"Prometheus at {self.base} does not answer ({exc}): is the lab up?") from None
        if body.get("status") != "success":
            raise ReportError(f"Prometheus rejected {params.get('query')}: {body.get('error')}")
        return body["data"]

    def range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        data = self._get("/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step})
        return [Series(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in data["result"]]

    def instant(self, expr: str, at: float) -> list[Series]:
        data = self._get("/api/v1/query", {"query": expr, "time": at})
        return [Series(r["metric"], [(float(r["value"][0]), float(r["value"][1]))]) for r in data["result"]]

    def samples(self, selector: str, start: float, end: float) -> list[Series]:
        """The raw samples of `selector` in (start, end], at their scrape times."""
        data = self._get("/api/v1/query", {"query": f"{selector}[{max(1, math.ceil(end - start))}s]", "time": end})
        return [Series(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in data["result"]]


@dataclass
class Run:
    """One run of a job's main query: from Spark's start to its last sample in Prometheus."""

    run_id: str
    start: float
    end: float
    batches: float = 0.0
    rows: float = 0.0

    @property
    def short_id(self) -> str:
        return self.run_id[:8]


def _last(prom: Prometheus, expr: str, start: float, end: float) -> float:
    """max_over_time of `expr` over [start, end]: a counter's value at the end of a run (each run is
    its own driver process, so its counters start at 0)."""
    found = prom.instant(f"max_over_time({expr}[{max(1, math.ceil(end - start) + 1)}s])", end)
    return found[0].values[0] if found and found[0].values else 0.0


def runs(prom: Prometheus, job: str, start: float, end: float) -> list[Run]:
    """The runs of `job`'s main query with samples in [start, end], oldest first."""
    sel = f'job="{job}",query="{naming.main_query(job)}"'
    found = []
    for s in prom.samples(f"streaming_query_started_timestamp_seconds{{{sel}}}", start, end):
        if s.points:
            run = Run(s.labels.get("run_id", "?"), s.points[0][1], s.points[-1][0])
            run.batches = _last(prom, f"streaming_batches_total{{{sel}}}", run.start, run.end)
            run.rows = _last(prom, f"streaming_input_rows_total{{{sel}}}", run.start, run.end)
            found.append(run)
    return sorted(found, key=lambda r: r.start)


def no_runs(job: str, start: float, end: float) -> str:
    return (
        f"Prometheus has no run of job {job!r} between "
        f"{datetime.fromtimestamp(start, UTC):%H:%M:%S} and "
        f"{datetime.fromtimestamp(end, UTC):%H:%M:%S} UTC: run it first "
        f"(make submit JOB={job}) and pass SINCE= to cover the run"
    )


def pick(found: list[Run], wanted: str | None) -> Run:
    """The run `wanted` names (a number from the list, a run id or its first characters); the latest if None."""
    if not wanted:
        return found[-1]
    if wanted.isdigit() and 1 <= int(wanted) <= len(found):
        return found[int(wanted) - 1]
    matches = [r for r in found if r.run_id.startswith(wanted)]
    if len(matches) != 1:
        listed = ", ".join(f"{i} ({r.short_id})" for i, r in enumerate(found, 1))
        raise ReportError(f"no single run matches {wanted!r}; the runs are {listed}")
    return matches[0]


def list_text(job: str, found: list[Run]) -> str:
    """The runs as a table for the terminal (`make report LIST=1`)."""
    lines = [f"{'#':>3}  {'run id':8}  {'start (UTC)':19}  {'end':8}  {'seconds':>7}  {'batches':>7}  {'rows':>12}"]
    for i, r in enumerate(found, 1):
        t0, t1 = datetime.fromtimestamp(r.start, UTC), datetime.fromtimestamp(r.end, UTC)
        lines.append(
            f"{i:>3}  {r.short_id:8}  {t0:%Y-%m-%d %H:%M:%S}  {t1:%H:%M:%S}  {r.end - r.start:>7,.0f}  "
            f"{r.batches:>7,.0f}  {r.rows:>12,.0f}"
        )
    lines.append(f"make report JOB={job} RUN=<# or run id> reports one of them; without RUN=, the latest.")
    return "\n".join(lines)


def _slope(points: list[tuple[float, float]]) -> float:
    pts = [(t, v) for t, v in points if math.isfinite(v)]
    if len(pts) < 2:
        return 0.0
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mv = sum(v for _, v in pts) / n
    den = sum((t - mt) ** 2 for t, _ in pts)
    return sum((t - mt) * (v - mv) for t, v in pts) / den if den else 0.0


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def figures(prom: Prometheus, job: str, start: float, end: float, step: float) -> Figures:
    sel = f'job="{job}",query="{naming.main_query(job)}"'
    f = Figures()

    def series(expr):
        return [v for s in prom.range(expr, start, end, step) for v in s.values]

    f.input_rate = _mean(series(f"streaming_input_rows_per_second{{{sel}}}"))
    f.processed_rate = _mean(series(f"streaming_processed_rows_per_second{{{sel}}}"))
    total = prom.instant(f"max_over_time(streaming_input_rows_total{{{sel}}}[{int(end - start) + 1}s])", end)
    f.rows = total[0].values[0] if total and total[0].values else 0.0
    batches = prom.instant(f"max_over_time(streaming_batches_total{{{sel}}}[{int(end - start) + 1}s])", end)
    f.batches = batches[0].values[0] if batches and batches[0].values else 0.0
    lag = prom.range(f'streaming_kafka_offsets_behind_latest{{{sel},stat="max"}}', start, end, step)
    if lag and lag[0].values:
        f.lag_start, f.lag_end = lag[0].values[0], lag[0].values[-1]
        f.lag_slope = _slope(lag[0].points)
    for q, name in ((0.5, "batch_p50"), (0.95, "batch_p95")):
        v = prom.instant(
            f"histogram_quantile({q}, sum by (le) (increase(streaming_batch_phase_duration_seconds_bucket"
            f'{{{sel},phase="triggerExecution"}}[{int(end - start) + 1}s])))',
            end,
        )
        setattr(f, name, v[0].values[0] if v and v[0].values else None)
    for q in (0.5, 0.95, 0.99):
        v = prom.instant(
            f"histogram_quantile({q}, sum by (le) (increase(streaming_event_latency_seconds_bucket"
            f"{{{sel}}}[{int(end - start) + 1}s])))",
            end,
        )
        if v and v[0].values:
            f.latency[q] = v[0].values[0]
    f.state_rows_max = max(series(f'streaming_state_rows{{{sel},kind="total"}}') or [0.0])
    f.state_bytes_max = max(series(f"streaming_state_memory_bytes{{{sel}}}") or [0.0])
    dropped = prom.instant(f"max_over_time(streaming_late_rows_dropped_total{{{sel}}}[{int(end - start) + 1}s])", end)
    f.late_dropped = dropped[0].values[0] if dropped and dropped[0].values else 0.0
    gc = series("rate(metrics_executor_totalGCTime_seconds_total[1m])")
    f.gc_share = _mean(gc) if gc else None
    return f


def verdict(f: Figures) -> tuple[str, list[str]]:
    """'keeps up' or 'falls behind' by the lab's one rule (lab.verdict), and the evidence."""
    trigger = f.trigger_seconds or 0.0
    allowed = lab_verdict.allowed_lag(f.input_rate, trigger)
    evidence = [
        f"input {f.input_rate:,.1f} rows/s on average, processed {f.processed_rate:,.1f} rows/s "
        f"(rows/s while a batch runs)",
        f"Kafka lag (worst partition) went from {f.lag_start:,.0f} to {f.lag_end:,.0f} offsets, "
        f"trend {f.lag_slope:+,.1f} offsets/s; keeping up allows a lag of {allowed:,.0f} "
        f"({lab_verdict.LAG_SECONDS:.0f} s of input plus the trigger, at least {lab_verdict.MIN_LAG:,}) "
        f"growing at most {lab_verdict.GROWTH_SHARE:.0%} of the input rate",
    ]
    if not lab_verdict.keeps_up(f.input_rate, f.lag_slope, f.lag_end, trigger):
        return "falls behind", [*evidence, "verdict: falls behind, because the lag keeps growing beyond the allowance"]
    return "keeps up", [*evidence, "verdict: keeps up: the lag stays within the allowance or does not grow"]


def hints(f: Figures, settings: Settings, verdict_text: str) -> list[str]:
    out = []
    cores = settings.int("SPARK_WORKER_CORES")
    partitions = settings.int("SPARK_SHUFFLE_PARTITIONS")
    if partitions > THRESHOLDS["partitions_per_core_max"] * cores:
        out.append(
            f"spark.sql.shuffle.partitions is {partitions} for {cores} cores: each stateful batch runs "
            f"{partitions} tasks; try {2 * cores} (it is fixed in the checkpoint, so `make reset` first)."
        )
    elif partitions < cores:
        out.append(f"spark.sql.shuffle.partitions ({partitions}) is below the cores ({cores}): some cores stay idle.")
    if verdict_text == "falls behind":
        out.append(
            "Falling behind: raise --max-offsets-per-trigger (or remove it) so each batch takes more, "
            "or give the worker more cores (SPARK_WORKER_CORES)."
        )
        if f.batch_p95 and f.trigger_seconds and f.batch_p95 > f.trigger_seconds:
            out.append(
                f"Batches take {f.batch_p95:.1f}s at p95, longer than the {f.trigger_seconds:.0f}s trigger: "
                "the trigger interval is not what limits throughput, processing is."
            )
    elif f.batch_p50 is not None and f.trigger_seconds and f.batch_p50 < 0.25 * f.trigger_seconds:
        out.append(
            f"Batches take {f.batch_p50:.2f}s at p50 against a {f.trigger_seconds:.0f}s trigger: a shorter "
            "trigger would cut latency, at the cost of more, smaller batches."
        )
    if f.state_rows_max > THRESHOLDS["state_rows_rocksdb"] or f.state_bytes_max > THRESHOLDS["state_bytes_rocksdb"]:
        out.append(
            f"State peaked at {f.state_rows_max:,.0f} rows / {f.state_bytes_max / 2**20:,.0f} MiB: try the "
            "RocksDB state store (spark.sql.streaming.stateStore.providerClass) with changelog checkpointing."
        )
    if f.gc_share is not None and f.gc_share > THRESHOLDS["gc_share_high"]:
        out.append(f"Executors spend {100 * f.gc_share:.0f}% of their time in GC: raise SPARK_EXECUTOR_MEMORY.")
    if f.late_dropped:
        out.append(
            f"{f.late_dropped:,.0f} rows arrived behind the watermark and were dropped: if they matter, "
            "lengthen the watermark delay (at the cost of more state and later results)."
        )
    return out or ["No tuning needed for this run by the lab's thresholds."]


def gapped(points: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """`points` with a NaN between any two further apart than GAP_STEPS steps, and NaN for values
    that are not finite: matplotlib breaks a line at NaN, as Grafana leaves periods without samples empty."""
    out: list[tuple[float, float]] = []
    for t, v in points:
        if out and t - out[-1][0] > GAP_STEPS * step:
            out.append(((out[-1][0] + t) / 2, math.nan))
        out.append((t, v if math.isfinite(v) else math.nan))
    return out


def chart_figure(panel: Panel, series: list[tuple[str, Series]], step: float, marks: tuple[float, float]):
    """The panel's chart as a matplotlib Figure (None if no series has a finite value): one line per
    (label, series), broken at gaps, and dashed lines at `marks`, the run's start and end."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = [(label, gapped(s.points, step)) for label, s in series]
    drawn = [(label, pts) for label, pts in drawn if any(not math.isnan(v) for _, v in pts)]
    if not drawn:
        return None
    fig, ax = plt.subplots(figsize=(7, 2.8), dpi=90)
    for label, pts in drawn:
        ax.plot([datetime.fromtimestamp(t, UTC) for t, _ in pts], [v for _, v in pts], label=label, linewidth=1.2)
    for t, text in zip(marks, ("run start", "run end"), strict=True):
        ax.axvline(datetime.fromtimestamp(t, UTC), color="#888", linestyle="--", linewidth=0.8)
        ax.annotate(
            text,
            (datetime.fromtimestamp(t, UTC), 0.02),  # at the bottom: the legend sits at the top left
            xycoords=("data", "axes fraction"),
            fontsize=6,
            color="#666",
            rotation=90,
            va="bottom",
            ha="right",
        )
    ax.set_title(panel.title, fontsize=10)
    ax.set_ylabel(panel.unit, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    if len(drawn) <= 8:
        ax.legend(fontsize=7, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def _chart(prom: Prometheus, panel: Panel, job: str, run: Run, start: float, end: float, step: float) -> bytes | None:
    series = []
    for target in panel.targets:
        for s in prom.range(expand(target.expr, job=job), start, end, step):
            label = target.legend
            for key, value in s.labels.items():
                label = label.replace("{{" + key + "}}", value)
            series.append((label or target.expr[:40], s))
    fig = chart_figure(panel, series, step, (run.start, run.end))
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def build(
    settings: Settings,
    job: str,
    start: float,
    end: float,
    out_root: Path = REPORTS_DIR,
    trigger_seconds: float | None = None,
    run: str | None = None,
) -> Path:
    """Report one run of `job` among those in [start, end] (see the module's contract)."""
    prom = Prometheus.of(settings)
    if end <= start:
        raise ReportError("the report's time range is empty")
    found = runs(prom, job, start, end)
    if not found:
        raise ReportError(no_runs(job, start, end))
    chosen = pick(found, run)
    # Figures over the run alone; charts a little either side, so its start and end show.
    step = max(5.0, (chosen.end - chosen.start) / 200)
    f = figures(prom, job, chosen.start, chosen.end, step)
    f.trigger_seconds = trigger_seconds
    text, evidence = verdict(f)
    tips = hints(f, settings, text)
    stamp = datetime.fromtimestamp(chosen.end, UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out_root / f"{job}-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    charts = []
    for board in DASHBOARDS:
        for panel in board.panels:
            png = _chart(
                prom,
                panel,
                job if board is STREAMING else ".*",
                chosen,
                chosen.start - 4 * step,
                chosen.end + 4 * step,
                step,
            )
            if png:
                name = f"{board.uid}-{len(charts):02d}.png"
                (out / name).write_bytes(png)
                charts.append((board.title, panel, name, png))
    summary = _summary(job, chosen, found, f, text, evidence, tips)
    (out / "report.md").write_text(
        summary + "\n## Charts\n\n" + "\n".join(f"### {b}: {p.title}\n\n![{p.title}]({n})\n" for b, p, n, _ in charts)
    )
    (out / "report.html").write_text(_html(job, summary, charts))
    figures_json = {"verdict": text, "run_id": chosen.run_id, "runs_in_window": len(found), **f.__dict__}
    (out / "figures.json").write_text(json.dumps(figures_json, indent=2, default=str) + "\n")
    return out


def _fmt(v: float | None, unit: str = "s") -> str:
    return "n/a" if v is None else f"{v:,.3f} {unit}"


def _summary(job, run: Run, found: list[Run], f: Figures, text, evidence, tips) -> str:
    t0 = datetime.fromtimestamp(run.start, UTC)
    t1 = datetime.fromtimestamp(run.end, UTC)
    lat = " / ".join(_fmt(f.latency.get(q)) for q in (0.5, 0.95, 0.99))
    others = (
        [
            f"The time range held {len(found)} runs of {job}; this report covers run {found.index(run) + 1}"
            f"{' (the latest)' if run is found[-1] else ''}, and its figures come from that run alone. "
            f"`make report JOB={job} LIST=1` lists them; `RUN=` picks another.",
            "",
        ]
        if len(found) > 1
        else []
    )
    return "\n".join(
        [
            f"# Performance report: {job}",
            "",
            f"Run {run.short_id}: {t0:%Y-%m-%d %H:%M:%S} to {t1:%H:%M:%S} UTC ({run.end - run.start:,.0f} s). "
            f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')}.",
            "",
            *others,
            f"## Verdict: **{text}**",
            "",
            *[f"- {e}" for e in evidence],
            "",
            "## Figures",
            "",
            "| measure | value |",
            "|---|---|",
            f"| rows read | {f.rows:,.0f} in {f.batches:,.0f} micro-batches |",
            f"| input rate (mean) | {f.input_rate:,.1f} rows/s |",
            f"| processed rate (mean) | {f.processed_rate:,.1f} rows/s |",
            f"| batch duration p50 / p95 | {_fmt(f.batch_p50)} / {_fmt(f.batch_p95)} |",
            f"| event latency p50 / p95 / p99 | {lat} |",
            f"| Kafka lag start → end (max partition) | {f.lag_start:,.0f} → {f.lag_end:,.0f} offsets |",
            f"| state rows (peak) | {f.state_rows_max:,.0f} |",
            f"| state memory (peak) | {f.state_bytes_max / 2**20:,.1f} MiB |",
            f"| late rows dropped | {f.late_dropped:,.0f} |",
            f"| executor GC share | {'n/a' if f.gc_share is None else f'{100 * f.gc_share:.1f}%'} |",
            "",
            "## Tuning hints",
            "",
            *[f"- {t}" for t in tips],
            "",
            "Event latency is measured from event time to the end of the batch that read the event; window "
            "results also wait for their window to end and for the watermark.",
            "",
        ]
    )


def _html(job: str, summary_md: str, charts) -> str:
    imgs = "\n".join(
        f'<figure><img alt="{html.escape(p.title)}" src="{mdhtml.data_uri(png)}">'
        f"<figcaption>{html.escape(b)}: {html.escape(p.title)}</figcaption></figure>"
        for b, p, _, png in charts
    )
    return mdhtml.page(f"Performance report: {job}", summary_md, f"<h2>Charts</h2>{imgs}")
