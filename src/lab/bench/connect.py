"""`make bench CONNECT=1`: the windowing job as a classic driver and as a Spark Connect client, side
by side in one run, on the same lab.

`compare(rt, environ)` starts the lab's Spark Connect server if it is not up, then measures the
windowing job twice the same way (lab.bench.live.search with PLAN: a 1 s trigger, the rate doubled
until the job falls behind, then bisected): first as spark-submit runs it (CONNECT=0), then over
Spark Connect (CONNECT=1: the job's file in the thin client, its queries in the server). For each:
its first batch (the warm-up's first batch with rows), the median batch and the event-to-result
latency at the highest rate it keeps up with, and that rate; the server's resident memory idle,
before its first query, and after the run.

The results go to bench/results/connect/<UTC time>.json and .md, the page in the learner's
language. Figures depend on the machine's load: no test asserts them.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from lab import runtimes
from lab.bench import cluster, live, sessions, wording
from lab.bench.cluster import PLAN, _per_rate, say
from lab.errors import RuntimeFailure
from lab.kafka.admin import deleted_at_end

MODES = ("classic", "connect")


def compare(rt: runtimes.Runtime, environ: dict[str, str], sessions_only: bool = False) -> Path:
    """Both ways measured, classic first, then the learners' sessions held (lab.bench.sessions, at
    each of its triggers; `sessions_only`: those alone); the results' JSON file."""
    started = datetime.now(UTC)
    server = runtimes.get(rt.settings.overridden({"CONNECT": "1"}))
    server.up()  # only the server, on a lab that is up
    results = {"started": started.isoformat(), "plan": dataclasses.asdict(PLAN), "modes": {}}
    results["server_memory_mib_idle"] = server.memory_mib().get("spark-connect")
    try:
        for mode in () if sessions_only else MODES:
            say(wording.line("connect_measuring", mode=wording.line(f"mode_{mode}")))
            with deleted_at_end():
                found = live.search(
                    rt, {**environ, "CONNECT": "1" if mode == "connect" else "0"}, "windowing", PLAN, say
                )
            results["modes"][mode] = _figures(found)
    except (RuntimeError, TimeoutError) as exc:
        raise RuntimeFailure(f"bench: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}") from exc
    results["server_memory_mib_after"] = server.memory_mib().get("spark-connect")
    results["sessions"] = [sessions.held(rt, environ, say, trigger=t) for t in sessions.TRIGGERS]
    return write(results, started)


def _figures(found: dict) -> dict:
    best = found["sustainable"] or {}
    return {
        "first_batch_seconds": found.get("first_batch_seconds"),
        "sustainable_page_views_per_second": best.get("page_views_per_second"),
        "limited_by": found["limited_by"],
        "batch_seconds_median": best.get("batch_seconds_median"),
        "latency_at_sustainable": best.get("latency_seconds"),
        "cpu_cores": best.get("cpu_cores"),
        "steps": found["steps"],
    }


def write(results: dict, started: datetime, lang: str | None = None) -> Path:
    """bench/results/connect/<UTC time>.json and .md; prints the page and the paths."""
    return cluster.write(results, started, lang, "connect", page)


def page(results: dict, lang: str) -> str:
    """The side-by-side table, in `lang`."""
    w = wording.Words(lang)
    classic, connect = (results["modes"].get(m, {}) for m in MODES)

    def n(value, digits=0):
        return "-" if value is None else w.n(value, digits)

    found = results.get("sessions") or []
    held = [line for each in (found if isinstance(found, list) else [found]) for line in _sessions(each, w, n)]
    if not results["modes"]:  # `make bench CONNECT=1 SESSIONS=1`
        return "\n".join([f"# {w('sessions_title', when=results['started'][:19].replace('T', ' '))}", "", *held])

    def ratio(a, b):
        return "-" if not a or not b else w.n(b / a, 2)

    rows = [
        (w(f"connect_row_{key}"), classic.get(key), connect.get(key), digits)
        for key, digits in (
            ("first_batch_seconds", 1),
            ("sustainable_page_views_per_second", 0),
            ("batch_seconds_median", 2),
        )
    ]
    for q in ("p50", "p99"):
        a, b = ((m.get("latency_at_sustainable") or {}).get(q) for m in (classic, connect))
        rows.append((f"{w('cluster_row_latency_sustainable')} {q}", a and a * 1000, b and b * 1000, 0))
    lines = [
        f"# {w('connect_title', when=results['started'][:19].replace('T', ' '))}",
        "",
        w("connect_intro"),
        "",
        f"| | {w('mode_classic')} | {w('mode_connect')} | {w('connect_ratio')} |",
        "|---|---:|---:|---:|",
        *(f"| {label} | {n(a, d)} | {n(b, d)} | {ratio(a, b)} |" for label, a, b, d in rows),
        *_per_rate(classic, connect, w, ("mode_classic", "mode_connect"), "connect_per_rate_head"),
        "",
        w(
            "connect_memory",
            idle=n(results.get("server_memory_mib_idle")),
            after=n(results.get("server_memory_mib_after")),
        ),
        "",
        *held,
    ]
    return "\n".join(lines)


def _sessions(found: dict | None, w, n) -> list[str]:
    """The learners' sessions held at once (lab.bench.sessions), if measured."""
    if not found:
        return []
    head = w("sessions_columns").split("|")
    trigger = found.get("trigger", "1 second").split()[0]
    return [
        w("sessions_head", trigger=trigger),
        "",
        w("sessions_intro", rate=n(found["rate_per_session"]), hold=n(found["hold_seconds"]), trigger=trigger),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---:|" * len(head),
        *(
            f"| {s['sessions']} | {s['kept_up']} | {n(s['batch_seconds_median'], 2)} | {n(s['server_memory_mib'])} |"
            for s in found["steps"]
        ),
        "",
        w(
            "sessions_verdict",
            held=n(found["held"]),
            per=n(found["memory_mib_per_session"]),
            idle=n(found["server_memory_mib_idle"]),
        ),
        "",
    ]
