"""The live half of `make bench`: a streaming job under a producer at a set rate.

- `search(...)`: the maximum sustainable throughput. The producer (page views only, which is all
  the live workloads read) runs at a rate for a hold
  period; the job keeps up when the Kafka lag (end offsets minus the offsets in the query's
  last committed batch) does not grow over the last two thirds of the hold, and ends small. The
  rate doubles until the job falls behind (or the producer cannot go faster), then bisects.
- `latency(...)`: event-to-result latency percentiles at a fixed rate. A batch's events are in
  the result when the batch ends, so an event's latency is batch end minus its event time. The
  progress gives each batch's oldest and newest event time and its row count; the producer sends
  at a constant rate, so each batch's events are spread evenly between the two (an estimate,
  and said so in the report).
- `realtime_hops(...)`: the realtime job (stateless Kafka -> Kafka) in real-time mode beside its
  micro-batch twin, on topics the broker stamps: each alert's latency, exactly, split into
  producer -> broker and Spark (broker append to broker append).
- CPU per process: CPU seconds used during each hold, over its wall seconds (1.0 = one core).

Not for: tests. Every figure here depends on the machine's load; tests never assert them.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import threading
import time
from pathlib import Path

from lab import runtimes
from lab.bench import wording
from lab.bench.sizes import Live
from lab.config.settings import ROOT
from lab.errors import RuntimeFailure
from lab.kafka.admin import fresh_topics
from lab.kafka.reading import consume_all, end_total, offsets
from lab.observe import verdict
from streamlab.listener import iso_seconds
from streamlab.wait import wait_for

WARMUP_SECONDS = 5  # the first seconds of a hold are left out of latency figures


class LiveJob:
    """jobs/_bench.py --sustain on fresh topics, and the probes a live measurement needs."""

    def __init__(
        self,
        rt: runtimes.Runtime,
        env: dict,
        stage: str,
        extra: list[str],
        partitions: int = 4,
        label: str | None = None,
        topics: dict[str, str] | None = None,
    ):
        """On fresh topics, or on `topics` (TOPIC_* settings) that other live jobs read too."""
        self.rt, self.settings, self.paths, self.stage = rt, rt.settings, rt.paths, stage
        self.label = label or stage
        fresh = topics or fresh_topics(self.settings.kafka_bootstrap, f"bench_live_{stage}", partitions)
        self.env = {**env, **fresh}
        self.topic = self.env["TOPIC_PAGE_VIEWS"]
        from streamlab.options import interval_seconds

        # the lag is a sawtooth as tall as one trigger interval of input
        self.trigger_seconds = interval_seconds(extra[extra.index("--trigger") + 1]) if "--trigger" in extra else 0.0
        run = self.paths.run / "bench" / f"live-{self.label}-{time.monotonic_ns()}"
        run.mkdir(parents=True)
        self.ckpt, self.progress = run / "ckpt", run / "progress.jsonl"
        self.job = rt.spawn_job(
            "_bench",
            [
                "--stage",
                stage,
                "--sustain",
                "--topic",
                self.topic,
                "--checkpoint",
                str(self.ckpt),
                "--progress-file",
                str(self.progress),
                "--metrics-port",
                "0",
                "--seconds",
                "86400",
                "--products",
                str(self.paths.data / "dimensions" / "products.jsonl"),
                *extra,
            ],
            self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.proc = self.job.proc
        self.output: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(lambda: self.ready.is_set() or self.proc.poll() is not None, 300, f"the live {stage} job to start")
        if not self.ready.is_set():
            last = next((x.strip() for x in reversed(self.output) if x.strip()), "no output")
            raise RuntimeError(wording.line("live_start_failed", stage=stage, output=last))

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output = [*self.output[-200:], line]
            if line.startswith("READY"):
                self.ready.set()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def lag(self) -> int:
        from streamlab.dataloss import committed_offsets

        done = committed_offsets(self.ckpt).get(self.topic, {})
        return sum(end - done.get(p, 0) for p, (_, end) in offsets(self.settings.kafka_bootstrap, self.topic).items())

    def batches(self) -> list[dict]:
        return [json.loads(line) for line in self.progress.read_text().splitlines()] if self.progress.exists() else []

    def stop(self) -> None:
        self.job.kill()


def step(job: LiveJob, rate: int, hold: int, seed: int, drain_timeout: float) -> dict:
    """Drive the producer at `rate` events/s for `hold` s beside the live job, and measure."""
    summary = job.ckpt.parent / f"producer-{rate}-{seed}.json"
    run = _hold(job, _start_producer(job, rate, hold, seed, summary))
    stats = json.loads(summary.read_text())
    views = stats["per_topic"].get(job.topic, 0)
    input_rate = views / stats["seconds"] if stats["seconds"] else 0.0
    samples = run["samples"]
    tail = [s for s in samples if s[0] >= hold / 3]
    slope = statistics.linear_regression([s[0] for s in tail], [s[1] for s in tail]).slope if len(tail) >= 3 else 0.0
    final = samples[-1][1] if samples else 0
    try:
        wait_for(lambda: job.lag() <= 0, drain_timeout, "the live job to drain its lag")
        drained = True
    except TimeoutError:
        drained = False
    batches = [b for b in job.batches() if run["start"] + WARMUP_SECONDS <= iso_seconds(b["timestamp"]) <= run["end"]]
    return {
        "target_events_per_second": rate,
        "events_per_second": stats["events_per_second"],
        "page_views_per_second": round(input_rate, 1),
        "producer_bound": stats["events_per_second"] < 0.95 * rate,
        "lag_slope_per_second": round(slope, 1),
        "final_lag": final,
        "max_lag": max((s[1] for s in samples), default=0),
        # lab.observe.verdict's rule, on the last two thirds of the hold (the first third fills the pipeline)
        "keeps_up": verdict.keeps_up(input_rate, slope, final, job.trigger_seconds),
        "drained": drained,
        "gc_share_of_task_time": run["gc"],
        "cpu_cores": run["cpu_cores"],
        "latency_seconds": latency_percentiles(batches),
        "batch_seconds_median": statistics.median(
            [b["durationMs"].get("triggerExecution", 0) / 1000 for b in batches if b["numInputRows"]] or [0.0]
        ),
        "phases_median_seconds": _phase_medians(batches),
    }


def produce(rt: runtimes.Runtime, env: dict, args: list[str]) -> dict:
    """Run the producer to its end with these arguments (no dimension files); its JSON summary.
    A failed run raises RuntimeError with the end of its stderr."""
    summary = rt.paths.run / "bench" / f"producer-{time.monotonic_ns()}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    cmd, env = rt.producer_command(["--dimensions-dir", "", "--summary", str(summary), *args], env)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(wording.line("producer_failed", output=proc.stderr[-400:]))
    return json.loads(summary.read_text())


def _start_producer(job: LiveJob, rate: int, hold: int, seed: int, summary: Path) -> subprocess.Popen:
    """Page views only: every live workload reads only them, and on 2 cores orders and payments
    would only take CPU from the job."""
    args = f"--rate {rate} --page-view-share 1 --duration {hold} --seed {seed} --jitter-ms 0".split()
    cmd, env = job.rt.producer_command(["--dimensions-dir", "", *args, "--summary", str(summary)], job.env)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _hold(job: LiveJob, producer: subprocess.Popen) -> dict:
    """Sample the lag every second while the producer runs: the samples (seconds, lag), the wall
    clock at start and end, CPU cores per process group, and the executors' GC share."""
    cpu = job.rt.cpu_probe(job.job, producer)
    cpu0, t0, times0 = cpu(), time.monotonic(), job.rt.executor_times(job.job)
    start = time.time()
    samples: list[tuple[float, int]] = []
    cpu1, t1 = cpu0, t0
    while producer.poll() is None and job.alive():
        samples.append((time.monotonic() - t0, job.lag()))
        cpu1, t1 = cpu(), time.monotonic()
        time.sleep(1)  # the sampling interval, not a wait for a condition
    producer.wait()
    end, times1 = time.time(), job.rt.executor_times(job.job)
    if not job.alive():
        raise RuntimeError(wording.line("live_stopped", stage=job.stage, output="".join(job.output[-15:])))
    gc = (times1[0] - times0[0]) / (times1[1] - times0[1]) if times0 and times1 and times1[1] > times0[1] else None
    seconds = max(t1 - t0, 1e-9)
    cores = {k: round((cpu1[k] - cpu0.get(k, 0.0)) / seconds, 2) for k in cpu1} if samples else {}
    return {
        "samples": samples,
        "start": start,
        "end": end,
        "cpu_cores": cores,
        "gc": None if gc is None else round(gc, 3),
    }


def _phase_medians(batches: list[dict]) -> dict[str, float]:
    busy = [b for b in batches if b["numInputRows"]]
    keys = sorted({k for b in busy for k in b["durationMs"]})
    return (
        {k: round(statistics.median(b["durationMs"].get(k, 0) / 1000 for b in busy), 3) for k in keys} if busy else {}
    )


def latency_percentiles(batches: list[dict], qs=(50, 95, 99)) -> dict[str, float] | None:
    """Event-to-result latency from batch progress: each batch's rows spread evenly between its
    newest and oldest event, each at batch end minus its event time. None without event times."""
    points: list[tuple[float, float]] = []
    for b in batches:
        ev, rows = b.get("eventTime") or {}, b["numInputRows"]
        if not rows or "min" not in ev:
            continue
        end = iso_seconds(b["timestamp"]) + b["durationMs"].get("triggerExecution", 0) / 1000
        newest, oldest = end - iso_seconds(ev["max"]), end - iso_seconds(ev["min"])
        k = 50
        points += [(newest + (oldest - newest) * (i + 0.5) / k, rows / k) for i in range(k)]
    return weighted_percentiles(points, qs)


def weighted_percentiles(points: list[tuple[float, float]], qs=(50, 95, 99)) -> dict[str, float] | None:
    """(value, weight) points -> {"p50": ..., ...}: the smallest value whose cumulative weight
    reaches q% of the total (numpy's inverted CDF). None without points."""
    import numpy as np

    if not points:
        return None
    values, weights = zip(*points, strict=True)
    found = np.percentile(values, qs, weights=weights, method="inverted_cdf")
    return {f"p{q}": round(float(v), 3) for q, v in zip(qs, found, strict=True)}


def search(rt: runtimes.Runtime, env: dict, stage: str, plan: Live, say) -> dict:
    """The maximum sustainable throughput of `stage`, with a 1 s trigger, with the size's plan
    (lab.bench.sizes.Live)."""
    job = LiveJob(rt, env, stage, ["--trigger", "1 second"])
    steps, best, fail, seed = [], None, None, 300
    try:

        def run(rate):
            nonlocal seed
            seed += 1
            say(wording.line("say_live_step", stage=stage, rate=rate, hold=plan.hold))
            r = step(job, rate, plan.hold, seed, plan.drain)
            views, slope = round(r["page_views_per_second"]), round(r["lag_slope_per_second"])
            kept = wording.verdict(r["keeps_up"])
            say(wording.line("say_live_result", views=views, slope=slope, lag=r["final_lag"], verdict=kept))
            steps.append(r)
            return r

        say(wording.line("say_live_warmup", stage=stage, rate=plan.start_rate // 2))
        step(job, plan.start_rate // 2, plan.warmup, seed, plan.drain)  # JIT, first-batch planning, executor start
        first = next((b for b in job.batches() if b["numInputRows"]), None)
        rate = plan.start_rate
        for _ in range(plan.max_steps):
            r = run(rate)
            if r["keeps_up"]:
                best = r
                if r["producer_bound"]:
                    break
                rate *= 2
            else:
                fail = r
                break
            if not r["drained"]:
                break
        for _ in range(plan.bisect):
            if not (best and fail and fail["drained"]):
                break
            r = run(int((best["target_events_per_second"] + fail["target_events_per_second"]) / 2))
            best, fail = (r, fail) if r["keeps_up"] else (best, r)
        at = {}
        if best:
            rates = {f"{f:.0%} of sustainable": int(best["target_events_per_second"] * f) for f in plan.fractions}
            for name, rate in rates.items():
                at[name] = run(rate)
        return {
            "stage": stage,
            "steps": steps,
            "sustainable": best,
            "limited_by": _limit(best, fail),
            "at_fractions": at,
            "first_batch_seconds": first and first["durationMs"].get("triggerExecution", 0) / 1000,
        }
    finally:
        job.stop()


def _limit(best: dict | None, fail: dict | None) -> str:
    """What limits the rate found, as a code of bench.toml."""
    if best and best["producer_bound"]:
        return "limit_producer"
    if fail:
        return "limit_job_lag"
    return "limit_not_yet"


LIVE_TUNING = {  # full run only: one setting at a time, at a fixed rate, on the windowing job
    "trigger": ["250 milliseconds", "1 second", "5 seconds"],  # the lab's options refuse 0
    "kafka partitions": [1, 2, 4, 8],
}


def tune(rt: runtimes.Runtime, env: dict, stage: str, rate: int, hold: int, say) -> dict:
    """Each LIVE_TUNING setting in its own live job: throughput kept, latency, batch time."""
    table = {}
    for key, values in LIVE_TUNING.items():
        for value in values:
            setting = wording.key(key)
            say(wording.line("say_live_tuning", stage=stage, key=setting, value=value, rate=rate, hold=hold))
            extra = ["--trigger", value if key == "trigger" else "1 second"]
            partitions = value if key == "kafka partitions" else 4
            try:
                job = LiveJob(rt, env, stage, extra, partitions=partitions, label=f"tune-{value}")
                try:
                    step(job, rate // 2, 10, 500, 120)  # warm-up, not counted
                    r = step(job, rate, hold, 501, 120)
                finally:
                    job.stop()
                row = {
                    k: r[k]
                    for k in (
                        "page_views_per_second",
                        "keeps_up",
                        "latency_seconds",
                        "batch_seconds_median",
                        "gc_share_of_task_time",
                    )
                }
            except (RuntimeError, TimeoutError, RuntimeFailure) as exc:  # one failed setting must not lose the rest
                row = {"error": str(exc).splitlines()[0][:200]}
            table.setdefault(key, []).append({"value": value, **row})
    return table


PAUSE_MS = 100  # a gap this long between two alerts appended, at thousands of orders/s: the job paused
LOG_APPEND = {"message.timestamp.type": "LogAppendTime"}  # the broker stamps each record as it appends it
HOPS = ("producer_to_broker", "spark", "end_to_end")


def hops_of(alerts: list, since: float) -> dict[str, list[float]]:
    """Each alert's latency by hop, in milliseconds, from three clocks: the order's event time
    (the producer's clock when it made the event), the input record's broker append time (the
    alert's kafka_timestamp) and the alert record's own append time. Alerts whose input was
    appended before `since` (Unix seconds: the warm-up) are left out."""
    found: dict[str, list[float]] = {hop: [] for hop in HOPS}
    for rec in alerts:
        alert = json.loads(rec.value)
        event, appended = iso_seconds(alert["event_time"]) * 1000, iso_seconds(alert["kafka_timestamp"]) * 1000
        if appended < since * 1000:
            continue
        found["producer_to_broker"].append(appended - event)
        found["spark"].append(rec.timestamp_ms - appended)
        found["end_to_end"].append(rec.timestamp_ms - event)
    return found


def pauses(appended_ms: list[float], longer_than: float = PAUSE_MS) -> dict:
    """The gaps longer than `longer_than` ms between consecutive alerts' append times: how many,
    the median and the longest (ms). In real-time mode each is a checkpoint boundary's stall (or
    the start's); in micro-batches, the time between two batches' writes."""
    times = sorted(appended_ms)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False) if b - a > longer_than]
    return {
        "count": len(gaps),
        "median_ms": statistics.median(gaps) if gaps else None,
        "longest_ms": max(gaps, default=None),
    }


def realtime_hops(rt: runtimes.Runtime, env: dict, rate: int, hold: int, real_time: str, say) -> dict:
    """jobs/realtime.py in real-time mode and in 1 s micro-batches, at the same rate: every order
    an alert (--min-amount 0), on 2-partition topics stamped by the broker (LogAppendTime), so
    each alert's latency splits exactly into producer -> broker (the producer's linger and send)
    and Spark (read, filter, write, the sink's own send: broker append to broker append). Latency
    is given for the steady state (orders appended from WARMUP_SECONDS after the first alert was
    written) and, end to end, for the whole run (every order from the producer's start);
    first_alert_seconds is how long after the producer's start the first alert was written, and
    `pauses` counts the stalls in the alerts' stream (`pauses`)."""
    found = {}
    bootstrap = rt.settings.kafka_bootstrap
    for label, extra in (("real-time", ["--real-time", real_time]), ("micro-batch", ["--trigger", "1 second"])):
        say(wording.line("say_real_time_mode", mode=wording.mode(label), rate=rate, hold=hold))
        job_env = {**env, **fresh_topics(bootstrap, "bench_realtime", 2, LOG_APPEND)}
        run = rt.paths.run / "bench" / f"realtime-{label}-{time.monotonic_ns()}"
        run.mkdir(parents=True)
        args = ["--min-amount", "0", "--checkpoint", str(run / "ckpt"), "--metrics-port", "0", *extra]
        with (run / "job.log").open("w") as log:
            job = rt.spawn_job("realtime", rt.job_args(args), job_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            # The source's first offsets (the topic's end) are in the checkpoint: it reads what comes next.
            started = run / "ckpt" / "realtime" / "sources" / "0" / "0"
            wait_for(lambda: started.exists() or job.poll() is not None, 300, f"the realtime job ({label}) to start")  # noqa: B023
            if job.poll() is not None:
                raise RuntimeError(wording.line("real_time_stopped", mode=label, output=_last_line(run / "job.log")))
            start = time.time()
            orders = f"--rate {rate} --page-view-share 0 --unpaid-share 1 --duration {hold} --seed 17 --jitter-ms 0"
            sent = produce(rt, job_env, orders.split())["per_topic"].get(job_env["TOPIC_ORDERS"], 0)

            def written() -> int:
                return end_total(bootstrap, job_env["TOPIC_RESULTS"])  # noqa: B023

            wait_for(lambda: written() >= sent or job.poll() is not None, 60, f"the realtime job ({label}) to catch up")  # noqa: B023
        finally:
            job.kill()
        alerts = consume_all(bootstrap, job_env["TOPIC_RESULTS"])
        first = min((rec.timestamp_ms / 1000 for rec in alerts), default=start)
        # The warm-up counts from the first alert written, not from the producer's start: the
        # query's first batch writes several seconds of orders at once, and counting them would
        # report the query's start as its steady latency.
        hops = hops_of(alerts, max(start, first) + WARMUP_SECONDS)
        whole = hops_of(alerts, 0)["end_to_end"]
        found[label] = {
            "records_in": sent,
            "records_out": len(alerts),
            "first_alert_seconds": round(first - start, 1),
            "measured_records": len(hops["end_to_end"]),
            "latency_ms": {hop: weighted_percentiles([(v, 1.0) for v in values]) for hop, values in hops.items()},
            "whole_run_latency_ms": weighted_percentiles([(v, 1.0) for v in whole]),
            "pauses": pauses([rec.timestamp_ms for rec in alerts]),
        }
        e2e = found[label]["latency_ms"]["end_to_end"]
        e2e_ms = " / ".join(f"{e2e[k]:.0f}" for k in ("p50", "p95", "p99")) if e2e else "-"
        say(wording.line("say_real_time_result", alerts=len(alerts), sent=sent, latency=e2e_ms))
    return found


def _last_line(path: Path) -> str:
    lines = [x.strip() for x in path.read_text(errors="replace").splitlines() if x.strip()]
    return lines[-1] if lines else "no output"
