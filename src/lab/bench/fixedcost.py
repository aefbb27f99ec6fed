"""The fixed cost of a micro-batch, measured directly and broken into its phases.

The cost fit (lab.bench.costfit) gives a, the fixed cost, as the intercept of a line through large
batches. Here it is measured instead: a small topic drained under a small maxOffsetsPerTrigger cap
(2,000 rows a batch: their per-row cost is a few milliseconds), so each batch's time is almost all
a. The first 1 + WARMUP batches of each query are left out (code generation, the first Kafka
consumers, the JIT), and each phase of the rest (the progress's durationMs: latestOffset,
walCommit, queryPlanning, addBatch, commitOffsets) is given by its median, so the page shows where
a goes.

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
PHASES = ("latestOffset", "walCommit", "queryPlanning", "addBatch", "commitOffsets")


def figures(result: dict, warmup: int = WARMUP) -> dict:
    """A stage's BENCH figures (one cap) -> its median batch and phases after the warm-up, in s."""
    kept = result["fit_phases"][warmup:] or result["fit_phases"]
    return {
        "batches": len(kept),
        "rows_median": statistics.median(rows for _, rows, _ in result["fit_batches"][warmup:] or result["fit_batches"])
        if result["fit_batches"]
        else 0,
        "batch_seconds_median": statistics.median(p.get("triggerExecution", 0.0) for p in kept) if kept else None,
        "phases_median_seconds": {ph: statistics.median(p.get(ph, 0.0) for p in kept) for ph in PHASES} if kept else {},
    }


def measure(rt, env: dict, views: int, cap: int, settings: dict[str, list[str]], say) -> dict:
    """Each stage's fixed cost under each entry of `settings`: {views, cap, goals, settings: {label:
    {stage: figures}}}."""
    env, topic, records = backlog.fill(rt, env, views, seed=9, prefix="bench_fixed")
    found = {}
    for label, confs in settings.items():
        say(wording.line("say_fixed_cost", cap=cap, label=wording.Words(language()).setting(label)))
        extra = ["--fit-caps", str(cap), *(a for c in confs for a in ("--conf", c))]
        drained = drain.stages(rt, env, list(STAGES), topic, extra)
        found[label] = {stage: figures(drained[stage]) for stage in STAGES}
    return {"views": records, "cap": cap, "goals": GOALS, "settings": found}
