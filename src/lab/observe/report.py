"""`make report`: the course's performance report, from Prometheus, without Grafana, in the
learner's language (Spanish with LAB_LANG=es or a Spanish locale, English otherwise).

Contract: `runs(prom, job, start, end)` lists the runs of a job's main query that Prometheus saw
in [start, end], oldest first, told apart by Spark's run id (the listener's
streaming_query_started_timestamp_seconds): their start, end, batches and rows. `build(settings,
job, start, end, run=None, lang=None)` reports one of them, the latest unless `run` names another
(a run id, or its first characters, or its number in the list), and writes
reports/<job>-<UTC time>/ with:
- report.html: self-contained (charts embedded as PNG), its text the summary's Markdown rendered
  by lab.observe.mdhtml (Python-Markdown);
- report.md: a summary with the same figures;
- figures.json: the figures with machine-readable keys, in any language. `verdict` is the code
  "keeps up" or "falls behind"; a percentile is {"value", "above"};
- one PNG per chart.
Every text is in `lang` (default: streamlab.i18n.language()), from src/lab/messages/report.toml
(and panels.toml for the charts); numbers as the language writes them (lab.observe.units).

The figures and the verdict come from the chosen run only. A run's first batch reads what waited
in Kafka when it started (from the starting offsets, or from the checkpoint's), a backlog that
may dwarf the rest: the report says what it read and why (the listener exports its id, rows and
duration), and gives the rates of the steady state (the batches after it) beside the whole run's.
Percentiles are Prometheus' estimate from the histograms' buckets (histogram_quantile's
interpolation, `quantile`) over the run's final counts; one beyond the top finite bucket is a
lower bound, written "> 600 s".

The charts are the dashboards' own panels (src/lab/observe/dashboards.py), so the report and Grafana show
the same things; like Grafana, they leave a gap where Prometheus has no samples rather than draw a
line across it, and they mark the run's start and end. The verdict is "keeps up" or "falls
behind" by the lab's one rule (src/lab/observe/verdict.py), with the evidence. The tuning hints are drawn
from the same numbers; their thresholds live in THRESHOLDS below.

Not for: comparing runs (see `make bench`). A report describes one run of one job.
"""

from __future__ import annotations

import dataclasses
import html
import io
import itertools
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lab.config.settings import ROOT, Settings
from lab.errors import RuntimeFailure
from lab.observe import mdhtml, panel_text, units
from lab.observe import verdict as lab_verdict
from lab.observe.dashboards import DASHBOARDS, STREAMING, Panel, expand
from lab.system import httpclient
from streamlab import naming
from streamlab.i18n import Catalogue, language
from streamlab.metric_catalog import DURATION_BUCKETS, LATENCY_BUCKETS

REPORTS_DIR = ROOT / "reports"
TEXT = Catalogue.load("lab", "report")

# Where the verdict and the hints draw their lines; each is explained where it is used.
THRESHOLDS = {
    "state_rows_rocksdb": 1_000_000,  # beyond this, the RocksDB state store is worth trying
    "state_bytes_rocksdb": 256 * 1024 * 1024,
    "gc_share_high": 0.10,  # executors spending > 10% of wall time in GC
    "partitions_per_core_max": 4,  # shuffle partitions beyond 4 per core mostly add task overhead
}
GAP_STEPS = 3  # points further apart than this many steps have a gap between them: no line drawn
KEEPS_UP, FALLS_BEHIND = "keeps up", "falls behind"  # the verdict's codes (figures.json)


class ReportError(RuntimeFailure):
    """A message of report.toml: its code and parameters; str() is its text in this process's language."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def text(self, lang: str | None = None) -> str:
        return TEXT.text(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.text()


@dataclass
class Series:
    labels: dict
    points: list[tuple[float, float]]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points if math.isfinite(v)]


@dataclass
class Percentile:
    """A percentile estimated from a histogram. `above`: it lies beyond the top finite bucket,
    whose bound `value` then is: a lower bound."""

    value: float
    above: bool = False


@dataclass
class Figures:
    seconds: float = 0.0  # the run: from the query's start to its last sample
    rows: float = 0.0
    batches: float = 0.0
    batch_seconds: float | None = None  # time spent inside batches, summed
    first_batch_id: float | None = None  # None: Prometheus has no first-batch figures
    first_batch_rows: float | None = None
    first_batch_seconds: float | None = None
    steady_batches: float = 0.0  # the batches after the first, and what they read
    steady_rows: float | None = None
    steady_seconds: float | None = None
    steady_batch_seconds: float | None = None
    input_rate_steady: float | None = None  # rows/s after the first batch
    input_rate_run: float | None = None  # rows/s over the whole run, the first batch's backlog included
    processed_rate_first: float | None = None  # rows per second of batch time
    processed_rate_steady: float | None = None
    processed_rate_run: float | None = None
    lag_start: float | None = None  # the worst partition's lag after the first batch
    lag_end: float | None = None
    lag_slope: float = 0.0
    batch_p50: Percentile | None = None
    batch_p95: Percentile | None = None
    latency: dict[str, Percentile | None] = dataclasses.field(default_factory=dict)  # p50, p95, p99
    state_rows_max: float | None = None  # None: no state
    state_bytes_max: float | None = None
    late_dropped: float = 0.0
    gc_share: float | None = None
    trigger_seconds: float | None = None

    @property
    def input_rate(self) -> float:
        """The input rate the verdict judges by: the steady state's, else the whole run's."""
        rate = self.input_rate_steady if self.input_rate_steady is not None else self.input_rate_run
        return rate or 0.0


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
            raise ReportError("prometheus_down", base=self.base, error=str(exc)) from None
        if body.get("status") != "success":
            raise ReportError("prometheus_rejected", query=params.get("query"), error=body.get("error"))
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


def _window(start: float, end: float) -> str:
    return f"[{max(1, math.ceil(end - start) + 1)}s]"


def _over(prom: Prometheus, function: str, expr: str, start: float, end: float) -> float | None:
    """`function` (max_over_time, last_over_time) of `expr` over [start, end]; None without samples.
    max_over_time of a counter is its value at the end of a run: each run is its own driver
    process, so its counters start at 0."""
    found = prom.instant(f"{function}({expr}{_window(start, end)})", end)
    return found[0].values[0] if found and found[0].values else None


def _last(prom: Prometheus, expr: str, start: float, end: float) -> float:
    return _over(prom, "max_over_time", expr, start, end) or 0.0


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


def _clock(t: float) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%H:%M:%S}"


def no_runs(job: str, start: float, end: float, lang: str | None = None) -> str:
    return ReportError("no_runs", job=job, start=_clock(start), end=_clock(end)).text(lang)


def pick(found: list[Run], wanted: str | None) -> Run:
    """The run `wanted` names (a number from the list, a run id or its first characters); the latest if None."""
    if not wanted:
        return found[-1]
    if wanted.isdigit() and 1 <= int(wanted) <= len(found):
        return found[int(wanted) - 1]
    matches = [r for r in found if r.run_id.startswith(wanted)]
    if len(matches) != 1:
        listed = ", ".join(f"{i} ({r.short_id})" for i, r in enumerate(found, 1))
        raise ReportError("no_single_run", wanted=wanted, runs=listed)
    return matches[0]


def list_text(job: str, found: list[Run], lang: str | None = None) -> str:
    """The runs as a table for the terminal (`make report LIST=1`)."""
    lang = lang or language()
    heads = ["#", *(TEXT.text(f"list_{c}", lang) for c in ("run_id", "start", "end", "seconds", "batches", "rows"))]
    rows = []
    for i, r in enumerate(found, 1):
        t0, t1 = datetime.fromtimestamp(r.start, UTC), datetime.fromtimestamp(r.end, UTC)
        rows.append(
            [
                str(i),
                r.short_id,
                f"{t0:%Y-%m-%d %H:%M:%S}",
                f"{t1:%H:%M:%S}",
                units.count(r.end - r.start, lang),
                units.count(r.batches, lang),
                units.count(r.rows, lang),
            ]
        )
    widths = [max(len(row[c]) for row in [heads, *rows]) for c in range(len(heads))]
    right = {0, 4, 5, 6}  # the numbers

    def line(cells: list[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(padded).rstrip()

    return "\n".join([line(heads), *map(line, rows), TEXT.text("list_footer", lang, job=job)])


def _slope(points: list[tuple[float, float]]) -> float:
    pts = [(t, v) for t, v in points if math.isfinite(v)]
    if len(pts) < 2:
        return 0.0
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mv = sum(v for _, v in pts) / n
    den = sum((t - mt) ** 2 for t, _ in pts)
    return sum((t - mt) * (v - mv) for t, v in pts) / den if den else 0.0


def quantile(q: float, buckets: dict[float, float]) -> Percentile | None:
    """Prometheus' histogram_quantile(q) over cumulative bucket counts {le: count} (+Inf included):
    linear interpolation inside the bucket the rank falls in, from 0 for the first. A rank in the
    +Inf bucket gives the top finite bound, as Prometheus does, marked `above`. None without
    observations."""
    bounds = sorted(buckets)
    if len(bounds) < 2 or not math.isinf(bounds[-1]):
        return None
    counts = list(itertools.accumulate((buckets[b] for b in bounds), max))  # monotonic, as Prometheus makes it
    if counts[-1] <= 0:
        return None
    rank = q * counts[-1]
    b = next(i for i, c in enumerate(counts) if c >= rank)
    if b == len(bounds) - 1:
        return Percentile(bounds[-2], above=True)
    low, below = (0.0, 0.0) if b == 0 else (bounds[b - 1], counts[b - 1])
    if (b == 0 and bounds[0] <= 0) or counts[b] == below:
        return Percentile(bounds[b])
    return Percentile(low + (bounds[b] - low) * (rank - below) / (counts[b] - below))


def figures(prom: Prometheus, job: str, run: Run, step: float) -> Figures:
    sel = f'job="{job}",query="{naming.main_query(job)}"'
    start, end = run.start, run.end
    f = Figures(seconds=end - start)

    def series(expr):
        return [v for s in prom.range(expr, start, end, step) for v in s.values]

    def final(expr, function="max_over_time"):
        return _over(prom, function, expr, start, end)

    def buckets(expr):
        found = prom.instant(f"sum by (le) (max_over_time({expr}{_window(start, end)}))", end)
        return {float(s.labels["le"]): s.values[0] for s in found if s.values and "le" in s.labels}

    f.rows = final(f"streaming_input_rows_total{{{sel}}}") or 0.0
    f.batches = final(f"streaming_batches_total{{{sel}}}") or 0.0
    trigger = f'{sel},phase="triggerExecution"'
    f.batch_seconds = final(f"streaming_batch_phase_duration_seconds_sum{{{trigger}}}")
    f.first_batch_id = final(f"streaming_first_batch_id{{{sel}}}", "last_over_time")
    f.first_batch_rows = final(f"streaming_first_batch_input_rows{{{sel}}}", "last_over_time")
    f.first_batch_seconds = final(f"streaming_first_batch_duration_seconds{{{sel}}}", "last_over_time")
    _rates(f)
    lag = prom.range(f'streaming_kafka_offsets_behind_latest{{{sel},stat="max"}}', start, end, step)
    if lag and lag[0].values:
        f.lag_start, f.lag_end = lag[0].values[0], lag[0].values[-1]
        f.lag_slope = _slope(lag[0].points)
    durations = buckets(f"streaming_batch_phase_duration_seconds_bucket{{{trigger}}}")
    f.batch_p50, f.batch_p95 = quantile(0.5, durations), quantile(0.95, durations)
    latencies = buckets(f"streaming_event_latency_seconds_bucket{{{sel}}}")
    f.latency = {f"p{round(q * 100)}": quantile(q, latencies) for q in (0.5, 0.95, 0.99)}
    state_rows = series(f'streaming_state_rows{{{sel},kind="total"}}')
    state_bytes = series(f"streaming_state_memory_bytes{{{sel}}}")
    f.state_rows_max = max(state_rows) if state_rows else None
    f.state_bytes_max = max(state_bytes) if state_bytes else None
    f.late_dropped = final(f"streaming_late_rows_dropped_total{{{sel}}}") or 0.0
    gc = series("rate(metrics_executor_totalGCTime_seconds_total[1m])")
    f.gc_share = sum(gc) / len(gc) if gc else None
    return f


def _rates(f: Figures) -> None:
    """The first batch, the steady state after it and the whole run, from the counts in `f`. The
    steady state starts at the first batch's end, the run's start plus its duration."""
    f.input_rate_run = f.rows / f.seconds if f.seconds > 0 else None
    f.processed_rate_run = f.rows / f.batch_seconds if f.batch_seconds and f.rows else None
    if f.first_batch_rows is None or f.first_batch_seconds is None or f.batches < 1:
        return
    if f.first_batch_seconds > 0 and f.first_batch_rows:
        f.processed_rate_first = f.first_batch_rows / f.first_batch_seconds
    f.steady_batches = f.batches - 1
    if f.steady_batches < 1:
        return
    f.steady_rows = max(0.0, f.rows - f.first_batch_rows)
    f.steady_seconds = max(0.0, f.seconds - f.first_batch_seconds)
    if f.batch_seconds is not None:
        f.steady_batch_seconds = max(0.0, f.batch_seconds - f.first_batch_seconds)
    f.input_rate_steady = f.steady_rows / f.steady_seconds if f.steady_seconds > 0 else None
    if f.steady_batch_seconds and f.steady_rows:
        f.processed_rate_steady = f.steady_rows / f.steady_batch_seconds


def verdict(f: Figures, lang: str = "en") -> tuple[str, list[str]]:
    """KEEPS_UP or FALLS_BEHIND by the lab's one rule (lab.observe.verdict), and the evidence in `lang`."""
    trigger = f.trigger_seconds or 0.0
    allowed = lab_verdict.allowed_lag(f.input_rate, trigger)
    if f.input_rate_steady is not None:
        first = TEXT.text(
            "evidence_input_steady",
            lang,
            rate=units.rate(f.input_rate_steady, lang),
            rows=units.count(f.steady_rows, lang),
            seconds=units.duration(f.steady_seconds, lang),
        )
    else:
        first = TEXT.text("evidence_input_run", lang, rate=units.rate(f.input_rate_run or 0.0, lang))
    slope = units.decimal(f.lag_slope, lang, 1)
    evidence = [
        first,
        TEXT.text(
            "evidence_lag",
            lang,
            start=units.count(f.lag_start, lang),  # n/a: a query that reads no Kafka
            end=units.count(f.lag_end, lang),
            slope=slope if f.lag_slope < 0 else "+" + slope,
            allowed=units.count(allowed, lang),
            seconds=units.count(lab_verdict.LAG_SECONDS, lang),
            minimum=units.count(lab_verdict.MIN_LAG, lang),
            share=units.share(lab_verdict.GROWTH_SHARE, lang, 0),
        ),
    ]
    if not lab_verdict.keeps_up(f.input_rate, f.lag_slope, f.lag_end or 0.0, trigger):
        return FALLS_BEHIND, [*evidence, TEXT.text("evidence_falls_behind", lang)]
    return KEEPS_UP, [*evidence, TEXT.text("evidence_keeps_up", lang)]


def verdict_text(code: str, lang: str) -> str:
    return TEXT.text("falls_behind" if code == FALLS_BEHIND else "keeps_up", lang)


def hints(f: Figures, settings: Settings, verdict_code: str, lang: str = "en") -> list[str]:
    out = []
    cores = settings.int("SPARK_WORKER_CORES")
    partitions = settings.int("SPARK_SHUFFLE_PARTITIONS")
    if partitions > THRESHOLDS["partitions_per_core_max"] * cores:
        out.append(TEXT.text("hint_partitions_high", lang, partitions=partitions, cores=cores, suggested=2 * cores))
    elif partitions < cores:
        out.append(TEXT.text("hint_partitions_low", lang, partitions=partitions, cores=cores))
    trigger = units.duration(f.trigger_seconds, lang)
    if verdict_code == FALLS_BEHIND:
        out.append(TEXT.text("hint_falls_behind", lang))
        if f.batch_p95 and f.trigger_seconds and f.batch_p95.value > f.trigger_seconds:
            p95 = units.duration(f.batch_p95.value, lang, f.batch_p95.above)
            out.append(TEXT.text("hint_processing_bound", lang, p95=p95, trigger=trigger))
    elif f.batch_p50 is not None and f.trigger_seconds and f.batch_p50.value < 0.25 * f.trigger_seconds:
        p50 = units.duration(f.batch_p50.value, lang, f.batch_p50.above)
        out.append(TEXT.text("hint_shorter_trigger", lang, p50=p50, trigger=trigger))
    rows, size = f.state_rows_max or 0.0, f.state_bytes_max or 0.0
    if rows > THRESHOLDS["state_rows_rocksdb"] or size > THRESHOLDS["state_bytes_rocksdb"]:
        out.append(TEXT.text("hint_rocksdb", lang, rows=units.count(rows, lang), size=units.size(size, lang)))
    if f.gc_share is not None and f.gc_share > THRESHOLDS["gc_share_high"]:
        out.append(TEXT.text("hint_gc", lang, share=units.share(f.gc_share, lang, 0)))
    if f.late_dropped:
        out.append(TEXT.text("hint_late", lang, rows=units.count(f.late_dropped, lang)))
    return out or [TEXT.text("hint_none", lang)]


def gapped(points: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """`points` with a NaN between any two further apart than GAP_STEPS steps, and NaN for values
    that are not finite: matplotlib breaks a line at NaN, as Grafana leaves periods without samples empty."""
    out: list[tuple[float, float]] = []
    for t, v in points:
        if out and t - out[-1][0] > GAP_STEPS * step:
            out.append(((out[-1][0] + t) / 2, math.nan))
        out.append((t, v if math.isfinite(v) else math.nan))
    return out


def _y_formatter(unit: str, lang: str):
    """The y axis' tick labels: sizes for bytes, percentages for shares, else plain numbers, with a
    decimal comma in Spanish."""
    from matplotlib import ticker

    if unit in ("bytes", "Bps"):
        return ticker.FuncFormatter(lambda v, _: units.size(v, lang))
    if unit == "percentunit":
        return ticker.FuncFormatter(lambda v, _: units.share(v, lang))

    class Plain(ticker.ScalarFormatter):
        def __call__(self, x, pos=None):
            text = super().__call__(x, pos)
            return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text

    return Plain()


def chart_figure(
    panel: Panel, series: list[tuple[str, Series]], step: float, marks: tuple[float, float], lang: str = "en"
):
    """The panel's chart as a matplotlib Figure (None if no series has a finite value): one line per
    (label, series), broken at gaps, and dashed lines at `marks`, the run's start and end; its
    words in `lang`."""
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
    for t, code in zip(marks, ("chart_run_start", "chart_run_end"), strict=True):
        ax.axvline(datetime.fromtimestamp(t, UTC), color="#888", linestyle="--", linewidth=0.8)
        ax.annotate(
            TEXT.text(code, lang),
            (datetime.fromtimestamp(t, UTC), 0.02),  # at the bottom: the legend sits at the top left
            xycoords=("data", "axes fraction"),
            fontsize=6,
            color="#666",
            rotation=90,
            va="bottom",
            ha="right",
        )
    ax.set_title(panel_text.title(panel, lang), fontsize=10)
    ax.set_ylabel(panel_text.axis(panel.unit, lang), fontsize=8)
    ax.set_xlabel(TEXT.text("chart_time", lang), fontsize=7)
    ax.yaxis.set_major_formatter(_y_formatter(panel.unit, lang))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    if len(drawn) <= 8:
        ax.legend(fontsize=7, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def _chart(
    prom: Prometheus, panel: Panel, job: str, run: Run, start: float, end: float, step: float, lang: str
) -> bytes | None:
    series = []
    for target in panel.targets:
        for s in prom.range(expand(target.expr, job=job), start, end, step):
            label = panel_text.legend(target.legend, lang)
            for key, value in s.labels.items():
                label = label.replace("{{" + key + "}}", value)
            series.append((label or target.expr[:40], s))
    fig = chart_figure(panel, series, step, (run.start, run.end), lang)
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


@dataclass
class Summary:
    """One run's report without its charts: what `assemble` finds, and its Markdown."""

    run: Run
    found: list[Run]
    figures: Figures
    verdict: str  # KEEPS_UP or FALLS_BEHIND
    step: float  # the charts' step, seconds
    markdown: str


def assemble(
    prom: Prometheus,
    settings: Settings,
    job: str,
    start: float,
    end: float,
    trigger_seconds: float | None = None,
    run: str | None = None,
    lang: str = "en",
    generated: str | None = None,
) -> Summary:
    """The run `run` names among those of `job` in [start, end] (the latest by default), its
    figures, verdict and hints, and the summary's Markdown in `lang`, generated at `generated`
    (default: now)."""
    if end <= start:
        raise ReportError("empty_range")
    found = runs(prom, job, start, end)
    if not found:
        raise ReportError("no_runs", job=job, start=_clock(start), end=_clock(end))
    chosen = pick(found, run)
    # Figures over the run alone; charts a little either side, so its start and end show.
    step = max(5.0, (chosen.end - chosen.start) / 200)
    f = figures(prom, job, chosen, step)
    f.trigger_seconds = trigger_seconds
    code, evidence = verdict(f, lang)
    tips = hints(f, settings, code, lang)
    text = _summary(job, chosen, found, f, code, evidence, tips, lang, generated)
    return Summary(chosen, found, f, code, step, text)


def build(
    settings: Settings,
    job: str,
    start: float,
    end: float,
    out_root: Path = REPORTS_DIR,
    trigger_seconds: float | None = None,
    run: str | None = None,
    lang: str | None = None,
) -> Path:
    """Report one run of `job` among those in [start, end] (see the module's contract)."""
    lang = lang or language()
    prom = Prometheus.of(settings)
    s = assemble(prom, settings, job, start, end, trigger_seconds, run, lang)
    chosen, step = s.run, s.step
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
                lang,
            )
            if png:
                name = f"{board.uid}-{len(charts):02d}.png"
                (out / name).write_bytes(png)
                charts.append((panel_text.board(board, lang), panel_text.title(panel, lang), name, png))
    (out / "report.md").write_text(
        s.markdown
        + f"\n## {TEXT.text('charts_heading', lang)}\n\n"
        + "\n".join(f"### {b}: {p}\n\n![{p}]({n})\n" for b, p, n, _ in charts)
    )
    (out / "report.html").write_text(_html(job, s.markdown, charts, lang))
    figures_json = {
        "verdict": s.verdict,
        "language": lang,
        "run_id": chosen.run_id,
        "runs_in_window": len(s.found),
        **dataclasses.asdict(s.figures),
    }
    (out / "figures.json").write_text(json.dumps(figures_json, indent=2, default=str) + "\n")
    return out


def head(summary_md: str, lang: str | None = None) -> str:
    """The summary down to its figures: what `lab report` prints (the header, the verdict, the
    first batch)."""
    return summary_md.split(f"## {TEXT.text('figures_heading', lang)}")[0].strip()


def _first_batch(f: Figures, lang: str) -> list[str]:
    """The first batch's paragraph: what it read and why, and what the steady state is."""
    if f.batches < 1:
        return [TEXT.text("no_batch", lang)]
    if f.first_batch_rows is None or f.first_batch_id is None:
        return [TEXT.text("first_unknown", lang)]
    resumed = f.first_batch_id > 0
    params = {"batch": units.count(f.first_batch_id, lang), "seconds": units.duration(f.first_batch_seconds, lang)}
    if f.first_batch_rows:
        share = units.share(f.first_batch_rows / f.rows if f.rows else 1.0, lang, 0)
        params |= {"rows": units.count(f.first_batch_rows, lang), "share": share}
        first = TEXT.text("first_resumed" if resumed else "first_new", lang, **params)
    else:
        first = TEXT.text("first_resumed_empty" if resumed else "first_new_empty", lang, **params)
    if f.steady_batches < 1:
        return [first, "", TEXT.text("no_steady", lang)]
    steady = TEXT.text(
        "steady_one" if f.steady_batches == 1 else "steady",
        lang,
        batches=_batches(f.steady_batches, lang),
        rows=units.count(f.steady_rows, lang),
        seconds=units.duration(f.steady_seconds, lang),
        batch_seconds=units.duration(f.steady_batch_seconds, lang),
    )
    return [first, "", steady]


def _batches(n: float, lang: str) -> str:
    return TEXT.text("batches_one", lang) if n == 1 else TEXT.text("batches", lang, count=units.count(n, lang))


def _percentiles(found: list[Percentile | None], lang: str) -> str:
    return " / ".join(units.duration(p.value, lang, p.above) if p else units.not_available(lang) for p in found)


def _figure_rows(f: Figures, lang: str) -> list[tuple[str, str]]:
    """The figures' table: (measure, value) in `lang`."""
    t = TEXT.text
    rows = [
        (
            t("row_rows", lang),
            t(
                "value_rows",
                lang,
                rows=units.count(f.rows, lang),
                batches=_batches(f.batches, lang),
                seconds=units.duration(f.seconds, lang),
            ),
        )
    ]
    if f.first_batch_rows is not None and f.batches >= 1:
        rows.append(
            (
                t("row_first", lang, batch=units.count(f.first_batch_id, lang)),
                t(
                    "value_first",
                    lang,
                    rows=units.count(f.first_batch_rows, lang),
                    seconds=units.duration(f.first_batch_seconds, lang),
                    rate=units.rate(f.processed_rate_first, lang),
                ),
            )
        )
        if f.steady_batches >= 1:
            after = t(
                "value_after",
                lang,
                rows=units.count(f.steady_rows, lang),
                batches=_batches(f.steady_batches, lang),
                seconds=units.duration(f.steady_seconds, lang),
                batch_seconds=units.duration(f.steady_batch_seconds, lang),
            )
        else:
            after = t("no_batch_after", lang)
        rows.append((t("row_after", lang), after))
    none = t("no_batch_after", lang)
    steady_in = units.rate(f.input_rate_steady, lang) if f.steady_batches >= 1 else none
    steady_proc = units.rate(f.processed_rate_steady, lang) if f.steady_batches >= 1 else none
    latency = [f.latency.get(k) for k in ("p50", "p95", "p99")]
    gc = t("no_executor_metrics", lang) if f.gc_share is None else units.share(f.gc_share, lang)
    rows += [
        (t("row_input", lang), f"{steady_in} / {units.rate(f.input_rate_run, lang)}"),
        (t("row_processed", lang), f"{steady_proc} / {units.rate(f.processed_rate_run, lang)}"),
        (t("row_batch", lang), _percentiles([f.batch_p50, f.batch_p95], lang)),
        (t("row_latency", lang), _percentiles(latency, lang) if any(latency) else t("no_events", lang)),
        (
            t("row_lag", lang),
            t("value_lag", lang, start=units.count(f.lag_start, lang), end=units.count(f.lag_end, lang)),
        ),
        (
            t("row_state_rows", lang),
            t("no_state", lang) if f.state_rows_max is None else units.count(f.state_rows_max, lang),
        ),
        (
            t("row_state_memory", lang),
            t("no_state", lang) if f.state_bytes_max is None else units.size(f.state_bytes_max, lang),
        ),
        (t("row_late", lang), units.count(f.late_dropped, lang)),
        (t("row_gc", lang), gc),
    ]
    return rows


def _summary(
    job, run: Run, found: list[Run], f: Figures, code: str, evidence, tips, lang: str = "en", generated=None
) -> str:
    t = TEXT.text
    t0 = datetime.fromtimestamp(run.start, UTC)
    t1 = datetime.fromtimestamp(run.end, UTC)
    others = (
        [
            t(
                "other_runs",
                lang,
                count=len(found),
                job=job,
                number=found.index(run) + 1,
                latest=t("the_latest", lang) if run is found[-1] else "",
            ),
            "",
        ]
        if len(found) > 1
        else []
    )
    return "\n".join(
        [
            f"# {t('title', lang, job=job)}",
            "",
            t(
                "run_line",
                lang,
                run=run.short_id,
                start=f"{t0:%Y-%m-%d %H:%M:%S}",
                end=f"{t1:%H:%M:%S}",
                seconds=units.duration(run.end - run.start, lang),
                generated=generated or time.strftime("%Y-%m-%d %H:%M:%S"),
            ),
            "",
            *others,
            f"## {t('verdict_heading', lang, verdict=verdict_text(code, lang))}",
            "",
            *[f"- {e}" for e in evidence],
            "",
            f"## {t('first_heading', lang)}",
            "",
            *_first_batch(f, lang),
            "",
            f"## {t('figures_heading', lang)}",
            "",
            f"| {t('column_measure', lang)} | {t('column_value', lang)} |",
            "|---|---|",
            *[f"| {measure} | {value} |" for measure, value in _figure_rows(f, lang)],
            "",
            f"## {t('hints_heading', lang)}",
            "",
            *[f"- {tip}" for tip in tips],
            "",
            t("note_latency", lang),
            "",
            t(
                "note_percentiles",
                lang,
                batch_top=units.duration(DURATION_BUCKETS[-1], lang),
                latency_top=units.duration(LATENCY_BUCKETS[-1], lang),
            ),
            "",
        ]
    )


def _html(job: str, summary_md: str, charts, lang: str = "en") -> str:
    imgs = "\n".join(
        f'<figure><img alt="{html.escape(p)}" src="{mdhtml.data_uri(png)}">'
        f"<figcaption>{html.escape(b)}: {html.escape(p)}</figcaption></figure>"
        for b, p, _, png in charts
    )
    return mdhtml.page(
        TEXT.text("title", lang, job=job),
        summary_md,
        f"<h2>{html.escape(TEXT.text('charts_heading', lang))}</h2>{imgs}",
        lang=lang,
    )
