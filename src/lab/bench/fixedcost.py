"""The fixed cost of a micro-batch, measured directly and broken into its phases.

The cost fit (lab.bench.costfit) gives a, the fixed cost, as the intercept of a line through large
batches. Here it is measured instead: a small topic drained under a small maxOffsetsPerTrigger cap
(2,000 rows a batch: their per-row cost is a few milliseconds), so each batch's time is almost all
a. The first 1 + WARMUP batches of each query are left out (code generation, the first Kafka
consumers). A batch's fixed cost then keeps falling for hundreds of batches, as the JVMs compile
the code each batch runs once (planning, scheduling, the logs), so the median batch is given
twice: over the next STEADY batches (a fresh job) and over the last STEADY (a job that has run
for a while), the goal judged on the last; and each phase of the last (the progress's durationMs:
latestOffset, walCommit, queryPlanning, addBatch, commitOffsets) by its median, so the page shows
where a goes.

`measure(rt, env, views, cap, settings, say)` drains the count and windowing stages (STAGES) once
per entry of `settings` (label -> Spark settings, lab.bench.variants.FIXED_COST_SETTINGS), each
entry in a driver of its own, so that the before and after of a setting come from one run. GOALS
are the seconds the lab aims at for a, per stage.
"""

from __future__ import annotations

import statistics

from lab.bench import backlog, drain, wording
from streamlab.i18n import language

STAGES = ("count", "windowing")
GOALS = {"count": 0.15, "windowing": 0.25}
WARMUP = 4  # batches left out of each query's fit_phases, which already lack its first
STEADY = 50  # batches in each median: the first after the warm-up, and the last
PHASES = ("latestOffset", "walCommit", "queryPlanning", "addBatch", "commitOffsets")


def figures(result: dict, warmup: int = WARMUP, steady: int = STEADY) -> dict:
    """A stage's BENCH figures (one cap) -> the medians, in s, of its first `steady` batches after
    the warm-up (early_batch_seconds_median) and of its last `steady` (batch_seconds_median, and each
    phase's, and the rows of its median batch); a drain shorter than 2 x `steady` batches gives
    both medians some batches in common, and one shorter than `steady` the same batches."""
    kept = result["fit_phases"][warmup:] or result["fit_phases"]
    rows = (result["fit_batches"][warmup:] or result["fit_batches"])[-steady:]
    last = kept[-steady:]
    return {
        "batches": len(kept),
        "rows_median": statistics.median(r for _, r, _ in rows) if rows else 0,
        "early_batch_seconds_median": _median_batch(kept[:steady]),
        "batch_seconds_median": _median_batch(last),
        "phases_median_seconds": {ph: statistics.median(p.get(ph, 0.0) for p in last) for ph in PHASES} if last else {},
    }


def _median_batch(phases: list[dict]) -> float | None:
    return statistics.median(p.get("triggerExecution", 0.0) for p in phases) if phases else None


def measure(rt, env: dict, views: int, cap: int, settings: dict[str, list[str]], say) -> dict:
    """Each stage's fixed cost under each entry of `settings`: {views, cap, goals, settings: {label:
    {stage: figures}}}."""
    env, topic, records = backlog.fill(rt, env, views, seed=9, prefix="bench_fixed")
    found = {}
    for label, confs in settings.items():
        say(wording.line("say_fixed_cost", cap=cap, label=wording.Words(language()).setting(label)))
        # Every batch's progress, not the last 500 (spark-defaults.conf's numRecentProgressUpdates).
        keep = f"spark.sql.streaming.numRecentProgressUpdates={records // cap + 10}"
        extra = ["--fit-caps", str(cap), *(a for c in [*confs, keep] for a in ("--conf", c))]
        drained = drain.stages(rt, env, list(STAGES), topic, extra)
        found[label] = {stage: figures(drained[stage]) for stage in STAGES}
    return {"views": records, "cap": cap, "goals": GOALS, "skipped": WARMUP + 1, "steady": STEADY, "settings": found}
