"""`make consume` against the real broker: `python -m lab consume` prints a topic's records
exactly (keys, headers, timestamps, bytes that are not UTF-8, a cut value, a tombstone),
partition by partition; stops at the limit and says how many remain; follows new records with
--from latest and gives up on an idle topic; and an unknown topic is one line and exit 2."""

import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Producer

from lab.config.settings import ROOT
from streamlab.wait import wait_for
from tests.support import lab as run

LATEST = ["--from", "latest"]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def produce(bootstrap: str, topic: str, records: list[dict]) -> None:
    """Each record to the partition it names, with its own timestamp; every delivery must succeed."""
    errors = []
    producer = Producer({"bootstrap.servers": bootstrap})
    for r in records:
        producer.produce(topic, on_delivery=lambda err, msg: err and errors.append(err.str()), **r)
    assert producer.flush(30) == 0 and not errors, errors


@pytest.fixture
def quarantine(topics, lab_up):
    """The test's private quarantine topic (4 partitions), holding five records: two in partition
    0, none in 1, one in 2, two in 3. Their timestamps are a minute old: older ones would meet
    the broker's retention (KAFKA_RETENTION_HOURS, checked every 10 s)."""
    base = (int(time.time()) - 60) * 1000
    records = [
        {
            "partition": 0,
            "key": b"u00042",
            "value": b'{"event_id": 1',
            "headers": [
                ("reason", b"malformed_json"),
                ("source_topic", b"page_views"),
                ("source_partition", b"2"),
                ("source_offset", b"17"),
                ("job", b"basic"),
            ],
        },
        {
            "partition": 0,
            "value": b"\xff\xfe not text",
            "headers": [("reason", b"malformed_json"), ("raw", b"\x00\xff")],
        },
        {"partition": 2, "key": b"\xc3\x28", "value": "ñandú".encode()},
        {"partition": 3, "key": b"o1", "value": b"x" * 250, "headers": [("job", b"kafka_sink")]},
        {"partition": 3, "key": b"o2", "value": None},
    ]
    for n, r in enumerate(records):
        r["timestamp"] = base + n
    topic = topics["TOPIC_QUARANTINE"]
    produce(lab_up.kafka_bootstrap, topic, records)
    t = [iso(base + n) for n in range(len(records))]
    blocks = [
        f"partition 0  offset 0  CreateTime {t[0]}  key u00042\n"
        "  headers  reason=malformed_json  source_topic=page_views  source_partition=2  source_offset=17  job=basic\n"
        '  value    {"event_id": 1',
        f"partition 0  offset 1  CreateTime {t[1]}  key (null)\n"
        r"  headers  reason=malformed_json  raw=b'\x00\xff'" + "\n" + r"  value    b'\xff\xfe not text'",
        f"partition 2  offset 0  CreateTime {t[2]}  key b'\\xc3('\n  headers  (none)\n  value    ñandú",
        f"partition 3  offset 0  CreateTime {t[3]}  key o1\n  headers  job=kafka_sink\n"
        f"  value    {'x' * 200}… (50 more characters)",
        f"partition 3  offset 1  CreateTime {t[4]}  key o2\n  headers  (none)\n  value    (null)",
    ]
    return topic, blocks


def consume(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run.lab("consume", *args, environ=environ, timeout=120)


def test_prints_every_record_partition_by_partition(quarantine, topics):
    topic, blocks = quarantine
    proc = consume(topics, "quarantine")  # the lab's name: TOPIC_QUARANTINE is the test's copy
    assert proc.returncode == 0, proc.stderr
    assert not proc.stderr.strip(), proc.stderr
    assert proc.stdout == "\n".join(
        [
            f"{topic}: 4 partitions, 5 records from the earliest offsets to the end; printing at most 20, "
            "partition by partition",
            *blocks,
            "5 records printed: every one up to the end offsets at the start",
            "",
        ]
    )


def test_the_limit_says_how_many_remain(quarantine, topics):
    topic, blocks = quarantine
    proc = consume(topics, topic, "--limit", "2")  # the topic's real name goes through as it is
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "\n".join(
        [
            f"{topic}: 4 partitions, 5 records from the earliest offsets to the end; printing at most 2, "
            "partition by partition",
            *blocks[:2],
            "2 records printed; 3 more up to the end offsets at the start (--limit 0 prints them all)",
            "",
        ]
    )


def test_an_empty_topic_and_an_idle_one_end_on_their_own(quarantine, topics):
    topic, _ = quarantine
    empty = consume(topics, "orders")
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.splitlines()[-1] == "0 records printed: the topic is empty"
    started = time.monotonic()
    idle = consume(topics, "quarantine", *LATEST, "--timeout", "3")
    assert idle.returncode == 0, idle.stderr
    assert idle.stdout.splitlines() == [
        f"{topic}: 4 partitions, waiting for new records after the end offsets; printing at most 20, until none "
        "arrives for 3 s, or Ctrl-C",
        "0 records printed; no new record for 3 s",
    ]
    assert time.monotonic() - started < 60


def test_from_latest_prints_what_is_produced_meanwhile(quarantine, topics, lab_up, tmp_path):
    topic, _ = quarantine
    out = tmp_path / "consume.out"
    with out.open("w") as stdout:  # a file, not a pipe: nothing reads a pipe until the process exits
        proc = subprocess.Popen(
            [sys.executable, "-m", "lab", "consume", "quarantine", *LATEST, "--limit", "1", "--timeout", "60"],
            cwd=ROOT,
            env=topics,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        # The heading is printed once the end offsets are known: what is produced after it is new.
        wait_for(lambda: "waiting for new records" in out.read_text(), 60, "consume's heading")
        ms = int(time.time()) * 1000
        produce(lab_up.kafka_bootstrap, topic, [{"partition": 1, "key": b"new", "value": b"{}", "timestamp": ms}])
        assert proc.wait(60) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out.read_text().splitlines()[1:] == [
        f"partition 1  offset 0  CreateTime {iso(ms)}  key new",
        "  headers  (none)",
        "  value    {}",
        "1 record printed (--limit 1)",
    ]


def test_an_unknown_topic_is_one_line_and_exit_2(topics, lab_up):
    name = f"no_such_topic_{uuid.uuid4().hex[:8]}"
    proc = consume(topics, name)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"consume: error: topic '{name}' does not exist on {lab_up.kafka_bootstrap}; ")
