"""`make bench CLUSTER=1`: the windowing job on one broker and on the cluster profile, side by
side in one run (Docker runtime).

`compare(rt, environ)` measures the running lab (whichever profile is up), switches to the other
profile (`make down`, `make up` with or without CLUSTER=1), measures it the same way, then brings
back the profile it found. For each profile:
- how long `make up` took until every service was healthy, and each container's memory then;
- the windowing job's sustainable rate on a 1 s trigger (lab.bench.live.search, PLAN), with its
  event-to-result latency at the highest rate kept up and at half of it.
The live job's topics take the brokers' default replication: 1 on the single broker, 3 (with
min.insync.replicas 2) on the cluster; the producer writes with acks=all either way.

The results go to bench/results/cluster/<UTC time>.json and .md (`write`), the page in the
learner's language. Figures depend on the machine's load: no test asserts them.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from lab import runtimes
from lab.bench import live, wording
from lab.bench.files import RESULTS_DIR
from lab.bench.sizes import Live
from lab.errors import RuntimeFailure, UsageError
from lab.kafka.admin import deleted_at_end
from streamlab.i18n import language

# Rates double from 4,000 page views/s until the job falls behind, then two bisections; latency
# again at half the rate found.
PLAN = Live(
    stages=("windowing",),
    start_rate=4_000,
    warmup=10,
    hold=20,
    max_steps=6,
    bisect=2,
    fractions=(0.5,),
    drain=90,
    twin_rate=0,
    twin_hold=0,
)


def say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def compare(rt: runtimes.Runtime, environ: dict[str, str]) -> Path:
    """Both profiles measured, the one found running first; the results' JSON file."""
    if rt.name != "docker":
        raise UsageError(wording.line("cluster_docker_only"))
    started = datetime.now(UTC)
    first = "cluster" if rt.settings.cluster else "single"
    results = {"started": started.isoformat(), "plan": dataclasses.asdict(PLAN), "profiles": {}}
    second = "single" if first == "cluster" else "cluster"
    try:
        results["profiles"][first] = _measure(rt, environ, first)
        rt.down(quiet=True)  # removes the profile's marker: the other runtime is made after it
        other = runtimes.get(rt.settings.overridden({"CLUSTER": "1" if second == "cluster" else "0"}))
        try:
            results["profiles"][second] = _measure(other, environ, second, start=True)
        finally:
            say(wording.line("cluster_restoring", profile=wording.line(f"profile_{first}")))
            other.down(quiet=True)
            rt.up()
    except (RuntimeError, TimeoutError) as exc:
        raise RuntimeFailure(f"bench: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}") from exc
    return write(results, started)


def _measure(rt: runtimes.Runtime, environ: dict[str, str], profile: str, start: bool = False) -> dict:
    """One profile: started first when `start`; then its memory and the windowing job's live search."""
    say(wording.line("cluster_measuring", profile=wording.line(f"profile_{profile}")))
    up_seconds = None
    if start:
        t0 = time.monotonic()
        rt.up()
        up_seconds = round(time.monotonic() - t0, 1)
    memory = rt.memory_mib()
    with deleted_at_end():
        found = live.search(rt, environ, "windowing", PLAN, say)
    best = found["sustainable"] or {}
    half = next(iter(found["at_fractions"].values()), {}) or {}
    return {
        "up_seconds": up_seconds,
        "memory_mib": memory,
        "memory_total_mib": round(sum(memory.values())),
        "sustainable_page_views_per_second": best.get("page_views_per_second"),
        "limited_by": found["limited_by"],
        "latency_at_sustainable": best.get("latency_seconds"),
        "latency_at_half": half.get("latency_seconds"),
        "batch_seconds_median": best.get("batch_seconds_median"),
        "cpu_cores": best.get("cpu_cores"),
        "steps": found["steps"],
    }


def write(results: dict, started: datetime, lang: str | None = None, folder: str = "cluster", render=None) -> Path:
    """bench/results/<folder>/<UTC time>.json and .md (the page `render` makes: this module's by
    default); prints the page and the paths."""
    lang = lang or language()
    (RESULTS_DIR / folder).mkdir(parents=True, exist_ok=True)
    stem = RESULTS_DIR / folder / started.strftime("%Y%m%dT%H%M%SZ")
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    text = (render or page)(results, lang)
    stem.with_suffix(".md").write_text(text)
    print(text, end="", flush=True)
    print("\n" + wording.TEXT.text("cluster_results", lang, json=f"{stem}.json", md=f"{stem}.md"), flush=True)
    return stem.with_suffix(".json")


def page(results: dict, lang: str) -> str:
    """The side-by-side table, in `lang`."""
    w = wording.Words(lang)
    single, cluster = results["profiles"].get("single", {}), results["profiles"].get("cluster", {})

    def n(value, digits=0):
        return "-" if value is None else w.n(value, digits)

    def ms(latency: dict | None, q: str) -> str:
        return "-" if not latency or latency.get(q) is None else w.n(latency[q] * 1000)

    def ratio(a, b):
        return "-" if not a or not b else w.n(b / a, 2)

    def row(code, key, digits=0, label=""):
        a, b = single.get(key), cluster.get(key)
        return (w(code) + label, n(a, digits), n(b, digits), ratio(a, b))

    rows = [
        (w("cluster_row_up"), n(single.get("up_seconds"), 1), n(cluster.get("up_seconds"), 1), ""),
        row("cluster_row_memory", "memory_total_mib"),
        row("cluster_row_rate", "sustainable_page_views_per_second"),
        row("cluster_row_batch", "batch_seconds_median", 2),
    ]
    for where in ("sustainable", "half"):
        for q in ("p50", "p95", "p99"):
            a, b = (p.get(f"latency_at_{where}") or {} for p in (single, cluster))
            rows.append((f"{w(f'cluster_row_latency_{where}')} {q}", ms(a, q), ms(b, q), ratio(a.get(q), b.get(q))))
    head = [
        f"# {w('cluster_title', when=results['started'][:19].replace('T', ' '))}",
        "",
        w("cluster_intro"),
        "",
        f"| | {w('profile_single')} | {w('profile_cluster')} | {w('cluster_ratio')} |",
        "|---|---:|---:|---:|",
    ]
    body = [f"| {label} | {a} | {b} | {extra} |" for label, a, b, extra in rows]
    memory = [
        *_per_rate(single, cluster, w),
        "",
        w("cluster_memory_head"),
        "",
        *(
            f"- {w(f'profile_{name}')}: "
            + ", ".join(f"{c} {w.n(m)}" for c, m in sorted(results["profiles"][name].get("memory_mib", {}).items()))
            for name in ("single", "cluster")
            if name in results["profiles"]
        ),
        "",
    ]
    return "\n".join(head + body + memory)


def _per_rate(
    single: dict,
    cluster: dict,
    w: wording.Words,
    names=("profile_single", "profile_cluster"),
    head="cluster_per_rate_head",
) -> list[str]:
    """The rates both profiles (or both `names`) were offered, side by side: latency p50 / p99 (ms)
    and the median batch (s). A median batch longer than the 1 s trigger means the job is behind,
    whatever the lag rule said over a short hold."""
    by_rate: list[dict[int, dict]] = [{}, {}]
    for found, profile in zip(by_rate, (single, cluster), strict=True):
        for step in profile.get("steps", []):
            found.setdefault(step["target_events_per_second"], step)  # the first time a rate was tried
    common = sorted(set(by_rate[0]) & set(by_rate[1]))
    if not common:
        return []

    def cell(step: dict) -> str:
        lat = step.get("latency_seconds") or {}
        p50, p99 = (w.n(lat[q] * 1000) if lat.get(q) is not None else "-" for q in ("p50", "p99"))
        return f"{p50} / {p99} ms, {w.n(step['batch_seconds_median'], 2)} s"

    lines = ["", w(head), "", f"| {w('cluster_rate')} | {w(names[0])} | {w(names[1])} |", "|---:|---:|---:|"]
    lines += [f"| {w.n(rate)} | {cell(by_rate[0][rate])} | {cell(by_rate[1][rate])} |" for rate in common]
    return lines
