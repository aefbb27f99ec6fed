"""The bench's results page: bench/results/<time>.md, in one language, from a run's results.

`render(results, started, chart, lang)` is the page's Markdown, ending in a newline. Its layout and
words are the template templates/page.md.j2 (Jinja2), the words bench.toml's in `lang` (es or en,
through lab.bench.wording.Words); this module hands it the figures, written as `lang` writes
numbers, and the tables as data (`Table`: header cells, rows of cells; the template's
templates/table.md.j2 writes them). `chart` is what the page's image links: the chart's file name
(.md), or its data: URI (.html). `title(...)` is the page's heading, for the HTML page's title.

Parts a run did not measure are left out: read settings (live too), the fixed cost, capacity (at
either trigger), live, real time, tuning. Results of any size render, the runs committed in
bench/results/ among them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import jinja2

from lab.bench.backlog import CAPACITY_KEYS
from lab.bench.drain import GOAL_ROWS
from lab.bench.drain import GOALS as DRAIN_GOALS
from lab.bench.fixedcost import PHASES, STEADY, WARMUP
from lab.bench.live import HOPS, LIVE_TUNING, PAUSE_MS, WARMUP_SECONDS
from lab.bench.sizes import SIZES
from lab.bench.variants import tuning_label
from lab.bench.wording import Words
from lab.observe import units
from streamlab.options import interval_seconds


@dataclass(frozen=True)
class Table:
    """A Markdown table as data. A row shorter than the header ends in empty cells."""

    header: list[str]
    rows: list[list[str]]

    @classmethod
    def of(cls, header: str, rows: list[list[str]]) -> Table:
        """With its header as bench.toml writes it: "| a | b |"."""
        return cls(header.removeprefix("| ").removesuffix(" |").split(" | "), rows)


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lab.bench", "templates"),
        autoescape=False,  # Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("page.md.j2")


def title(results: dict, started: datetime, lang: str = "en") -> str:
    size = f" ({results.get('size_name', 'quick').upper()})" if results["quick"] else ""
    return Words(lang)("title", time=f"{started:%Y-%m-%d %H:%M}", size=size)


def render(results: dict, started: datetime, chart: str, lang: str = "en") -> str:
    """The results page's Markdown in `lang`, its image linking `chart`."""
    w = Words(lang)
    machine, versions = results["machine"], results["versions"]
    return _template().render(
        w=w,
        title=title(results, started, lang),
        machine={
            "cores": machine["cores"],
            "spark": versions["SPARK_VERSION"],
            "kafka": versions["KAFKA_VERSION"],
            "runtime": results.get("runtime", "local"),
        },
        chart=chart,
        producer=_producer(results["producer"], w),
        ceiling=w.n(results["consumer_ceiling_records_per_second"]),
        ladder=_ladder(results["ladder"], w),
        large_batch=_large_batch(results["ladder"], w),
        caps=", ".join(w.n(c) for c in results["size"].get("fit_caps", ())),
        read_settings=_read_settings(results.get("read_settings"), w),
        read_live=_read_live(results, w),
        fixed_cost=_fixed_cost(results.get("fixed_cost"), results["ladder"], w),
        capacities=[_capacity(results[k], w) for k in CAPACITY_KEYS.values() if results.get(k)],
        live=[_live(stage, live, w) for stage, live in results.get("live", {}).items()],
        real_time=_real_time(results.get("real_time"), w),
        tuning=[
            {"key": w.key(key), "table": Table.of(w("tuning_header"), [_tuning_row(r, w) for r in rows])}
            for key, rows in results.get("tuning", {}).items()
        ],
        tuning_live=_tuning_live(results.get("tuning_live"), w),
    )


def _per(value: float, what: str, w: Words) -> str:
    """A rate with no decimals, the page's way: 1,234 events/s."""
    return units.TEXT.text(f"per_{what}", w.lang, value=w.n(value))


def _producer(p: dict, w: Words) -> Table:
    return Table(
        [w("column_measure"), w("column_value")],
        [
            [w("row_lab_producer"), _per(p["events_per_second"], "events", w)],
            [
                w("row_producer_performance", bytes=p["record_bytes"]),
                _per(p["producer_performance_records_per_second"], "records", w),
            ],
            [w("row_ratio"), w.n(p["ratio"], 2)],
            [w("row_replay"), _per(p["replay_events_per_second"], "events", w)],
            [w("row_replay_ratio"), w.n(p["replay_ratio"], 2)],
        ],
    )


def _cost(result: dict, w: Words) -> list[str]:
    """A stage's cost fit as cells: a | b | 1/b | 1/b ratio | R² | sustainable at 1 s."""
    c = result.get("cost")
    na = units.not_available(w.lang)
    if not c:
        return [na] * 6
    top, ratio, keep = (
        c["ceiling_rows_per_second"],
        c.get("ceiling_ratio_to_consumer_ceiling"),
        c.get("sustainable_rows_per_second_1s_trigger"),
    )
    return [
        w.n(c["fixed_seconds"], 3),
        w.n(c["seconds_per_row"] * 1e6, 2),
        w.n(top) if top else na,
        w.n(ratio, 2) if ratio else na,
        w.n(c["r2"], 2),
        w.n(keep) if keep else na,
    ]


def _ladder(ladder: dict, w: Words) -> Table:
    rows = []
    for stage, r in ladder.items():
        ratio = w("no_kafka") if r["ratio_to_consumer_ceiling"] is None else w.n(r["ratio_to_consumer_ceiling"], 2)
        rows.append([stage, w.n(r["rows_per_second"]), ratio, str(r["batches"]), w.n(r["rows"]), *_cost(r, w)])
    return Table.of(w("ladder_header"), rows)


def _large_batch(ladder: dict, w: Words) -> dict | None:
    """The whole backlog in one batch, by a fresh driver and again by warm executors, beside the
    cost fit's a + b x rows for it and the drain goal, judged on a backlog of GOAL_ROWS or more
    (None for a page from before the warm drain)."""
    na = units.not_available(w.lang)
    rows = []
    for stage, r in ladder.items():
        if r.get("warm_rows_per_second") is None:
            continue
        cost, goal = r.get("cost"), DRAIN_GOALS.get(stage)
        fit = cost["fixed_seconds"] + cost["seconds_per_row"] * r["rows"] if cost else None
        ratios = (r["ratio_to_consumer_ceiling"], r["warm_ratio_to_consumer_ceiling"])
        judged = goal and r["rows"] >= GOAL_ROWS
        met = " / ".join(w.verdict_goal(x is not None and x >= goal) for x in ratios) if judged else na
        rows.append(
            [
                stage,
                w.n(r["rows"]),
                w.n(r["batch_seconds"], 2),
                w.n(r["rows_per_second"]),
                w.n(ratios[0], 2),
                w.n(r["warm_seconds"], 2),
                w.n(r["warm_rows_per_second"]),
                w.n(ratios[1], 2),
                w.n(fit, 2),
                w.n(r["batch_seconds"] - r["warm_seconds"], 2),
                w.n(goal, 2) if goal else na,
                met,
            ]
        )
    if not rows:
        return None
    goals = ", ".join(w("large_batch_goal", ratio=w.n(g, 2), stage=s) for s, g in DRAIN_GOALS.items())
    return {"table": Table.of(w("large_batch_header"), rows), "goal_rows": w.n(GOAL_ROWS), "goals": goals}


def _read_settings(found: dict | None, w: Words) -> Table | None:
    if not found:
        return None
    rows = [
        [w.setting(label), stage, w.n(r["rows_per_second"]), w.n(r["ratio_to_consumer_ceiling"], 2), *_cost(r, w)]
        for label, stages in found.items()
        for stage, r in stages.items()
    ]
    return Table.of(w("settings_header"), rows)


def _pct(lat: dict | None, w: Words) -> str:
    if not lat:
        return units.not_available(w.lang)
    return " / ".join(w.n(lat[k], 2) for k in ("p50", "p95", "p99"))


def _ms(p: dict | None, w: Words) -> str:
    return units.not_available(w.lang) if not p else f"{p['p50']:.0f} / {p['p95']:.0f} / {p['p99']:.0f}"


def _read_live(results: dict, w: Words) -> dict | None:
    """The read settings live: the rate and hold of the run's size, and their table."""
    found = results.get("read_settings_live")
    if not found:
        return None
    rate, hold = SIZES[results.get("size_name", "quick")].read_live
    rows = [
        [
            w.setting(label),
            w.n(r["page_views_per_second"]),
            w.verdict(r["keeps_up"]),
            w.n(r["batch_seconds_median"], 2),
            w.n(r["phases_median_seconds"].get("addBatch", 0), 2),
            _pct(r["latency_seconds"], w),
        ]
        for label, r in found.items()
    ]
    return {"rate": w.n(rate), "hold": hold, "table": Table.of(w("settings_live_header"), rows)}


def _fixed_cost(found: dict | None, ladder: dict, w: Words) -> dict | None:
    """The fixed cost part: per stage and setting, the median small batch and its phases beside the
    goal for a; and the cost fit's a (the ladder's) against the same goals."""
    if not found:
        return None
    steady = found.get("steady", STEADY)  # a run from before the split has none
    rows = []
    for label, stages in found["settings"].items():
        for stage, f in stages.items():
            seconds, goal = f["batch_seconds_median"], found["goals"][stage]
            phases = [w.n(f["phases_median_seconds"].get(ph, 0.0), 3) for ph in PHASES]
            met = w.verdict_goal(seconds is not None and seconds <= goal)
            early = f.get("early_batch_seconds_median")
            rows.append(
                [stage, w.setting(label), w.n(f["batches"]), w.n(early, 3), w.n(seconds, 3), *phases, w.n(goal, 2), met]
            )
    fits = []
    for stage, goal in found["goals"].items():
        a = (ladder.get(stage, {}).get("cost") or {}).get("fixed_seconds")
        fits.append(w("fixed_cost_fit_stage", stage=stage, a=w.n(a, 3), goal=w.n(goal, 2)))
    return {
        "cap": w.n(found["cap"]),
        "views": w.n(found["views"]),
        "fits": "; ".join(fits),
        "steady": steady,
        "skipped": found.get("skipped", WARMUP + 1),
        "table": Table.of(w("fixed_cost_header", cap=w.n(found["cap"]), steady=steady), rows),
    }


def _capacity(cap: dict | None, w: Words) -> dict | None:
    """The capacity search: its best rate's figures (None if no rate kept up), limit, guess, steps."""
    if not cap:
        return None
    best, guess = cap["sustainable"], cap["guess_rows_per_second"]
    trigger = cap.get("trigger_seconds", 1.0)
    rows = []
    for m in cap["steps"]:
        verdict = w("backlog_ran_out") if m.get("backlog_ran_out") else w.verdict(m["keeps_up"])
        seconds = " / ".join(w.n(m.get(k, 0), 2) for k in ("batch_seconds_median", "batch_seconds_max"))
        rows.append([w.n(m["offered_rows_per_second"]), w.n(m["rows_per_second"]), str(m["batches"]), seconds, verdict])
    return {
        "stage": cap["stage"],
        "trigger": w.seconds(trigger),
        "start": w.n(cap["steps"][0]["offered_rows_per_second"]) if cap["steps"] else units.not_available(w.lang),
        "best": {
            "rate": w.n(best["rows_per_second"]),
            "offered": w.n(best["offered_rows_per_second"]),
            "highest": w.n(cap["highest_offered_rows_per_second"]),
            "over": w.n(cap["offered_over_sustainable"], 2),
        }
        if best
        else None,
        "limit": w.limit(cap["limited_by"]),
        "guess": w.n(guess) if guess else None,
        "warm_cap": w.n(cap["warm_cap"]) if cap.get("warm_cap") else None,
        "table": Table.of(w("capacity_header"), rows),
    }


def _live(stage: str, live: dict, w: Words) -> dict:
    """One stage's live search: its best rate's figures and phases (None if none), its steps."""
    best = live["sustainable"]
    processes = live["steps"][0]["cpu_cores"] if live["steps"] else {}
    rows = [
        [
            w.n(r["target_events_per_second"]),
            w.n(r["page_views_per_second"]),
            w.n(r["lag_slope_per_second"]),
            w.n(r["final_lag"]),
            w.verdict(r["keeps_up"]) + (w("producer_bound") if r["producer_bound"] else ""),
            _pct(r["latency_seconds"], w),
            w.n(r["batch_seconds_median"], 2),
            units.share(r.get("gc_share_of_task_time"), w.lang),
            ", ".join(w.n(v, 2) for v in r["cpu_cores"].values()),
        ]
        for r in live["steps"]
    ]
    header = w("live_header", processes=", ".join(w.process(name) for name in processes))
    return {
        "stage": stage,
        "best": {
            "rate": w.n(best["page_views_per_second"]),
            "sent": w.n(best["events_per_second"]),
            "limit": w.limit(live["limited_by"]),
            "phases": ", ".join(f"{k} {w.n(v, 2)}" for k, v in best["phases_median_seconds"].items()),
        }
        if best
        else None,
        "table": Table.of(header, rows),
    }


def _real_time(found: dict | None, w: Words) -> dict | None:
    """The realtime job in each mode: orders in, alerts out, first alert, and each hop's latency."""
    if not found:
        return None
    rows = []
    na = units.not_available(w.lang)
    for mode in ("real-time", "micro-batch"):
        r = found[mode]
        first = w.n(r["first_alert_seconds"], 1) if "first_alert_seconds" in r else na
        counts = [w.n(r["records_in"]), w.n(r["records_out"]), first, w.n(r["measured_records"])]
        whole = _ms(r["whole_run_latency_ms"], w) if "whole_run_latency_ms" in r else na
        p = r.get("pauses")
        stalls = f"{w.n(p['count'])} / {w.n(p['longest_ms'])}" if p and p["count"] else (w.n(p["count"]) if p else na)
        rows.append([w.mode(mode), *counts, *(_ms(r["latency_ms"][hop], w) for hop in HOPS), whole, stalls])
    header = w("real_time_header", pause=PAUSE_MS)
    interval = w.seconds(interval_seconds(found["batch"])) if found.get("batch") else na
    return {
        "rate": w.n(found["rate"]),
        "interval": interval,
        "warmup": WARMUP_SECONDS,
        "pause": PAUSE_MS,
        "table": Table.of(header, rows),
    }


def _tuning_row(r: dict, w: Words) -> list[str]:
    return [tuning_label(r["value"]), w.n(r["rows_per_second"])]


def _tuning_live(found: dict | None, w: Words) -> list[dict]:
    """Each LIVE_TUNING setting's table at the run's rate; a value that failed is one cell."""
    if not found:
        return []
    tables = []
    for key in LIVE_TUNING:
        rows = [
            [str(r["value"]), w("failed", error=r["error"])]
            if "error" in r
            else [
                str(r["value"]),
                w.n(r["page_views_per_second"]),
                w.verdict(r["keeps_up"]),
                _pct(r["latency_seconds"], w),
                w.n(r["batch_seconds_median"], 2),
                units.share(r["gc_share_of_task_time"], w.lang),
            ]
            for r in found[key]
        ]
        tables.append({"key": w.key(key), "rate": w.n(found["rate"]), "table": Table.of(w("tuning_live_header"), rows)})
    return tables
