"""`make bench [QUICK=1]`: the lab's streaming benchmark, with the physical limits measured beside it.

Run on the running lab, everything co-located on one machine, all in one run, so ratios compare
like with like:
- producer: the lab's producer at full speed, and its send path alone (--replay: events made
  before the clock starts), vs Kafka's ProducerPerformance with the same record size and
  delivery settings (acks=all, idempotent, lz4, linger 20 ms);
- consumer ceiling: Kafka's ConsumerPerformance reading the benchmark topic;
- Spark ladder: the engine alone (rate source -> noop), then on the same Kafka backlog: read
  and count, + from_json, + stream-static join, + 10 s window (jobs/_bench.py), and the
  windowing job. Each is a drain rate: rows / micro-batch seconds over a backlog. Each is also
  given as a ratio to the consumer ceiling, with its cost fit (lab.bench.costfit): the fixed cost per
  batch a, the per-row cost b, and the per-row ceiling 1/b, from drains under several caps;
- Kafka consumer settings: the count and windowing stages under Kafka's consumer defaults and
  then each of the lab's (streamlab.sources.READ_OPTIONS); in a full run also live;
- capacity (lab.bench.backlog): the windowing job fed from a pre-filled backlog at a fixed rate
  per 1 s trigger, a load source that is never the limit, up to the rate it no longer keeps up with;
- live (src/lab/bench/live.py): the maximum sustainable throughput of the windowing job (and, in a
  full run, of the Yahoo-style window stage), found with a rising producer rate and a lag-growth
  check; event-to-result latency percentiles at fractions of it; batch phases; CPU per process;
  and the realtime job in real-time mode beside micro-batch;
- tuning (full run only): shuffle partitions and the state store provider on the window stage.

Results go to bench/results/<UTC time>.json and .md, a chart (.png) the Markdown links, and the
same page as HTML with the chart embedded (.html, lab.observe.mdhtml) for a browser. Sizes: full (about
an hour), quick (QUICK=1, about 15 minutes), and smoke, the test's (tests/integration/test_bench.py):
every step with tiny inputs and the Spark ladder in one driver. It checks the plumbing and that
the figures are sane; no test asserts a speed.
"""

from __future__ import annotations

import functools
import json
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from lab.bench import backlog as benchbacklog
from lab.bench import costfit, wording
from lab.bench import live as benchlive
from lab.bench.wording import TEXT
from lab.config.settings import ROOT
from lab.errors import RuntimeFailure
from lab.kafka.admin import deleted_at_end, end_total, fresh_topics
from lab.observe import mdhtml, units
from streamlab.i18n import language, number

RESULTS_DIR = ROOT / "bench" / "results"
# A search's limit is stored as a code of bench.toml; results written before codes hold its English.
LIMIT_CODES = {TEXT.text(code, "en"): code for code in TEXT if code.startswith("limit_")}
BENCH_STYLE = "img{width:750px}td{text-align:right}td:first-child{text-align:left}"
# events in the backlog (about 5/8 of them page views, the topic the stages read), producer seconds,
# ProducerPerformance records, repetitions, rate stage's seconds, and the maxOffsetsPerTrigger caps
# the stages of fit_stages drain the backlog under again for the cost fit (lab.bench.costfit): batches
# large enough that the per-row cost shows above the fixed cost.
SIZES = {
    "smoke": {
        "events": 20_000,
        "producer_seconds": 2,
        "perf_records": 50_000,
        "repeat": 1,
        "rate_seconds": 3,
        # About 15,000 page views: each cap has full batches besides its drain's first, which the fit leaves out.
        "fit_caps": (2_500, 5_000),
        "fit_stages": ("count", "json", "join", "window", "windowing"),
    },
    "quick": {
        "events": 1_000_000,
        "producer_seconds": 5,
        "perf_records": 1_000_000,
        "repeat": 1,
        "rate_seconds": 10,
        "fit_caps": (40_000, 100_000, 200_000),
        "fit_stages": ("count", "windowing"),  # the two the targets name; the full run fits them all
    },
    "full": {
        "events": 2_000_000,
        "producer_seconds": 20,
        "perf_records": 3_000_000,
        "repeat": 3,
        "rate_seconds": 20,
        "fit_caps": (40_000, 100_000, 250_000),
        "fit_stages": ("count", "json", "join", "window", "windowing"),
    },
}
# The read path with Kafka's consumer defaults, then with each of the lab's settings
# (streamlab.sources.READ_OPTIONS) added in turn: the before/after of each, in one run.
READ_SETTINGS = {
    "Kafka's defaults": ["kafka.fetch.max.wait.ms=500", "kafka.max.poll.records=500"],
    "+ fetch.max.wait.ms=10": ["kafka.max.poll.records=500"],
    "+ max.poll.records=10000 (the lab's)": [],
}
READ_SETTING_CODES = {  # their names on the results page (bench.toml); the JSON keeps the keys above
    "Kafka's defaults": "setting_defaults",
    "+ fetch.max.wait.ms=10": "setting_fetch_wait",
    "+ max.poll.records=10000 (the lab's)": "setting_poll_records",
}
# ... and live, where every batch reads to the end of the log: windowing at this producer rate
# (events/s) for this hold (s), once per READ_SETTINGS entry. Full run only.
READ_SETTINGS_LIVE = {"full": (20_000, 30)}
LIVE = {  # the live runs. Rates are producer events/s, all page views (benchlive.step).
    "smoke": {
        "stages": ("windowing",),
        "start_rate": 1_000,
        "warmup": 5,
        "hold": 6,
        "max_steps": 1,
        "bisect": 0,
        "fractions": (),
        "drain": 30,
        "twin_rate": 1_000,
        "twin_hold": 9,
    },
    "quick": {
        "stages": ("windowing",),
        "start_rate": 2_000,
        "warmup": 10,
        "hold": 15,
        "max_steps": 4,
        "bisect": 0,
        "fractions": (0.5,),
        "drain": 60,
        "twin_rate": 2_000,
        "twin_hold": 30,
    },
    "full": {
        "stages": ("windowing", "window"),
        "start_rate": 8_000,
        "warmup": 10,
        "hold": 40,
        "max_steps": 5,
        "bisect": 2,
        "fractions": (0.5, 0.8),
        "drain": 120,
        "twin_rate": 5_000,
        "twin_hold": 40,
    },
}
# The capacity search (lab.bench.backlog): page views in the backlog it reads from, batches of warm-up
# and seconds of measurement per rate, how many rates it tries, and whether it ends by offering
# 1.5x the rate it found kept up (benchbacklog.choose).
CAPACITY = {
    "smoke": {
        "backlog_views": 40_000,
        "warm_views": 5_000,
        "warmup_batches": 2,
        "hold": 4,
        "max_steps": 1,
        "bisect": 0,
        "confirm": False,
    },
    "quick": {
        "backlog_views": 6_000_000,
        "warm_views": 500_000,
        "warmup_batches": 12,
        "hold": 10,
        "max_steps": 3,
        "bisect": 0,
        "confirm": True,
    },
    "full": {
        "backlog_views": 8_000_000,
        "warm_views": 1_000_000,
        "warmup_batches": 15,
        "hold": 15,
        "max_steps": 4,
        "bisect": 2,
        "confirm": True,
    },
}
DRAIN_OPTIONS = {"maxOffsetsPerTrigger": ["10000", "50000"]}  # full run: job options tried on the window stage
REAL_TIME_BATCH = "5 seconds"  # real-time mode's checkpoint interval: long-running tasks, commits every 5 s
ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"
TUNING = {  # full run only: settings tried on the window stage
    "spark.sql.shuffle.partitions": ["2", "4", "8", "16"],
    "spark.sql.streaming.stateStore.providerClass": [
        "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider",
        ROCKSDB,
    ],
}
# Settings that go with a tuning value: RocksDB with changelog checkpointing (it then writes only
# the changed rows at each commit, not a snapshot), as recommended for it.
TUNING_WITH = {ROCKSDB: ["spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled=true"]}


def _tuning_label(value: str) -> str:
    """A TUNING value as the tables show it: a class's short name, plus the settings that go with it."""
    return " + ".join([value.rsplit(".", 1)[-1], *TUNING_WITH.get(value, [])])


def _say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def _tell(code: str, **params) -> None:
    """A progress line of bench.toml in the learner's language."""
    _say(wording.line(code, **params))


def producer_performance(rt, topic: str, records: int, size: int) -> float:
    out = rt.kafka_tool(
        "org.apache.kafka.tools.ProducerPerformance",
        [
            "--topic",
            topic,
            "--num-records",
            str(records),
            "--record-size",
            str(size),
            "--throughput",
            "-1",
            "--producer-props",
            f"bootstrap.servers={rt.tools_bootstrap}",
            "acks=all",
            "enable.idempotence=true",
            "linger.ms=20",
            "batch.size=1000000",
            "compression.type=lz4",
        ],
    )
    final = [line for line in out.splitlines() if "records sent" in line][-1]
    return float(re.search(r"([\d.]+) records/sec", final).group(1))


def consumer_performance(rt, topic: str, messages: int) -> float:
    """Records/s while fetching. Not the tool's nMsg.sec, which includes joining the consumer
    group (about 0.4 s here, most of a small backlog's time); Spark's drain rates count batch
    time only, so the fetch rate is the comparable ceiling."""
    out = rt.kafka_tool(
        "org.apache.kafka.tools.ConsumerPerformance",
        [
            "--bootstrap-server",
            rt.tools_bootstrap,
            "--topic",
            topic,
            "--num-records",
            str(messages),
            "--timeout",
            "60000",
        ],
    )
    # header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
    # rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    rows = [line for line in out.splitlines() if re.match(r"^\d{4}-", line)]
    fields = [f.strip() for f in rows[-1].split(",")]
    return float(fields[9])


def _stage(rt, env: dict, stage: str, topic: str, extra: list[str]) -> dict:
    return _stages(rt, env, [stage], topic, extra)[stage]


def _stages(rt, env: dict, stages: list[str], topic: str, extra: list[str]) -> dict[str, dict]:
    """Drain `stages` one after another in one driver: stage -> its BENCH figures."""
    paths = rt.paths
    ckpt = paths.run / "bench" / f"ckpt-{'-'.join(stages)}-{time.monotonic_ns()}"
    proc = rt.run_job(
        "_bench",
        [
            "--stage",
            ",".join(stages),
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
            result["cost"] = costfit.fit(result["fit_batches"])
            found[result["stage"]] = result
    if proc.returncode != 0 or set(found) != set(stages):
        raise RuntimeError(wording.line("stage_failed", stages=",".join(stages), output=wording.driver_output(proc)))
    return found


def run(rt, size_name: str, environ: dict[str, str]) -> Path:
    """Everything above on the running lab, in either runtime, at a size of SIZES (smoke, quick,
    full); returns the results' JSON file. Every topic it creates is deleted at its end. A stage
    that breaks raises RuntimeFailure with its first line (the rest is in its output)."""
    try:
        with deleted_at_end():
            results, started = _measure(rt, size_name, environ)
    except (RuntimeError, TimeoutError) as exc:
        lines = str(exc).strip().splitlines()
        raise RuntimeFailure(f"bench: {lines[0] if lines else type(exc).__name__}") from exc
    return _write(results, started)


def _measure(rt, size_name: str, environ: dict[str, str]) -> tuple[dict, datetime]:
    settings = rt.settings
    size = SIZES[size_name]
    quick = size_name != "full"
    env = {**environ, **fresh_topics(settings.kafka_bootstrap, "bench")}
    topic = env["TOPIC_PAGE_VIEWS"]
    started = datetime.now(UTC)
    results: dict = {
        "started": started.isoformat(),
        "quick": quick,
        "size_name": size_name,
        "machine": _machine(),
        "runtime": rt.name,
        "versions": {k: settings[k] for k in ("SPARK_VERSION", "KAFKA_VERSION")},
        "size": size,
    }
    results["producer"] = _producer_part(rt, env, size)
    results["backlog_records"], ceiling = _backlog_part(rt, env, topic, size)
    results["consumer_ceiling_records_per_second"] = ceiling
    results["ladder"] = _ladder_part(rt, env, topic, size_name, ceiling)
    results["read_settings"] = _read_settings_part(rt, env, topic, size_name, ceiling)
    if size_name in READ_SETTINGS_LIVE:
        results["read_settings_live"] = _read_settings_live(rt, env, *READ_SETTINGS_LIVE[size_name])
    guess = (results["ladder"]["windowing"].get("cost") or {}).get("sustainable_rows_per_second_1s_trigger")
    _tell("say_capacity")
    results["capacity"] = benchbacklog.search(rt, env, "windowing", guess, CAPACITY[size_name], _say)
    plan = LIVE[size_name]
    _tell("say_live")
    results["live"] = {stage: benchlive.search(rt, env, stage, plan, _say) for stage in plan["stages"]}
    _tell("say_real_time")
    results["real_time"] = {
        "rate": plan["twin_rate"],
        "batch": REAL_TIME_BATCH,
        **benchlive.realtime_hops(rt, env, plan["twin_rate"], plan["twin_hold"], REAL_TIME_BATCH, _say),
    }
    if not quick:
        results["tuning"] = _tuning_part(rt, env, topic)
        best = results["live"]["windowing"]["sustainable"]
        rate = int(best["target_events_per_second"] / 2) if best else plan["start_rate"]
        _tell("say_tuning_live", rate=rate)
        results["tuning_live"] = {"rate": rate, **benchlive.tune(rt, env, "windowing", rate, plan["hold"], _say)}
    return results, started


def _producer_part(rt, env: dict[str, str], size: dict) -> dict:
    """The lab's producer as fast as it goes, then its send path alone (--replay), beside Kafka's
    ProducerPerformance with records of its size."""
    bootstrap = rt.settings.kafka_bootstrap
    _tell("say_producer", seconds=size["producer_seconds"])
    # Its own topics: the backlog measured next must hold exactly the events produced for it.
    prod_env = {**env, **fresh_topics(bootstrap, "bench_producer")}
    prod = benchlive.produce(rt, prod_env, ["--rate", "0", "--duration", str(size["producer_seconds"]), "--seed", "1"])
    replay = min(size["events"], 200_000)
    _tell("say_replay", events=replay, seconds=size["producer_seconds"])
    replay_env = {**env, **fresh_topics(bootstrap, "bench_replay")}
    replayed = benchlive.produce(
        rt,
        replay_env,
        ["--rate", "0", "--duration", str(size["producer_seconds"]), "--seed", "1", "--replay", str(replay)],
    )
    record_size = _mean_record_size()
    perf_topic = fresh_topics(bootstrap, "bench_perf")["TOPIC_RESULTS"]
    _tell("say_producer_performance", records=size["perf_records"], bytes=record_size)
    kafka_prod = producer_performance(rt, perf_topic, size["perf_records"], record_size)
    return {
        "events_per_second": prod["events_per_second"],
        "record_bytes": record_size,
        "producer_performance_records_per_second": kafka_prod,
        "ratio": prod["events_per_second"] / kafka_prod if kafka_prod else None,
        "replay_events_per_second": replayed["events_per_second"],
        "replay_ratio": replayed["events_per_second"] / kafka_prod if kafka_prod else None,
    }


def _backlog_part(rt, env: dict[str, str], topic: str, size: dict) -> tuple[int, float]:
    """A backlog on a fresh topic, and ConsumerPerformance's read ceiling on it: (records, records/s)."""
    _tell("say_backlog", events=size["events"])
    benchlive.produce(rt, env, ["--rate", "0", "--count", str(size["events"]), "--seed", "2"])
    _tell("say_consumer_performance")
    views = end_total(rt.settings.kafka_bootstrap, topic)  # page views are about 3/4 of the events
    return views, statistics.median(consumer_performance(rt, topic, views) for _ in range(size["repeat"]))


def _ladder_part(rt, env: dict[str, str], topic: str, size_name: str, ceiling: float) -> dict:
    """Spark's stages drain the backlog (median of SIZES' repeat runs), each with its ratio to the
    ceiling, and its cost fit (lab.bench.costfit) over the capped drains of all its runs."""
    size = SIZES[size_name]
    ladder = {}
    stages = ["rate", "count", "json", "join", "window", "windowing"]
    caps = _fit_caps_args(size)
    rate_seconds = ["--seconds", str(size["rate_seconds"])]
    if size_name == "smoke":
        _tell("say_stages", stages=", ".join(stages))
        ladder = _stages(rt, env, stages, topic, rate_seconds + caps)
    else:
        for stage in stages:
            if stage in size["fit_stages"]:
                _tell("say_stage_caps", stage=stage, caps=caps[1])
            else:
                _tell("say_stage", stage=stage)
            extra = rate_seconds if stage == "rate" else caps if stage in size["fit_stages"] else []
            runs = [_stage(rt, env, stage, topic, extra) for _ in range(size["repeat"])]
            ladder[stage] = sorted(runs, key=lambda r: r["rows_per_second"])[len(runs) // 2]
            pooled = [b for r in runs for b in r["fit_batches"]]
            ladder[stage]["cost"] = costfit.fit(pooled)
    for stage, best in ladder.items():
        _add_ratios(best, ceiling, kafka=stage != "rate")
    return ladder


def _fit_caps_args(size: dict) -> list[str]:
    return ["--fit-caps", ",".join(str(c) for c in size["fit_caps"])]


def _kafka_option_args(pairs: list[str]) -> list[str]:
    return [a for pair in pairs for a in ("--kafka-option", pair)]


def _add_ratios(result: dict, ceiling: float, kafka: bool = True) -> None:
    """Add to a stage's figures its drain rate's ratio to ConsumerPerformance's (None without
    Kafka), and to its cost fit the per-row ceiling's ratio and the rate it would sustain with a
    1 s trigger."""
    result["ratio_to_consumer_ceiling"] = result["rows_per_second"] / ceiling if kafka and ceiling else None
    cost = result.get("cost")
    if cost:
        top = cost["ceiling_rows_per_second"]
        cost["ceiling_ratio_to_consumer_ceiling"] = top / ceiling if top and ceiling else None
        cost["sustainable_rows_per_second_1s_trigger"] = costfit.sustainable(cost, 1.0)


def _read_settings_part(rt, env: dict[str, str], topic: str, size_name: str, ceiling: float) -> dict:
    """The count and windowing stages under each READ_SETTINGS entry, one driver each (smoke: the
    count stage under Kafka's defaults only): entry -> stage -> drain rate and cost fit."""
    caps = _fit_caps_args(SIZES[size_name])
    settings = list(READ_SETTINGS.items())[:1] if size_name == "smoke" else READ_SETTINGS.items()
    stages = ["count"] if size_name == "smoke" else ["count", "windowing"]
    found = {}
    for label, pairs in settings:
        _tell("say_read_settings", stages=", ".join(stages), label=_Words(language()).setting(label))
        found[label] = _stages(rt, env, stages, topic, caps + _kafka_option_args(pairs))
        for result in found[label].values():
            _add_ratios(result, ceiling)
    return found


def _read_settings_live(rt, env: dict[str, str], rate: int, hold: int) -> dict:
    """The windowing job live (1 s trigger) under each READ_SETTINGS entry: label -> its figures."""
    found = {}
    for i, (label, pairs) in enumerate(READ_SETTINGS.items()):
        _tell("say_read_settings_live", rate=rate, hold=hold, label=_Words(language()).setting(label))
        extra = ["--trigger", "1 second", *_kafka_option_args(pairs)]
        job = benchlive.LiveJob(rt, env, "windowing", extra, label=f"read-{i}")
        try:
            benchlive.step(job, rate // 2, 10, 600, 120)  # warm-up, not counted
            r = benchlive.step(job, rate, hold, 601 + i, 120)
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
            _tell("say_tuning", key=key, value=_tuning_label(value))
            confs = [f"{key}={value}", *TUNING_WITH.get(value, [])]
            r = _stage(rt, env, "window", topic, [a for c in confs for a in ("--conf", c)])
            tuning.setdefault(key, []).append({"value": value, "rows_per_second": r["rows_per_second"]})
    for key, values in DRAIN_OPTIONS.items():
        for value in ["none", *values]:
            _tell("say_tuning", key=key, value=value)
            r = _stage(rt, env, "window", topic, [] if value == "none" else ["--max-offsets-per-trigger", value])
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
    import os
    import platform

    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def _write(results: dict, started: datetime, lang: str | None = None) -> Path:
    """The results as bench/results/<time>.json (machine-readable, in any language), and as .md,
    .html and .png in `lang` (default: the learner's, streamlab.i18n.language()); the page is
    printed too."""
    lang = lang or language()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = RESULTS_DIR / started.strftime("%Y%m%dT%H%M%SZ")
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    png = stem.with_suffix(".png")
    _chart(results, png, lang)
    lines = render(results, started, png.name, lang)
    text = "\n".join(lines) + "\n"
    stem.with_suffix(".md").write_text(text)
    # The same page for a browser, the chart embedded so the file stands alone.
    embedded = text.replace(f"]({png.name})", f"]({mdhtml.data_uri(png.read_bytes())})")
    style = mdhtml.STYLE + BENCH_STYLE
    stem.with_suffix(".html").write_text(mdhtml.page(lines[0].lstrip("# "), embedded, style=style, lang=lang))
    print("\n".join(lines), flush=True)
    paths = {k: f"{stem}.{k}" for k in ("json", "md", "html", "png")}
    print("\n" + TEXT.text("results", lang, **paths), flush=True)
    return stem.with_suffix(".json")


class _Words:
    """The page's texts and numbers in one language."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, code: str, **params) -> str:
        return TEXT.text(code, self.lang, **params)

    def n(self, value: float, digits: int = 0) -> str:
        return number(value, self.lang, digits)

    def verdict(self, keeps_up: bool) -> str:
        return self("keeps_up" if keeps_up else "falls_behind")

    def limit(self, stored: str) -> str:
        """A search's limit: a code of bench.toml, or (results written before codes) its English text."""
        code = stored if stored in TEXT else LIMIT_CODES.get(stored)
        return self(code) if code else stored

    def setting(self, label: str) -> str:
        code = READ_SETTING_CODES.get(label)
        return self(code) if code else label

    def process(self, name: str) -> str:
        """A process whose CPU the live search measures (kafka, driver, ...)."""
        code = "cpu_" + re.sub(r"\W+", "_", name)
        return self(code) if code in TEXT else name

    def key(self, key: str) -> str:
        return wording.key(key, self.lang)


def render(results: dict, started: datetime, chart: str, lang: str = "en") -> list[str]:
    """The results page's Markdown lines in `lang`, linking the chart file `chart`."""
    w = _Words(lang)
    p = results["producer"]
    size = f" ({results.get('size_name', 'quick').upper()})" if results["quick"] else ""
    rate = functools.partial(_per, lang)
    lines = [
        f"# {w('title', time=f'{started:%Y-%m-%d %H:%M}', size=size)}",
        "",
        w(
            "machine",
            cores=results["machine"]["cores"],
            spark=results["versions"]["SPARK_VERSION"],
            kafka=results["versions"]["KAFKA_VERSION"],
            runtime=results.get("runtime", "local"),
        ),
        "",
        f"![{w('chart_title')}]({chart})",
        "",
        f"## {w('producer_heading')}",
        "",
        f"| {w('column_measure')} | {w('column_value')} |",
        "|---|---|",
        f"| {w('row_lab_producer')} | {rate(p['events_per_second'], 'events')} |",
        f"| {w('row_producer_performance', bytes=p['record_bytes'])} | "
        f"{rate(p['producer_performance_records_per_second'], 'records')} |",
        f"| {w('row_ratio')} | {w.n(p['ratio'], 2)} |",
        f"| {w('row_replay')} | {rate(p['replay_events_per_second'], 'events')} |",
        f"| {w('row_replay_ratio')} | {w.n(p['replay_ratio'], 2)} |",
        "",
        w("producer_note"),
        "",
        f"## {w('read_path_heading')}",
        "",
        w("ceiling", value=w.n(results["consumer_ceiling_records_per_second"])),
        "",
        w("ladder_header"),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for stage, r in results["ladder"].items():
        ratio = w("no_kafka") if r["ratio_to_consumer_ceiling"] is None else w.n(r["ratio_to_consumer_ceiling"], 2)
        lines.append(
            f"| {stage} | {w.n(r['rows_per_second'])} | {ratio} | {r['batches']} | {w.n(r['rows'])} | "
            f"{_cost(r, lang)} |"
        )
    lines += ["", w("ladder_note", caps=", ".join(w.n(c) for c in results["size"].get("fit_caps", ())))]
    rs = results.get("read_settings")
    if rs:
        lines += [
            "",
            f"## {w('settings_heading')}",
            "",
            w("settings_header"),
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for label, stages in rs.items():
            for stage, r in stages.items():
                lines.append(
                    f"| {w.setting(label)} | {stage} | {w.n(r['rows_per_second'])} | "
                    f"{w.n(r['ratio_to_consumer_ceiling'], 2)} | {_cost(r, lang)} |"
                )
    live = results.get("read_settings_live")
    if live:
        live_rate, hold = READ_SETTINGS_LIVE[results.get("size_name", "quick")]
        lines += [
            "",
            w("settings_live", rate=w.n(live_rate), hold=hold),
            "",
            w("settings_live_header"),
            "|---|---|---|---|---|---|",
        ]
        for label, r in live.items():
            lines.append(
                f"| {w.setting(label)} | {w.n(r['page_views_per_second'])} | {w.verdict(r['keeps_up'])} | "
                f"{w.n(r['batch_seconds_median'], 2)} | {w.n(r['phases_median_seconds'].get('addBatch', 0), 2)} | "
                f"{_pct(r['latency_seconds'], lang)} |"
            )
    lines += _capacity_lines(results.get("capacity"), lang)
    lines += _live_lines(results, lang)
    for key, rows in results.get("tuning", {}).items():
        lines += ["", f"## {w('tuning_heading', key=w.key(key))}", "", w("tuning_header"), "|---|---|"]
        lines += [f"| {_tuning_label(r['value'])} | {w.n(r['rows_per_second'])} |" for r in rows]
    tl = results.get("tuning_live")
    if tl:
        for key in benchlive.LIVE_TUNING:
            lines += [
                "",
                f"## {w('tuning_live_heading', key=w.key(key), rate=w.n(tl['rate']))}",
                "",
                w("tuning_live_header"),
                "|---|---|---|---|---|---|",
            ]
            for r in tl[key]:
                if "error" in r:
                    lines.append(f"| {r['value']} | {w('failed', error=r['error'])} | | | | |")
                    continue
                gc = units.share(r["gc_share_of_task_time"], lang)
                lines.append(
                    f"| {r['value']} | {w.n(r['page_views_per_second'])} | {w.verdict(r['keeps_up'])} | "
                    f"{_pct(r['latency_seconds'], lang)} | {w.n(r['batch_seconds_median'], 2)} | {gc} |"
                )
    return lines


def _per(lang: str, value: float, what: str) -> str:
    """A rate with no decimals, the page's way: 1,234 events/s."""
    return units.TEXT.text(f"per_{what}", lang, value=number(value, lang, 0))


def _cost(result: dict, lang: str = "en") -> str:
    """A stage's cost fit as table cells: a | b | 1/b | 1/b ratio | R² | sustainable at 1 s."""
    c = result.get("cost")
    na = units.not_available(lang)
    if not c:
        return " | ".join([na] * 6)
    top, ratio, keep = (
        c["ceiling_rows_per_second"],
        c.get("ceiling_ratio_to_consumer_ceiling"),
        c.get("sustainable_rows_per_second_1s_trigger"),
    )
    return " | ".join(
        [
            number(c["fixed_seconds"], lang, 3),
            number(c["seconds_per_row"] * 1e6, lang, 2),
            number(top, lang, 0) if top else na,
            number(ratio, lang, 2) if ratio else na,
            number(c["r2"], lang, 2),
            number(keep, lang, 0) if keep else na,
        ]
    )


def _capacity_lines(cap: dict | None, lang: str = "en") -> list[str]:
    if not cap:
        return []
    w = _Words(lang)
    best, guess = cap["sustainable"], cap["guess_rows_per_second"]
    limit = w.limit(cap["limited_by"])
    lines = [
        "",
        f"## {w('capacity_heading', stage=cap['stage'])}",
        "",
        (
            w(
                "capacity_best",
                rate=w.n(best["rows_per_second"]),
                offered=w.n(best["offered_rows_per_second"]),
                highest=w.n(cap["highest_offered_rows_per_second"]),
                over=w.n(cap["offered_over_sustainable"], 2),
                limit=limit,
            )
            if best
            else w("capacity_none", limit=limit)
        ),
        "",
        w("capacity_guess", guess=w.n(guess)) if guess else "",
        "",
        w("capacity_note"),
        "",
        w("capacity_header"),
        "|---|---|---|---|---|",
    ]
    for m in cap["steps"]:
        verdict = w("backlog_ran_out") if m.get("backlog_ran_out") else w.verdict(m["keeps_up"])
        lines.append(
            f"| {w.n(m['offered_rows_per_second'])} | {w.n(m['rows_per_second'])} | {m['batches']} | "
            f"{w.n(m.get('batch_seconds_median', 0), 2)} / {w.n(m.get('batch_seconds_max', 0), 2)} | {verdict} |"
        )
    return lines


def _pct(lat: dict | None, lang: str = "en") -> str:
    if not lat:
        return units.not_available(lang)
    return " / ".join(number(lat[k], lang, 2) for k in ("p50", "p95", "p99"))


def _live_lines(results: dict, lang: str = "en") -> list[str]:
    w = _Words(lang)
    lines = []
    for stage, live in results.get("live", {}).items():
        best = live["sustainable"]
        processes = live["steps"][0]["cpu_cores"] if live["steps"] else {}
        names = [w.process(name) for name in processes]
        lines += [
            "",
            f"## {w('live_heading', stage=stage)}",
            "",
            w(
                "live_best",
                rate=w.n(best["page_views_per_second"]),
                sent=w.n(best["events_per_second"]),
                limit=w.limit(live["limited_by"]),
            )
            if best
            else w("live_none"),
            "",
            w("live_header", processes=", ".join(names)),
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in live["steps"]:
            gc = units.share(r.get("gc_share_of_task_time"), lang)
            lines.append(
                f"| {w.n(r['target_events_per_second'])} | {w.n(r['page_views_per_second'])} | "
                f"{w.n(r['lag_slope_per_second'])} | {w.n(r['final_lag'])} | "
                f"{w.verdict(r['keeps_up'])}"
                f"{w('producer_bound') if r['producer_bound'] else ''} | "
                f"{_pct(r['latency_seconds'], lang)} | {w.n(r['batch_seconds_median'], 2)} | {gc} | "
                + ", ".join(w.n(v, 2) for v in r["cpu_cores"].values())
                + " |"
            )
        if best:
            phases = ", ".join(f"{k} {w.n(v, 2)}" for k, v in best["phases_median_seconds"].items())
            lines += ["", w("live_phases", phases=phases)]
        lines += ["", w("live_note")]
    rt = results.get("real_time")
    if rt:
        lines += [
            "",
            f"## {w('real_time_heading', rate=w.n(rt['rate']))}",
            "",
            w("real_time_note", warmup=benchlive.WARMUP_SECONDS),
            "",
            w("real_time_header"),
            "|---|---|---|---|---|---|---|---|",
        ]
        for mode in ("real-time", "micro-batch"):
            r = rt[mode]
            hops = " | ".join(_ms(r["latency_ms"][hop], lang) for hop in benchlive.HOPS)
            first = w.n(r["first_alert_seconds"], 1) if "first_alert_seconds" in r else units.not_available(lang)
            counts = f"{w.n(r['records_in'])} | {w.n(r['records_out'])} | {first} | {w.n(r['measured_records'])}"
            lines.append(f"| {wording.mode(mode, lang)} | {counts} | {hops} |")
    return lines


def _ms(p: dict | None, lang: str = "en") -> str:
    return units.not_available(lang) if not p else f"{p['p50']:.0f} / {p['p95']:.0f} / {p['p99']:.0f}"


def _chart(results: dict, path: Path, lang: str = "en") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = _Words(lang)
    ladder = results["ladder"]
    names = list(ladder)[::-1]
    drain = [ladder[n]["rows_per_second"] for n in names]
    top = [((ladder[n].get("cost") or {}).get("ceiling_rows_per_second") or 0) for n in names]
    ceiling = results["consumer_ceiling_records_per_second"]
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=100, layout="constrained")
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], drain, height=0.4, color="#4c72b0", label=w("chart_drain"))
    ax.barh([y - 0.2 for y in ys], top, height=0.4, color="#dd8452", label=w("chart_per_row"))
    ax.axvline(ceiling, color="#333333", linestyle="--", linewidth=1, label=w("chart_consumer", value=w.n(ceiling)))
    ax.set_yticks(list(ys), names)
    ax.set_xscale("log")
    ax.set_xlabel(w("chart_axis"))
    ax.set_title(w("chart_title"), fontsize=10)
    for y, (d, t) in enumerate(zip(drain, top, strict=True)):
        ax.text(d, y + 0.2, f" {w.n(d)}", va="center", fontsize=7)
        if t:
            ax.text(t, y - 0.2, f" {w.n(t)}", va="center", fontsize=7)
    fig.legend(fontsize=7, loc="outside lower center", ncol=3)  # below the bars: it never hides one
    fig.savefig(path)
    plt.close(fig)
