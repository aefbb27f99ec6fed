"""A job's capacity against a pre-filled backlog: a load source that is never the limit.

The live search (lab.bench.live.search) runs the producer beside the job, on the same 2 cores, and
can stop where the producer sends no faster, below the job's limit. Here the input is already in
Kafka: page views on a topic of their own, read from the start under maxOffsetsPerTrigger = r x T
at a T-second processing-time trigger. While the backlog lasts, Spark offers the job exactly r
rows per second of trigger, whatever r is, so the offered rate can be raised until the job falls
behind.

The rule: at r the job keeps up when, after a warm-up, its batches read r x T rows per T seconds
of wall time (within 5%): each batch ends within its interval. A batch that takes longer delays
the next, and the rows read per second fall below r. The warm-up is counted in batches, not
seconds: a fresh query's first batches (up to about 15) run up to twice as long as its later ones
at the same rate, so a warm-up of a few seconds would judge its start, not its steady state.

What it measures: the job's processing capacity (read, parse, window, state, commit) with the
machine to itself. What it does not: a producer competing for the cores (lab.bench.live.search does),
or event-to-result latency (the events are older than the run).
"""

from __future__ import annotations

import json
import math
import time

from lab.bench.live import produce
from lab.bench.sizes import Capacity
from lab.bench.wording import driver_output, line, seconds, verdict
from lab.kafka.admin import fresh_topics
from lab.kafka.reading import end_total
from streamlab.i18n import language, number

KEEP_UP = 0.95  # the share of the offered rate a run must read to keep up
STEP = 1.5  # the search's factor between rates
# The results' key of the search at each trigger (s), for lab.bench.measure and the page.
CAPACITY_KEYS = {1.0: "capacity", 0.5: "capacity_half_second"}
INPUT_OVER = 1.5  # a search ends having offered at least this many times the rate it found kept up
START_SLACK = 4  # seconds a run lasts beyond warm-up and hold: the query's start and first batch
WARMUP_BATCH_SECONDS = 1.5  # the run's time allowed per warm-up batch, in triggers: they run slow


def fill(rt, env: dict, views: int, seed: int = 7, prefix: str = "bench_backlog") -> tuple[dict, str, int]:
    """A fresh topic holding `views` page views and nothing else: (env naming it, topic, records)."""
    env = {**env, **fresh_topics(rt.settings.kafka_bootstrap, prefix)}
    topic = env["TOPIC_PAGE_VIEWS"]
    produce(rt, env, ["--rate", "0", "--page-view-share", "1", "--count", str(views), "--seed", str(seed)])
    return env, topic, end_total(rt.settings.kafka_bootstrap, topic)


def run(
    rt,
    env: dict,
    stage: str,
    topic: str,
    warm_topic: str,
    rate: int,
    warmup_batches: int,
    hold: int,
    trigger: float = 1.0,
    extra: list[str] | None = None,
    warm_cap: int | None = None,
) -> dict:
    """One run of `stage` offered `rate` rows/s from the backlog, in a driver that first drains
    `warm_topic` once, in batches of at most `warm_cap` rows (a fresh driver's batches run cold for
    hundreds of batches: docs/performance.md, lessons 16 and 17), then runs `warmup_batches`
    uncounted batches and `hold` seconds more: what it read, and the verdict."""
    work = rt.paths.run / "bench" / f"backlog-{stage}-{rate}-{time.monotonic_ns()}"
    work.mkdir(parents=True)
    progress = work / "progress.jsonl"
    per_batch = max(int(rate * trigger), 1)
    seconds = run_seconds(warmup_batches, hold, trigger)
    proc = rt.run_job(
        "_bench",
        [
            "--stage",
            stage,
            "--sustain",
            "--topic",
            topic,
            "--checkpoint",
            str(work / "ckpt"),
            "--progress-file",
            str(progress),
            "--metrics-port",
            "0",
            "--trigger",
            f"{trigger:g} seconds",
            "--max-offsets-per-trigger",
            str(per_batch),
            "--seconds",
            str(seconds),
            "--warm-topic",
            warm_topic,
            *(["--warm-cap", str(warm_cap)] if warm_cap else []),
            "--products",
            str(rt.paths.data / "dimensions" / "products.jsonl"),
            *(extra or []),
        ],
        env,
        timeout=seconds + 600,
    )
    batches = [json.loads(line) for line in progress.read_text().splitlines()] if progress.exists() else []
    if proc.returncode != 0 or not batches:
        raise RuntimeError(line("capacity_run_failed", stage=stage, rate=rate, output=driver_output(proc)))
    return measure(batches, rate, per_batch, warmup_batches)


def run_seconds(warmup_batches: int, hold: float, trigger: float = 1.0) -> int:
    """How long a run lasts: its warm-up batches, the hold, and the query's start."""
    return int(warmup_batches * WARMUP_BATCH_SECONDS * trigger + hold + START_SLACK + 0.999)


def measure(batches: list[dict], rate: int, per_batch: int, warmup_batches: int) -> dict:
    """The figures of one run from its batches' progress (the progress lines of jobs/_bench.py
    --sustain, as lab.bench.live reads them): rows read per second of wall time after the first
    `warmup_batches` batches with rows, from the first counted batch's start to the last's end."""
    from streamlab.listener import iso_seconds

    busy = [b for b in batches if b["numInputRows"]]
    counted = busy[warmup_batches:]
    durations = sorted(b["durationMs"].get("triggerExecution", 0) / 1000 for b in counted)
    if len(counted) < 2:  # too slow to time: falls behind, with every key a search reads
        return {
            "offered_rows_per_second": rate,
            "rows_per_batch_cap": per_batch,
            "rows_per_second": 0.0,
            "keeps_up": False,
            "batches": len(counted),
            "batch_seconds_median": durations[len(durations) // 2] if durations else 0.0,
            "batch_seconds_max": durations[-1] if durations else 0.0,
            "backlog_ran_out": False,
        }
    start = iso_seconds(counted[0]["timestamp"])
    end = iso_seconds(counted[-1]["timestamp"]) + counted[-1]["durationMs"].get("triggerExecution", 0) / 1000
    rows = sum(b["numInputRows"] for b in counted)
    got = rows / (end - start) if end > start else 0.0
    return {
        "offered_rows_per_second": rate,
        "rows_per_batch_cap": per_batch,
        "rows_per_second": round(got, 1),
        "keeps_up": got >= KEEP_UP * rate,
        "batches": len(counted),
        "batch_seconds_median": durations[len(durations) // 2],
        "batch_seconds_max": durations[-1],
        # Spark splits the cap between partitions, rounding down: a batch may read a few rows less.
        "backlog_ran_out": any(b["numInputRows"] < 0.99 * per_batch for b in counted),
    }


def choose(
    step, rate: int, top_rate: int, max_steps: int, bisect: int, confirm: bool
) -> tuple[dict | None, dict | None]:
    """Which rates a search offers, given `step(rate)` (one run's figures, as `measure` gives them):
    from `rate`, up or down by STEP until the verdict changes (never above `top_rate`, what the
    backlog can offer), then `bisect` bisections. With `confirm`, when no rate offered so far was
    INPUT_OVER times the best rate kept up, one more run offers that (or `top_rate`): so the search
    shows, in the same run, the job falling behind with the load source well above its limit.
    A run whose backlog ran out gives no verdict, and no rate above it is offered. Returns (best
    kept up, lowest offered that fell behind above it), either None."""
    best, fail, offered = None, None, []

    def run(r: int) -> dict:
        offered.append(r)
        return step(r)

    for _ in range(max_steps):
        m = run(rate)
        if m["backlog_ran_out"]:
            break
        if m["keeps_up"]:
            best = m
            if fail or rate >= top_rate:
                break
            rate = min(int(rate * STEP), top_rate)
        else:
            fail = m
            if best:
                break
            rate = int(rate / STEP)
    for _ in range(bisect):
        if not (best and fail):
            break
        m = run(int((best["offered_rows_per_second"] + fail["offered_rows_per_second"]) / 2))
        if m["backlog_ran_out"]:
            return best, fail
        best, fail = (m, fail) if m["keeps_up"] else (best, m)
    want = min(math.ceil(INPUT_OVER * best["rows_per_second"]), top_rate) if best else 0
    if confirm and best and want > max(offered) and not m["backlog_ran_out"]:
        m = run(want)
        if not m["backlog_ran_out"]:
            if m["keeps_up"]:  # above a rate that fell behind: noise; the higher rate stands
                best, fail = m, (fail if fail and fail["offered_rows_per_second"] > want else None)
            elif not fail:
                fail = m
    return best, fail


def limit(best: dict | None, fail: dict | None, highest: int, top_rate: int) -> str:
    """What the search's result says limits the rate, as a code of bench.toml: the job
    (limit_job_trigger), the backlog (limit_backlog), or nothing found (limit_not_found,
    limit_none_sustainable)."""
    if best and fail:
        return "limit_job_trigger"
    if best and highest >= top_rate:
        return "limit_backlog"
    if best:
        return "limit_not_found"
    return "limit_none_sustainable"


def prepare(rt, env: dict, plan: Capacity, say) -> tuple[dict, str, int, str]:
    """The backlog the searches read and the warm-up's: (env naming them, topic, records, warm topic).
    Each run reads them from the start with a checkpoint of its own, so searches at several
    triggers share them."""
    say(line("say_capacity_backlog", views=plan.backlog_views))
    env, topic, records = fill(rt, env, plan.backlog_views)
    _, warm_topic, _ = fill(rt, env, plan.warm_views, seed=8, prefix="bench_warm")
    return env, topic, records, warm_topic


def search(rt, prepared: tuple, stage: str, guess: float | None, plan: Capacity, say, trigger: float) -> dict:
    """The highest offered rate `stage` keeps up with at a `trigger`-second trigger: from `guess`
    (the cost fit's prediction, lab.bench.costfit.sustainable), as `choose` picks the rates, with
    the size's plan (lab.bench.sizes.Capacity), on the backlog `prepare` made."""
    env, topic, records, warm_topic = prepared
    # The highest rate the backlog can offer for a whole run: a run that starts at once has a batch
    # per trigger of its seconds, and one more.
    top_rate = int(records / (run_seconds(plan.warmup_batches, plan.hold, trigger) + trigger) / 1.05)
    steps = []

    def step(r: int) -> dict:
        say(line("say_capacity_offered", stage=stage, rate=r, trigger=seconds(trigger)))
        m = run(rt, env, stage, topic, warm_topic, r, plan.warmup_batches, plan.hold, trigger, warm_cap=plan.warm_cap)
        median = number(m.get("batch_seconds_median", 0), language(), 2)
        kept = verdict(m["keeps_up"])
        say(line("say_capacity_read", rate=round(m["rows_per_second"]), seconds=median, verdict=kept))
        steps.append(m)
        return m

    rate = min(int(guess or 50_000), top_rate)
    best, fail = choose(step, rate, top_rate, plan.max_steps, plan.bisect, plan.confirm)
    highest = max((s["offered_rows_per_second"] for s in steps), default=0)
    return {
        "stage": stage,
        "trigger_seconds": trigger,
        "backlog_records": records,
        "guess_rows_per_second": guess,
        "warm_cap": plan.warm_cap,
        "steps": steps,
        "sustainable": best,
        "highest_offered_rows_per_second": highest,
        "offered_over_sustainable": highest / best["rows_per_second"] if best and best["rows_per_second"] else None,
        "limited_by": limit(best, fail, highest, top_rate),
    }
