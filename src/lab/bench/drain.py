"""Spark's stages draining a Kafka backlog: jobs/_bench.py in a driver the runtime runs.

- `stages(rt, env, names, topic, extra)`: the stages one after another in one driver, each over
  the whole backlog of `topic`: stage -> its figures (the driver's BENCH line: rows, batches,
  batch_seconds, warm_rows, warm_seconds, fit_batches, ...) plus rows_per_second (rows /
  micro-batch seconds), warm_rows_per_second (the same backlog drained again by warm executors;
  None for the rate stage) and cost (its cost fit, lab.bench.costfit). A driver that fails or
  misses a stage raises RuntimeError with its output's ends. `stage(...)` is one stage's figures.
- `add_ratios(result, ceiling)`: a stage's figures (both drains, the fit) measured against Kafka's
  consumer ceiling.
- `GOALS`: the drain rate's goal per stage, as a ratio to that ceiling (issue 37).
- `fit_caps_args`, `kafka_option_args`: the driver's arguments for a size's caps and for Kafka
  consumer options.
"""

from __future__ import annotations

import json
import time

from lab.bench import costfit, wording
from lab.bench.sizes import Size

# A backlog of 1 M records or more drained at this ratio to ConsumerPerformance, or faster.
GOALS = {"count": 0.5, "windowing": 0.25}
GOAL_ROWS = 1_000_000  # the smallest backlog the goals judge


def stage(rt, env: dict, name: str, topic: str, extra: list[str]) -> dict:
    return stages(rt, env, [name], topic, extra)[name]


def stages(rt, env: dict, names: list[str], topic: str, extra: list[str]) -> dict[str, dict]:
    """Drain `names` one after another in one driver: stage -> its BENCH figures."""
    paths = rt.paths
    ckpt = paths.run / "bench" / f"ckpt-{'-'.join(names)}-{time.monotonic_ns()}"
    proc = rt.run_job(
        "_bench",
        [
            "--stage",
            ",".join(names),
            "--topic",
            topic,
            "--checkpoint",
            str(ckpt),
            "--metrics-port",
            "0",
            "--products",
            str(paths.data / "dimensions" / "products.jsonl"),
            *extra,
        ],
        env,
        timeout=1800,
    )
    found = {}
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            result = json.loads(line[6:])
            result["rows_per_second"] = result["rows"] / result["batch_seconds"] if result["batch_seconds"] else 0.0
            warm = result.get("warm_seconds")
            result["warm_rows_per_second"] = result["warm_rows"] / warm if warm else None  # None: no warm drain
            result["cost"] = costfit.fit(result["fit_batches"])
            found[result["stage"]] = result
    if proc.returncode != 0 or set(found) != set(names):
        raise RuntimeError(wording.line("stage_failed", stages=",".join(names), output=wording.driver_output(proc)))
    return found


def fit_caps_args(size: Size) -> list[str]:
    return ["--fit-caps", ",".join(str(c) for c in size.fit_caps)]


def kafka_option_args(pairs: list[str]) -> list[str]:
    return [a for pair in pairs for a in ("--kafka-option", pair)]


def add_ratios(result: dict, ceiling: float, kafka: bool = True) -> None:
    """Add to a stage's figures its drain rate's ratio to ConsumerPerformance's (None without
    Kafka), and to its cost fit the per-row ceiling's ratio and the rate it would sustain with a
    1 s trigger."""
    result["ratio_to_consumer_ceiling"] = result["rows_per_second"] / ceiling if kafka and ceiling else None
    warm = result.get("warm_rows_per_second")
    result["warm_ratio_to_consumer_ceiling"] = warm / ceiling if kafka and warm and ceiling else None
    cost = result.get("cost")
    if cost:
        top = cost["ceiling_rows_per_second"]
        cost["ceiling_ratio_to_consumer_ceiling"] = top / ceiling if top and ceiling else None
        cost["sustainable_rows_per_second_1s_trigger"] = costfit.sustainable(cost, 1.0)
