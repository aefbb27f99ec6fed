"""`make bench CONNECT=1`'s second half: how many learners' sessions the lab's Spark Connect server
holds at once, each running exercise 2's query, while every one keeps up.

`held(rt, environ, say, trigger)` starts n sessions (SESSIONS: 1, 2, 4, ... as long as all kept up
at the previous count), each a thin client of the server running the windowing stage of
jobs/_bench.py (exercise 2's query: 5-minute windows of event time per country, a 10-minute
watermark) with `trigger` (the lab's 1 s, or a class's 10 s) and a checkpoint of its own, all
reading one topic that a producer writes at RATE page views per second, as a class reads the lab's
live stream. For HOLD seconds (four triggers at least) each session's lag is sampled every second,
and lab.observe.verdict's rule says whether it keeps up. Per count: how many kept up, the server's
resident memory, and so its memory per session (over the idle server's). The clients run on this
machine too (in a class, on the learners' laptops): their CPU is the lab's here, so the count found
is a floor.

Figures depend on the machine's load: no test asserts them.
"""

from __future__ import annotations

import statistics
import time
from contextlib import ExitStack

from lab import runtimes
from lab.bench import wording
from lab.bench.live import LiveJob, _start_producer
from lab.kafka.admin import deleted_at_end, fresh_topics
from lab.observe import verdict

SESSIONS = (1, 2, 4, 6, 8, 12, 16, 24, 32)
RATE = 1_000  # page views per second, read by every session
HOLD = 40  # seconds per count, the first third left out (it fills the pipeline)
# The lab's trigger, and a class's: each micro-batch has a fixed cost (about half a second of a core
# for the windowing stage, bench/results/), which a longer trigger pays less often.
TRIGGERS = ("1 second", "10 seconds")
TRIGGER = TRIGGERS[0]


def held(
    rt: runtimes.Runtime, environ: dict[str, str], say, counts=SESSIONS, hold: int = HOLD, trigger: str = TRIGGER
) -> dict:
    server = runtimes.get(rt.settings.overridden({"CONNECT": "1"}))
    server.up()  # only the server, on a lab that is up
    hold = max(hold, 4 * int(trigger.split()[0]))  # a few batches at least
    results = {"rate_per_session": RATE, "hold_seconds": hold, "trigger": trigger, "steps": []}
    results["server_memory_mib_idle"] = server.memory_mib().get("spark-connect")
    for n in counts:
        say(wording.line("sessions_measuring", sessions=n, rate=RATE, trigger=trigger))
        with deleted_at_end():
            step = _step(rt, {**environ, "CONNECT": "1"}, n, hold, server, trigger)
        results["steps"].append(step)
        say(wording.line("sessions_result", sessions=n, kept=step["kept_up"], memory=step["server_memory_mib"]))
        if step["kept_up"] < n:
            break
    kept = [s for s in results["steps"] if s["kept_up"] == s["sessions"]]
    results["held"] = max((s["sessions"] for s in kept), default=0)
    idle = results["server_memory_mib_idle"] or 0
    best = next((s for s in reversed(kept)), None)
    results["memory_mib_per_session"] = (
        round((best["server_memory_mib"] - idle) / best["sessions"], 1) if best and best["server_memory_mib"] else None
    )
    return results


def _step(rt: runtimes.Runtime, env: dict[str, str], n: int, hold: int, server, trigger: str) -> dict:
    topics = fresh_topics(rt.settings.kafka_bootstrap, "bench_sessions", partitions=2)
    extra = ["--trigger", trigger]
    with ExitStack() as stack:
        jobs = []
        for i in range(n):
            job = LiveJob(rt, {**env, **topics}, "windowing", extra, label=f"session{i}", topics=topics)
            stack.callback(job.stop)
            jobs.append(job)
        summary = jobs[0].ckpt.parent / f"producer-{n}.json"
        producer = _start_producer(jobs[0], RATE, hold, 7 + n, summary)
        t0, samples = time.monotonic(), [[] for _ in jobs]
        memory = []
        while producer.poll() is None and all(j.alive() for j in jobs):
            now = time.monotonic() - t0
            for job, seen in zip(jobs, samples, strict=True):
                seen.append((now, job.lag()))
            if now >= hold / 2 and not memory:
                memory.append(server.memory_mib().get("spark-connect"))
            time.sleep(1)  # the sampling interval, not a wait for a condition
        producer.wait()
        alive = sum(j.alive() for j in jobs)
        verdicts = [_keeps_up(seen, hold, RATE, jobs[0].trigger_seconds) for seen in samples]
        batches = [b for j in jobs for b in j.batches() if b["numInputRows"]]
        durations = [b["durationMs"].get("triggerExecution", 0) / 1000 for b in batches]
        return {
            "sessions": n,
            "started": len(jobs),
            "alive": alive,
            "kept_up": sum(v for v, job in zip(verdicts, jobs, strict=True) if job.alive()),
            "server_memory_mib": memory[0] if memory else server.memory_mib().get("spark-connect"),
            "batch_seconds_median": round(statistics.median(durations), 2) if durations else None,
            "final_lags": [seen[-1][1] if seen else None for seen in samples],
        }


def _keeps_up(samples: list[tuple[float, int]], hold: int, rate: float, trigger_seconds: float) -> bool:
    tail = [s for s in samples if s[0] >= hold / 3]
    if len(tail) < 3:
        return False
    slope = statistics.linear_regression([s[0] for s in tail], [s[1] for s in tail]).slope
    return verdict.keeps_up(rate, slope, tail[-1][1], trigger_seconds)
