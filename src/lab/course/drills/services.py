"""The service drills: a service of the lab dies under a running job, and nothing is lost.

- worker-loss: the Spark worker (and its executors) SIGKILLed mid-stream, a new one started: the
  windowing query waits, recovers, and its results are exact;
- broker-restart: Kafka stopped and started under a running producer and job: the producer
  (idempotent, acks=all) loses and duplicates nothing, the job resumes and misses nothing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from lab.course.drills.base import MESSAGES, START, Drill, Result
from lab.course.drills.checks import caught_up, committed, compare_ids, parquet_rows
from lab.course.drills.restarts import windowing_args, windowing_exact
from lab.course.truth import valid_events
from lab.kafka.reading import consume_all
from streamlab.wait import wait_for


def worker_loss(d: Drill) -> Result:
    """SIGKILL the Spark worker (and its executors) mid-stream, start a new one: the query waits,
    recovers, and the results are exact."""
    n = 1500 * d.size.scale
    d.produce("--count", str(n), "--rate", "0", "--seed", "83", "--start-time", START, "--event-rate", "10")
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    base = windowing_args(out, ckpt)
    proc = d.spark_submit(
        "windowing", *base, "--trigger", "1 second", "--max-offsets-per-trigger", str(max(50, n // 40))
    )
    try:
        wait_for(
            lambda: committed(ckpt, "windowing") >= 2 or proc.poll() is not None, 300, MESSAGES("wait_two_batches")
        )
        _replace_worker(d, ckpt, proc)
    finally:
        proc.kill()
    windowing_exact(d, base, out)
    return d.result


def _replace_worker(d: Drill, ckpt: Path, proc) -> None:
    """Kill the Spark worker, start a new one, and wait for three more batches of the query."""
    killed = d.run("-m", "lab", "kill", "spark-worker")
    at_kill = committed(ckpt, "windowing")
    d.result.details.append(MESSAGES("after_kill", killed=killed.stdout.strip(), batches=at_kill))
    started = d.run("-m", "lab", "start", "spark-worker")
    if started.returncode != 0:
        raise RuntimeError(MESSAGES("worker_not_back", tail=started.stderr[-300:]))
    wait_for(
        lambda: committed(ckpt, "windowing") >= at_kill + 3 or proc.poll() is not None,
        300,
        MESSAGES("wait_three_more"),
    )
    if proc.poll() is not None:
        d.result.fail(MESSAGES("query_stopped", code=proc.returncode))
    d.result.details.append(MESSAGES("recovered", batches=committed(ckpt, "windowing")))


def broker_restart(d: Drill) -> Result:
    """Restart Kafka under a running producer and job: the producer (idempotent, acks=all) loses
    and duplicates nothing, and the job resumes and misses nothing."""
    summary, said = d.dir / "producer.json", d.dir / "producer.log"
    with said.open("w") as log:
        producer = d.producer(
            "--rate", "1500", "--duration", "40", "--seed", "84", "--summary", str(summary),
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    base = ["--sink", "parquet", "--output", str(out), "--checkpoint", str(ckpt), "--metrics-port", "0"]
    job = d.spark_submit("basic", *base, "--trigger", "2 seconds")
    try:
        _restart_kafka(d, ckpt, job, producer)
    finally:
        job.kill()
        if producer.poll() is None:
            producer.kill()
    compare_producer(d, json.loads(summary.read_text()), said)
    d.submit("basic", *base, "--trigger", "availableNow")
    views = valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
    compare_ids(d.result, [r["event_id"] for r in parquet_rows(out)], {e["event_id"] for e in views})
    return d.result


def _restart_kafka(d: Drill, ckpt: Path, job, producer: subprocess.Popen) -> None:
    """Once the job has committed two batches, stop and start Kafka; wait for the producer to end
    and the job to catch up with the topic."""
    wait_for(lambda: committed(ckpt, "basic") >= 2 or job.poll() is not None, 300, MESSAGES("wait_two_batches"))
    for action in ("stop", "start"):
        proc = d.run("-m", "lab", action, "kafka")
        d.result.details.append(MESSAGES("kafka_action", action=action, code=proc.returncode))
    producer.wait(timeout=300)
    wait_for(
        lambda: job.poll() is not None or caught_up(ckpt, "basic", d.settings, d.topic("page_views")),
        300,
        MESSAGES("wait_caught_up"),
    )
    if job.poll() is not None:
        d.result.fail(MESSAGES("job_not_resumed", code=job.returncode))


def compare_producer(d: Drill, stats: dict, said: Path) -> None:
    """The producer's --summary against what the topics hold: every record sent, acked and there once.
    Records that failed are told with the producer's own last line (its first delivery errors)."""
    present = sum(
        len(consume_all(d.settings.kafka_bootstrap, d.topic(k))) for k in ("page_views", "orders", "payments")
    )
    d.result.details.append(
        MESSAGES("producer_stats", sent=stats["sent"], acked=stats["acked"], failed=stats["failed"], present=present)
    )
    if not (stats["failed"] == 0 and stats["acked"] == stats["sent"] == present):
        d.result.ok = False
    if stats["failed"]:
        last = said.read_text().strip().splitlines()[-1:] if said.exists() else []
        d.result.details.append(MESSAGES("producer_said", line=last[0][:300] if last else "-"))
