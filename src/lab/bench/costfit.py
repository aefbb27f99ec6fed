"""Fixed and marginal cost of a micro-batch: fit batch seconds = a + b x rows.

`make bench` drains the same backlog under several maxOffsetsPerTrigger caps (jobs/_bench.py,
--fit-caps), so its batches come in several sizes, and fits a line to them (`fit`):
- a, the fixed cost: what a batch costs whatever its size (planning, the offsets log, the
  commit, launching tasks, state store commits);
- b, the marginal cost: seconds per row, on all the executors' cores together;
- 1/b, the marginal ceiling: rows per second if batches were so large that a vanished.

With a trigger interval T, a batch of T seconds of input at r rows/s takes a + b r T seconds,
so the job keeps up while that is at most T: r <= (1 - a/T) / b (`sustainable`).
"""

from __future__ import annotations

import statistics


def fit(batches: list[tuple[int, int, float]]) -> dict | None:
    """(cap, rows, seconds) per batch -> {fixed_seconds, seconds_per_row, ceiling_rows_per_second,
    r2, batches, sizes}, or None without two caps that each have a full batch.

    Each cap's full batches (a partial one, the backlog's tail, ends at the end of the log and
    costs differently) give one point, their median rows and median seconds, and the line goes
    through those points by least squares: a noisy batch moves a median little, and the many
    small batches do not outweigh the few large ones. r2 is the line's fit to every full batch.
    The ceiling is None when the slope is not positive (batches too small, or too noisy, to see b)."""
    full = [(cap, rows, secs) for cap, rows, secs in batches if rows >= 0.9 * cap]
    caps = sorted({cap for cap, _, _ in full})
    if len(caps) < 2:
        return None
    xs = [statistics.median(r for c, r, _ in full if c == cap) for cap in caps]
    ys = [statistics.median(s for c, _, s in full if c == cap) for cap in caps]
    line = statistics.linear_regression(xs, ys)
    predicted = [line.intercept + line.slope * rows for _, rows, _ in full]
    seconds = [secs for _, _, secs in full]
    mean = statistics.fmean(seconds)
    total = sum((s - mean) ** 2 for s in seconds)
    residual = sum((s - p) ** 2 for s, p in zip(seconds, predicted, strict=True))
    return {
        "fixed_seconds": line.intercept,
        "seconds_per_row": line.slope,
        "ceiling_rows_per_second": 1 / line.slope if line.slope > 0 else None,
        "r2": 1 - residual / total if total else 0.0,
        "batches": len(full),
        "sizes": {int(x): round(y, 3) for x, y in zip(xs, ys, strict=True)},
    }


def sustainable(cost: dict | None, trigger_seconds: float) -> float | None:
    """Rows/s a job with this cost keeps up with at this trigger interval: (1 - a/T) / b. None
    when the fit has no ceiling or the fixed cost alone fills the interval."""
    if not cost or not cost["ceiling_rows_per_second"] or cost["fixed_seconds"] >= trigger_seconds:
        return None
    return (1 - max(cost["fixed_seconds"], 0.0) / trigger_seconds) * cost["ceiling_rows_per_second"]
