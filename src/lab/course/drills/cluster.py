"""The cluster drills: what Kafka and Spark promise when the lab grows to three brokers
(replication factor 3, min.insync.replicas 2) and two workers (`make up CLUSTER=1`, Docker).

- broker-kill: a broker SIGKILLed while the producer writes (acks=all, idempotent) and windowing
  runs, brought back after `Size.down` seconds: every acknowledged record once in Kafka, the
  windows exact;
- controller-kill: the active KRaft controller SIGKILLed: a new one is elected, the job goes on;
- two-brokers-down: two brokers SIGKILLed at once: writes with acks=all fail, each one counted
  (none silently lost), and succeed again once one broker is back;
- one-worker-lost: one of the two Spark workers (with its executor) SIGKILLed under the stateful
  windowing job, not replaced: the job finishes on the other with exact results;
- rolling-restart: the three brokers stopped and started one after the other, each once the
  partitions are fully replicated again, while the producer writes and windowing runs.
Each leaves every broker and worker running, so the next one starts on a whole cluster.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from lab.course.drills.base import MESSAGES, START, Drill, Result
from lab.course.drills.checks import caught_up, committed
from lab.course.drills.restarts import windowing_args, windowing_exact
from lab.course.drills.services import compare_producer
from lab.kafka.admin import LOGICAL, delete_topics, fresh_topics, under_replicated
from lab.kafka.reading import consume_all
from streamlab.wait import wait_for

BROKERS = {1: "kafka", 2: "kafka-2", 3: "kafka-3"}  # KRaft node id -> service
QUORUM = "org.apache.kafka.tools.MetadataQuorumCommand"

Breakage = Callable[[Drill, Path, object], None]  # (drill, the job's checkpoint, the job)


def _lab(d: Drill, action: str, service: str) -> None:
    """`make <action> SERVICE=<service>` (kill, stop, start), said in the result; a failure raises."""
    proc = d.run("-m", "lab", action, service)
    d.result.details.append(MESSAGES("cluster_action", action=action, service=service, code=proc.returncode))
    if proc.returncode != 0:
        raise RuntimeError(MESSAGES("cluster_action_failed", action=action, service=service, tail=proc.stderr[-300:]))


def _whole_again(d: Drill, topics: list[str]) -> None:
    """Every broker running, and every partition of `topics` with its three replicas in sync."""
    for service in [b for b in BROKERS.values() if not d.rt.is_up((b,))]:
        d.run("-m", "lab", "start", service)
    wait_for(lambda: under_replicated(d.settings.kafka_bootstrap, topics) == 0, 180, MESSAGES("wait_in_sync"))


def _under_load(d: Drill, seed: int, breakage: Breakage, seconds: int | None = None) -> Result:
    """The producer writes for `seconds` (acks=all, idempotent) and windowing runs on a 1 s
    trigger; once the job has committed two batches, `breakage` runs. Then every acknowledged
    record must be in Kafka once, and the windows and the state exact."""
    summary, said = d.dir / "producer.json", d.dir / "producer.log"
    # It writes through the breakage: the job's first two batches come about 25 s after its start.
    rate, seconds = 150 * d.size.scale, seconds or 30 + d.size.down
    with said.open("w") as log:
        producer = d.producer(
            "--rate", str(rate), "--duration", str(seconds), "--seed", str(seed), "--start-time", START,
            "--event-rate", "10", "--summary", str(summary), stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    base = windowing_args(out, ckpt)
    job = d.spark_submit("windowing", *base, "--trigger", "1 second")
    try:
        wait_for(lambda: committed(ckpt, "windowing") >= 2 or job.poll() is not None, 300, MESSAGES("wait_two_batches"))
        breakage(d, ckpt, job)
        producer.wait(timeout=seconds + 300)
        wait_for(
            lambda: job.poll() is not None or caught_up(ckpt, "windowing", d.settings, d.topic("page_views")),
            300,
            MESSAGES("wait_caught_up"),
        )
        if job.poll() is not None:
            d.result.fail(MESSAGES("job_not_resumed", code=job.returncode))
    finally:
        job.kill()
        if producer.poll() is None:
            producer.kill()
        _whole_again(d, [d.topic(k) for k in LOGICAL])  # the next drill starts on a whole cluster
    compare_producer(d, json.loads(summary.read_text()), said)
    windowing_exact(d, base, out)
    return d.result


def _goes_on(d: Drill, ckpt: Path, job, batches: int = 3) -> None:
    """The job commits `batches` more batches while the cluster is broken, or catches up with all
    that was written (the producer may have ended meanwhile)."""
    at = committed(ckpt, "windowing")
    wait_for(
        lambda: (
            committed(ckpt, "windowing") >= at + batches
            or job.poll() is not None
            or caught_up(ckpt, "windowing", d.settings, d.topic("page_views"))
        ),
        300,
        MESSAGES("wait_more_batches", batches=batches),
    )
    if job.poll() is not None:
        d.result.fail(MESSAGES("query_stopped", code=job.returncode))
    d.result.details.append(MESSAGES("went_on", batches=committed(ckpt, "windowing") - at))


def _down_for(d: Drill, ckpt: Path, job, service: str) -> None:
    """SIGKILL `service`, keep it down Size.down seconds while the job goes on, bring it back."""
    _lab(d, "kill", service)
    t0 = time.monotonic()
    _goes_on(d, ckpt, job)
    # The drill's scenario, not a wait for a condition: the broker stays down this long.
    time.sleep(max(0.0, d.size.down - (time.monotonic() - t0)))
    _lab(d, "start", service)


def broker_kill(d: Drill) -> Result:
    return _under_load(d, 201, lambda d, ckpt, job: _down_for(d, ckpt, job, "kafka-2"))


def active_controller(d: Drill, alive: str = "kafka") -> int | None:
    """The KRaft quorum's leader (the active controller), as Kafka's own tool reports it from
    beside the broker `alive`; None while there is none."""
    controllers = ",".join(f"{name}:{d.settings['KAFKA_CONTROLLER_PORT']}" for name in BROKERS.values())
    out = d.rt.kafka_tool(QUORUM, ["--bootstrap-controller", controllers, "describe", "--status"], 120, alive)
    found = re.search(r"^LeaderId:\s+(-?\d+)", out, re.M)
    leader = int(found.group(1)) if found else -1
    return leader if leader in BROKERS else None


def _kill_the_controller(d: Drill, ckpt: Path, job) -> None:
    old = active_controller(d)
    if old is None:
        raise RuntimeError(MESSAGES("no_controller"))
    other = next(name for node, name in BROKERS.items() if node != old)
    _lab(d, "kill", BROKERS[old])
    t0 = time.monotonic()
    new = wait_for(
        lambda: (n := active_controller(d, other)) not in (None, old) and n,
        120,
        MESSAGES("wait_new_controller", old=old),
    )
    d.result.details.append(MESSAGES("new_controller", old=old, new=new, seconds=f"{time.monotonic() - t0:.1f}"))
    _goes_on(d, ckpt, job)
    _lab(d, "start", BROKERS[old])


def controller_kill(d: Drill) -> Result:
    return _under_load(d, 202, _kill_the_controller)


def _produce_counted(d: Drill, env: dict[str, str], *args: str) -> tuple[int, dict, str]:
    """Run the producer to its end on the topics of `env`: its exit code, --summary and last line."""
    out = d.dir / f"produce-{time.monotonic_ns()}.json"
    cmd, cmd_env = d.rt.producer_command(["--dimensions-dir", "", "--summary", str(out), *args], env)
    proc = subprocess.run(cmd, env=cmd_env, capture_output=True, text=True, timeout=600)
    own = [line for line in proc.stderr.strip().splitlines() if not line.startswith("%")]  # not librdkafka's log
    last = (own or ["-"])[-1]
    return proc.returncode, json.loads(out.read_text()) if out.exists() else {}, last


def _present(d: Drill, env: dict[str, str]) -> Counter:
    """How many times each event id is in the topics of `env` that the producer writes."""
    ids: Counter = Counter()
    for key in ("page_views", "orders", "payments"):
        for record in consume_all(d.settings.kafka_bootstrap, env[f"TOPIC_{key.upper()}"]):
            ids[json.loads(record.value).get("event_id", record.value)] += 1
    return ids


def two_brokers_down(d: Drill) -> Result:
    """Two brokers down: no write can reach min.insync.replicas, so each fails (counted, the
    producer exits 1 with one line); one back, and writes succeed again."""
    after = {**d.env, **fresh_topics(d.settings.kafka_bootstrap, "drill_two_brokers_after")}
    n = str(200 * d.size.scale)
    try:
        for service in ("kafka-2", "kafka-3"):
            _lab(d, "kill", service)
        code, down, last = _produce_counted(d, d.env, "--count", n, "--rate", "0", "--seed", "203",
                                            "--delivery-timeout", "10")  # fmt: skip
        d.result.details.append(MESSAGES("two_down_writes", code=code, sent=down.get("sent"), acked=down.get("acked"),
                                         failed=down.get("failed"), line=last[:200]))  # fmt: skip
        _lab(d, "start", "kafka-2")
        code_back, back, _ = _produce_counted(d, after, "--count", n, "--rate", "0", "--seed", "204")
    finally:
        _whole_again(d, [d.topic(k) for k in LOGICAL])
    during, later = _present(d, d.env), _present(d, after)
    d.result.checked = sum(later.values()) + down.get("acked", 0)
    d.result.lost = max(0, down.get("acked", 0) - len(during)) + max(0, back.get("acked", 0) - len(later))
    d.result.duplicated = sum(c - 1 for c in (during + later).values() if c > 1)
    d.result.details.append(MESSAGES("two_down_back", code=code_back, acked=back.get("acked"), present=len(later),
                                     written_anyway=len(during)))  # fmt: skip
    if code == 0 or down.get("acked") or down.get("failed") != down.get("sent"):
        d.result.fail(MESSAGES("two_down_not_refused"))
    if code_back != 0 or back.get("acked") != back.get("sent") or len(later) != back.get("acked"):
        d.result.fail(MESSAGES("two_down_not_resumed"))
    if d.result.passed:  # the drill's own topics go in the runner; these are its second set
        delete_topics(d.settings.kafka_bootstrap, [after[f"TOPIC_{k.upper()}"] for k in LOGICAL], missing_ok=True)
    return d.result


def _lose_a_worker(d: Drill, ckpt: Path, job) -> None:
    _lab(d, "kill", "spark-worker-2")
    _goes_on(d, ckpt, job)


def one_worker_lost(d: Drill) -> Result:
    """The job ends (its final run too) on the one worker left; then the other is started again."""
    try:
        return _under_load(d, 205, _lose_a_worker)
    finally:
        _lab(d, "start", "spark-worker")


def _roll(d: Drill, ckpt: Path, job) -> None:
    topics = [d.topic(k) for k in LOGICAL]
    at = committed(ckpt, "windowing")
    for service in ("kafka-3", "kafka-2", "kafka"):
        _lab(d, "stop", service)
        _lab(d, "start", service)
        t0 = time.monotonic()
        wait_for(lambda: under_replicated(d.settings.kafka_bootstrap, topics) == 0, 180, MESSAGES("wait_in_sync"))
        d.result.details.append(MESSAGES("in_sync_again", service=service, seconds=f"{time.monotonic() - t0:.1f}"))
    d.result.details.append(MESSAGES("went_on", batches=committed(ckpt, "windowing") - at))


ROLL_SECONDS = 60  # the producer writes through most of the roll: three restarts of 15-25 s each


def rolling_restart(d: Drill) -> Result:
    return _under_load(d, 206, _roll, seconds=ROLL_SECONDS)
