"""One run's figures, from Prometheus: what the report's summary, verdict and hints are drawn from,
and figures.json's keys.

Contract: `figures(prom, job, run, step)` queries the run's [start, end] alone and returns its
`Figures`: rows, batches and time; the first batch's id, rows and duration (the listener exports
them apart); the steady state after it and the rates of each (`rates`); the worst partition's
Kafka lag and its trend; percentiles of batch duration and event latency; peak state; late rows
dropped; the executors' GC share. A figure Prometheus has no samples for is None (0 for
counts). `quantile(q, buckets)` is Prometheus' histogram_quantile over cumulative bucket counts:
linear interpolation inside a bucket; a rank beyond the top finite bucket gives that bound as a
`Percentile` marked `above`, a lower bound.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass

from lab.observe.prometheus import Prometheus, over, window
from lab.observe.runs import Run, main_query

LATENCY_QUANTILES = (0.5, 0.95, 0.99)  # figures.latency's keys: p50, p95, p99


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


def slope(points: list[tuple[float, float]]) -> float:
    """The least-squares trend of `points`' finite values, per second; 0 for fewer than two."""
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
    """The run's figures (see the module's contract); `step` is the range queries' resolution."""
    sel = main_query(job)
    start, end = run.start, run.end
    f = Figures(seconds=end - start)

    def series(expr):
        return [v for s in prom.range(expr, start, end, step) for v in s.values]

    def final(expr, function="max_over_time"):
        return over(prom, function, expr, start, end)

    def buckets(expr):
        found = prom.instant(f"sum by (le) (max_over_time({expr}{window(start, end)}))", end)
        return {float(s.labels["le"]): s.values[0] for s in found if s.values and "le" in s.labels}

    f.rows = final(f"streaming_input_rows_total{{{sel}}}") or 0.0
    f.batches = final(f"streaming_batches_total{{{sel}}}") or 0.0
    trigger = f'{sel},phase="triggerExecution"'
    f.batch_seconds = final(f"streaming_batch_phase_duration_seconds_sum{{{trigger}}}")
    f.first_batch_id = final(f"streaming_first_batch_id{{{sel}}}", "last_over_time")
    f.first_batch_rows = final(f"streaming_first_batch_input_rows{{{sel}}}", "last_over_time")
    f.first_batch_seconds = final(f"streaming_first_batch_duration_seconds{{{sel}}}", "last_over_time")
    rates(f)
    lag = prom.range(f'streaming_kafka_offsets_behind_latest{{{sel},stat="max"}}', start, end, step)
    if lag and lag[0].values:
        f.lag_start, f.lag_end = lag[0].values[0], lag[0].values[-1]
        f.lag_slope = slope(lag[0].points)
    durations = buckets(f"streaming_batch_phase_duration_seconds_bucket{{{trigger}}}")
    f.batch_p50, f.batch_p95 = quantile(0.5, durations), quantile(0.95, durations)
    latencies = buckets(f"streaming_event_latency_seconds_bucket{{{sel}}}")
    f.latency = {f"p{round(q * 100)}": quantile(q, latencies) for q in LATENCY_QUANTILES}
    state_rows = series(f'streaming_state_rows{{{sel},kind="total"}}')
    state_bytes = series(f"streaming_state_memory_bytes{{{sel}}}")
    f.state_rows_max = max(state_rows) if state_rows else None
    f.state_bytes_max = max(state_bytes) if state_bytes else None
    f.late_dropped = final(f"streaming_late_rows_dropped_total{{{sel}}}") or 0.0
    gc = series("rate(metrics_executor_totalGCTime_seconds_total[1m])")
    f.gc_share = sum(gc) / len(gc) if gc else None
    return f


def rates(f: Figures) -> None:
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
