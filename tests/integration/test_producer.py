"""The producer against the real broker: exact counts, determinism, rate, and clean shutdown."""

import json
import signal
import subprocess
import sys
from collections import Counter

from lab.config.settings import ROOT
from lab.kafka.reading import consume_all
from streamlab.wait import wait_for
from tests.support import lab as run


def read_events(bootstrap, topics):
    return {key: consume_all(bootstrap, topics[f"TOPIC_{key.upper()}"]) for key in ("page_views", "orders", "payments")}


def test_n_events_acked_present_unique_and_correlated(topics, lab_up):
    n = 5000
    summary = run.produce(
        "--count",
        str(n),
        "--rate",
        "0",
        "--seed",
        "7",
        "--late-share",
        "0.05",
        "--malformed-share",
        "0.04",
        "--payment-delay",
        "0.5",
        environ=topics,
    )
    assert (summary["sent"], summary["acked"], summary["failed"]) == (n, n, 0)
    records = read_events(lab_up.kafka_bootstrap, topics)
    assert sum(len(v) for v in records.values()) == n
    valid, malformed = [], 0
    for topic_records in records.values():
        for r in topic_records:
            try:
                obj = json.loads(r.value)
            except json.JSONDecodeError:
                malformed += 1
                continue
            if "event_time" not in obj or obj["event_time"] == "yesterday at noon":
                malformed += 1
            else:
                valid.append(obj)
    assert malformed == sum(summary["malformed"].values())
    assert abs(malformed / n - 0.04) < 0.015
    ids = [o["event_id"] for o in valid]
    assert len(ids) == len(set(ids)), "event ids must be unique"
    assert abs(sum(summary["late"].values()) / n - 0.05 * 0.96) < 0.015
    orders = {
        json.loads(r.value)["order_id"]
        for r in records["orders"]
        if r.value.startswith(b"{") and b'"order_id"' in r.value and r.value.endswith(b"}")
    }
    payments = [json.loads(r.value) for r in records["payments"]]
    assert payments and all(p["order_id"] in orders for p in payments)


def test_same_seed_gives_identical_events(topics, lab_up):
    args = ["--count", "300", "--rate", "0", "--seed", "21", "--start-time", "2026-01-01T00:00:00Z"]
    run.produce(*args, environ=topics)
    first = read_events(lab_up.kafka_bootstrap, topics)
    run.produce(*args, environ=topics)
    both = read_events(lab_up.kafka_bootstrap, topics)
    for key, records in first.items():
        values = Counter(r.value for r in both[key])
        assert all(values[r.value] == 2 for r in records), f"{key}: the second run differs"


def test_rate_is_held(topics, lab_up):
    summary = run.produce("--rate", "2000", "--duration", "20", "--seed", "5", environ=topics)
    assert abs(summary["events_per_second"] - 2000) / 2000 < 0.05, summary
    assert summary["acked"] == summary["sent"]


def test_sigterm_mid_run_loses_no_acknowledged_event(topics, lab_up, tmp_path):
    summary_file, log = tmp_path / "summary.json", tmp_path / "producer.log"
    with log.open("w") as err:  # a file, not a pipe: nothing reads a pipe until the producer exits
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "producer",
                "--rate",
                "20000",
                "--seed",
                "8",
                "--dimensions-dir",
                "",
                "--summary",
                str(summary_file),
            ],
            cwd=ROOT,
            env=topics,
            stderr=err,
        )
    wait_for(
        lambda: sum(len(v) for v in read_events(lab_up.kafka_bootstrap, topics).values()) > 20000,
        60,
        "20,000 events to land in Kafka",
    )
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, log.read_text()
    summary = json.loads(summary_file.read_text())
    present = sum(len(v) for v in read_events(lab_up.kafka_bootstrap, topics).values())
    assert summary["failed"] == 0 and summary["unflushed"] == 0
    assert present == summary["acked"] == summary["sent"], (present, summary)


def test_unreachable_broker_fails_clearly(lab_env):
    proc = run.run(
        [
            "-m",
            "producer",
            "--count",
            "10",
            "--bootstrap",
            "127.0.0.1:1",
            "--wait-for-broker",
            "3",
            "--dimensions-dir",
            "",
        ],
        lab_env,
        timeout=60,
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("producer: error: Kafka at 127.0.0.1:1 is unreachable after 3s")
    assert "waiting for Kafka at 127.0.0.1:1 (attempt 1)" in proc.stderr


def test_replay_sends_the_same_first_events_over_and_over(topics, lab_up):
    summary = run.produce(
        "--count", "130", "--rate", "0", "--seed", "3", "--page-view-share", "1", "--replay", "50", environ=topics
    )
    assert (summary["sent"], summary["acked"], summary["failed"]) == (130, 130, 0)
    views = consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"])
    # One partition's records keep their send order; each value is its event's, so a record's
    # position in the cycle is the position of its value among the first 50 distinct ones.
    values = Counter(r.value for r in views)
    assert len(values) == 50, "the replay must cycle over exactly --replay distinct events"
    assert sorted(values.values()) == [2] * 20 + [3] * 30  # 130 = 2 full cycles + the first 30 again
