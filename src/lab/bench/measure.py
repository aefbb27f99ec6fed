"""The bench's run: every part measured in order on the running lab, then the results written.

`run(rt, size_name, environ)` measures at the size SIZES[size_name] (lab.bench.sizes) with the
jobs' environment `environ`, on fresh topics it deletes at its end, and writes the results
(lab.bench.files): it returns the JSON file. A part that breaks (RuntimeError, TimeoutError) ends
the run with RuntimeFailure("bench: <its first line>"); the rest of its text is in its output.
Progress lines go to stdout in the learner's language ("==> ...").

The results dict, part by part: producer, backlog_records and consumer_ceiling_records_per_second,
ladder, read_settings (and read_settings_live), fixed_cost, capacity (1 s trigger) and
capacity_half_second (0.5 s), live, real_time; in a full run also
tuning and tuning_live. Its header: started, quick, size_name, machine, runtime, versions, size.
"""

from __future__ import annotations

import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

from lab.bench import backlog, costfit, drain, files, fixedcost, live, wording
from lab.bench.kafkaperf import consumer_performance, producer_performance
from lab.bench.sizes import SIZES, Size
from lab.bench.variants import (
    DRAIN_OPTIONS,
    FIXED_COST_SETTINGS,
    READ_SETTINGS,
    REAL_TIME_BATCH,
    TUNING,
    TUNING_WITH,
    tuning_label,
)
from lab.errors import RuntimeFailure, first_line
from lab.kafka.admin import deleted_at_end, fresh_topics
from lab.kafka.reading import end_total
from streamlab.i18n import language

LADDER = ["rate", "count", "json", "join", "window", "windowing"]


def say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def tell(code: str, **params) -> None:
    """A progress line of bench.toml in the learner's language."""
    say(wording.line(code, **params))


def run(rt, size_name: str, environ: dict[str, str]) -> Path:
    """Everything on the running lab, in either runtime, at a size of SIZES (smoke, quick, full);
    returns the results' JSON file. Every topic it creates is deleted at its end. A stage that
    breaks raises RuntimeFailure with its first line (the rest is in its output)."""
    try:
        with deleted_at_end():
            results, started = measure(rt, SIZES[size_name], environ)
    except (RuntimeError, TimeoutError, RuntimeFailure) as exc:
        raise RuntimeFailure(f"bench: {first_line(exc)}") from exc
    return files.write(results, started)


def measure(rt, size: Size, environ: dict[str, str]) -> tuple[dict, datetime]:
    """Every part in order: (results, the time it started)."""
    settings = rt.settings
    env = {**environ, **fresh_topics(settings.kafka_bootstrap, "bench")}
    topic = env["TOPIC_PAGE_VIEWS"]
    started = datetime.now(UTC)
    results: dict = {
        "started": started.isoformat(),
        "quick": size.quick,
        "size_name": size.name,
        "machine": _machine(),
        "runtime": rt.name,
        "versions": {k: settings[k] for k in ("SPARK_VERSION", "KAFKA_VERSION")},
        "size": size.recorded(),
    }
    results["producer"] = _producer_part(rt, env, size)
    results["backlog_records"], ceiling = _backlog_part(rt, env, topic, size)
    results["consumer_ceiling_records_per_second"] = ceiling
    results["ladder"] = _ladder_part(rt, env, topic, size, ceiling)
    results["read_settings"] = _read_settings_part(rt, env, topic, size, ceiling)
    if size.read_live:
        results["read_settings_live"] = _read_settings_live(rt, env, *size.read_live)
    results["fixed_cost"] = _fixed_cost_part(rt, env, size)
    cost = results["ladder"]["windowing"].get("cost")
    prepared = backlog.prepare(rt, env, size.capacity, say)  # one backlog for the searches at every trigger
    for trigger in size.capacity_triggers:
        tell("say_capacity", trigger=wording.seconds(trigger))
        guess = costfit.sustainable(cost, trigger)
        search = backlog.search(rt, prepared, "windowing", guess, size.capacity, say, trigger)
        results[backlog.CAPACITY_KEYS[trigger]] = search
    plan = size.live
    tell("say_live")
    results["live"] = {stage: live.search(rt, env, stage, plan, say) for stage in plan.stages}
    tell("say_real_time")
    results["real_time"] = {
        "rate": plan.twin_rate,
        "batch": REAL_TIME_BATCH,
        **live.realtime_hops(rt, env, plan.twin_rate, plan.twin_hold, REAL_TIME_BATCH, say),
    }
    if not size.quick:
        results["tuning"] = _tuning_part(rt, env, topic)
        best = results["live"]["windowing"]["sustainable"]
        rate = int(best["target_events_per_second"] / 2) if best else plan.start_rate
        tell("say_tuning_live", rate=rate)
        results["tuning_live"] = {"rate": rate, **live.tune(rt, env, "windowing", rate, plan.hold, say)}
    return results, started


def _fixed_cost_part(rt, env: dict[str, str], size: Size) -> dict:
    """The fixed cost of a batch of the count and windowing stages, under Spark's default checkpoint
    files and the lab's (or the lab's only), each phase apart (lab.bench.fixedcost)."""
    views, cap = size.fixed_cost
    settings = dict(list(FIXED_COST_SETTINGS.items())[-1:]) if size.fixed_lab_only else FIXED_COST_SETTINGS
    return fixedcost.measure(rt, env, views, cap, settings, say)


def _producer_part(rt, env: dict[str, str], size: Size) -> dict:
    """The lab's producer as fast as it goes, then its send path alone (--replay), beside Kafka's
    ProducerPerformance with records of its size."""
    bootstrap = rt.settings.kafka_bootstrap
    seconds = str(size.producer_seconds)
    tell("say_producer", seconds=size.producer_seconds)
    # Its own topics: the backlog measured next must hold exactly the events produced for it.
    prod_env = {**env, **fresh_topics(bootstrap, "bench_producer")}
    prod = live.produce(rt, prod_env, ["--rate", "0", "--duration", seconds, "--seed", "1"])
    replay = min(size.events, 200_000)
    tell("say_replay", events=replay, seconds=size.producer_seconds)
    replay_env = {**env, **fresh_topics(bootstrap, "bench_replay")}
    replayed = live.produce(
        rt, replay_env, ["--rate", "0", "--duration", seconds, "--seed", "1", "--replay", str(replay)]
    )
    record_size = _mean_record_size()
    perf_topic = fresh_topics(bootstrap, "bench_perf")["TOPIC_RESULTS"]
    tell("say_producer_performance", records=size.perf_records, bytes=record_size)
    kafka_prod = producer_performance(rt, perf_topic, size.perf_records, record_size)
    return {
        "events_per_second": prod["events_per_second"],
        "record_bytes": record_size,
        "producer_performance_records_per_second": kafka_prod,
        "ratio": prod["events_per_second"] / kafka_prod if kafka_prod else None,
        "replay_events_per_second": replayed["events_per_second"],
        "replay_ratio": replayed["events_per_second"] / kafka_prod if kafka_prod else None,
    }


def _backlog_part(rt, env: dict[str, str], topic: str, size: Size) -> tuple[int, float]:
    """A backlog on a fresh topic, and ConsumerPerformance's read ceiling on it: (records, records/s)."""
    tell("say_backlog", events=size.events)
    live.produce(rt, env, ["--rate", "0", "--count", str(size.events), "--seed", "2"])
    tell("say_consumer_performance")
    views = end_total(rt.settings.kafka_bootstrap, topic)  # page views are about 5/8 of the events
    return views, statistics.median(consumer_performance(rt, topic, views) for _ in range(size.repeat))


def _ladder_part(rt, env: dict[str, str], topic: str, size: Size, ceiling: float) -> dict:
    """Spark's stages drain the backlog (median of the size's repeat runs), each with its ratio to
    the ceiling, and its cost fit (lab.bench.costfit) over the capped drains of all its runs."""
    ladder = {}
    caps = drain.fit_caps_args(size)
    rate_seconds = ["--seconds", str(size.rate_seconds)]
    if size.one_driver:
        tell("say_stages", stages=", ".join(LADDER))
        ladder = drain.stages(rt, env, LADDER, topic, rate_seconds + caps + ["--warm-drain"])
    else:
        for stage in LADDER:
            if stage in size.fit_stages:
                tell("say_stage_caps", stage=stage, caps=caps[1])
            else:
                tell("say_stage", stage=stage)
            extra = rate_seconds if stage == "rate" else ["--warm-drain", *(caps if stage in size.fit_stages else [])]
            runs = [drain.stage(rt, env, stage, topic, extra) for _ in range(size.repeat)]
            ladder[stage] = sorted(runs, key=lambda r: r["rows_per_second"])[len(runs) // 2]
            pooled = [b for r in runs for b in r["fit_batches"]]
            ladder[stage]["cost"] = costfit.fit(pooled)
    for stage, best in ladder.items():
        drain.add_ratios(best, ceiling, kafka=stage != "rate")
    return ladder


def _read_settings_part(rt, env: dict[str, str], topic: str, size: Size, ceiling: float) -> dict:
    """The size's read stages under each READ_SETTINGS entry (or Kafka's defaults only), one driver
    each: entry -> stage -> drain rate and cost fit."""
    caps = drain.fit_caps_args(size)
    settings = list(READ_SETTINGS.items())[:1] if size.read_defaults_only else READ_SETTINGS.items()
    stages = list(size.read_stages)
    found = {}
    for label, pairs in settings:
        tell("say_read_settings", stages=", ".join(stages), label=wording.Words(language()).setting(label))
        found[label] = drain.stages(rt, env, stages, topic, caps + drain.kafka_option_args(pairs))
        for result in found[label].values():
            drain.add_ratios(result, ceiling)
    return found


def _read_settings_live(rt, env: dict[str, str], rate: int, hold: int) -> dict:
    """The windowing job live (1 s trigger) under each READ_SETTINGS entry: label -> its figures."""
    found = {}
    for i, (label, pairs) in enumerate(READ_SETTINGS.items()):
        tell("say_read_settings_live", rate=rate, hold=hold, label=wording.Words(language()).setting(label))
        extra = ["--trigger", "1 second", *drain.kafka_option_args(pairs)]
        job = live.LiveJob(rt, env, "windowing", extra, label=f"read-{i}")
        try:
            live.step(job, rate // 2, 10, 600, 120)  # warm-up, not counted
            r = live.step(job, rate, hold, 601 + i, 120)
        finally:
            job.stop()
        keys = ("page_views_per_second", "keeps_up", "latency_seconds", "batch_seconds_median", "phases_median_seconds")
        found[label] = {k: r[k] for k in keys}
    return found


def _tuning_part(rt, env: dict[str, str], topic: str) -> dict:
    """The full run's tuning tables: the window stage under each TUNING setting and DRAIN_OPTIONS cap."""
    tuning: dict = {}
    for key, values in TUNING.items():
        for value in values:
            tell("say_tuning", key=key, value=tuning_label(value))
            confs = [f"{key}={value}", *TUNING_WITH.get(value, [])]
            r = drain.stage(rt, env, "window", topic, [a for c in confs for a in ("--conf", c)])
            tuning.setdefault(key, []).append({"value": value, "rows_per_second": r["rows_per_second"]})
    for key, values in DRAIN_OPTIONS.items():
        for value in ["none", *values]:
            tell("say_tuning", key=key, value=value)
            r = drain.stage(rt, env, "window", topic, [] if value == "none" else ["--max-offsets-per-trigger", value])
            tuning.setdefault(key, []).append(
                {"value": value, "rows_per_second": r["rows_per_second"], "batches": r["batches"]}
            )
    return tuning


def _mean_record_size() -> int:
    from producer.generator import Config, EventGenerator

    gen = EventGenerator(Config(seed=1, start_time=0)).events()
    sample = [len(next(gen).value) for _ in range(5000)]
    return round(sum(sample) / len(sample))


def _machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
