"""The realtime job on the real lab, in Spark's real-time mode: every high-value order alerted once,
every bad record quarantined, in one query; and the job's one line when cores are short."""

import json
import subprocess
from collections import Counter

from lab import runtimes
from lab.course.truth import valid_events
from lab.kafka.admin import fresh_topics
from lab.kafka.reading import consume_all, offsets
from streamlab.wait import wait_for
from tests.support import lab as run
from tests.support.lab import tail

MIN_AMOUNT = 650.0  # the job's default


def test_realtime_alerts_each_high_value_order_once_and_quarantines_the_bad_ones(lab_up, lab_env, tmp_path):
    # Two partitions: real-time mode holds a core per partition, and the test lab's worker has 2.
    env = {**lab_env, **fresh_topics(lab_up.kafka_bootstrap, "t_realtime", partitions=2)}
    run.produce("--count", "4000", "--rate", "0", "--seed", "71", "--malformed-share", "0.03", environ=env)
    raw = consume_all(lab_up.kafka_bootstrap, env["TOPIC_ORDERS"])
    orders = valid_events(raw, "orders")
    expected = {o["order_id"] for o in orders if o["amount"] >= MIN_AMOUNT}
    bad = len(raw) - len(orders)
    assert expected and bad, "the input needs alerts and bad records"

    log = tmp_path / "realtime.log"
    # A 5 s checkpoint interval: the 25 s run ends several batches, each with its line.
    args = ["--starting-offsets", "earliest", "--checkpoint", str(tmp_path / "ckpt"), "--metrics-port", "0"]
    args += ["--real-time", "5 seconds"]
    with log.open("w") as out:
        job = runtimes.get(lab_up).spawn_job(
            "realtime", [*args, "--duration", "25"], env, stdout=out, stderr=subprocess.STDOUT
        )
    try:

        def written(key: str) -> int:
            return sum(end for _, end in offsets(lab_up.kafka_bootstrap, env[key]).values())

        wait_for(
            lambda: (
                (written("TOPIC_RESULTS") >= len(expected) and written("TOPIC_QUARANTINE") >= bad)
                or job.poll() is not None
            ),
            240,
            "the realtime job's alerts and quarantined records",
        )
        assert job.wait(timeout=120) == 0, tail(log)
    finally:
        job.kill()

    alerts = consume_all(lab_up.kafka_bootstrap, env["TOPIC_RESULTS"])
    ids = Counter(json.loads(a.value)["order_id"] for a in alerts)
    assert set(ids) == expected, "alerts are exactly the orders worth the minimum or more"
    assert max(ids.values()) == 1, "no alert written twice in a run without failures"
    assert all(a.key.decode() == json.loads(a.value)["order_id"] for a in alerts)
    quarantined = consume_all(lab_up.kafka_bootstrap, env["TOPIC_QUARANTINE"])
    assert len(quarantined) == bad
    assert all(
        q.headers["job"] == b"realtime" and q.headers["source_topic"] == env["TOPIC_ORDERS"].encode()
        for q in quarantined
    )
    text = log.read_text()
    lines = [line for line in text.splitlines() if line.startswith("[realtime] batch")]
    assert lines and f"alerts {len(expected)}, quarantined {bad})" in lines[-1], tail(log)
