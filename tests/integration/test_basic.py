"""Course exercise 1 on the real lab: events published to Kafka come out of the basic job."""

import json

import pyarrow.parquet as pq

from lab.course.truth import valid_events
from lab.kafka.reading import consume_all
from tests.support import lab as run


def test_every_event_reaches_the_sink_exactly_once(topics, lab_up, tmp_path):
    summary = run.produce("--count", "600", "--rate", "0", "--seed", "101", "--malformed-share", "0.05", environ=topics)
    assert summary["acked"] == 600
    views = consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"])
    expected = {event["event_id"] for event in valid_events(views, "page_views")}
    malformed = len(views) - len(expected)
    assert malformed > 0, "the producer was asked for malformed events"
    out = tmp_path / "out"
    run.submit(
        "basic",
        "--trigger",
        "availableNow",
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--checkpoint",
        str(tmp_path / "ckpt"),
        environ=topics,
    )
    ids = pq.read_table(out).column("event_id").to_pylist()
    assert len(ids) == len(set(ids)), "duplicated rows"
    assert set(ids) == expected, f"missing {len(expected - set(ids))}, unexpected {len(set(ids) - expected)}"
    quarantined = consume_all(lab_up.kafka_bootstrap, topics["TOPIC_QUARANTINE"])
    assert len(quarantined) == malformed
    assert {r.headers["source_topic"].decode() for r in quarantined} <= {topics["TOPIC_PAGE_VIEWS"]}
    by_offset = {(r.partition, r.offset): r.value for r in views}
    for q in quarantined:
        assert q.headers["reason"] in (b"malformed_json", b"wrong_type", b"missing_field:event_time")
        source = (int(q.headers["source_partition"]), int(q.headers["source_offset"]))
        assert by_offset[source] == q.value, "quarantine must keep the raw bytes"


def test_console_shows_the_events_and_the_checkpoint_resumes(topics, lab_up, tmp_path):
    run.produce("--count", "40", "--rate", "0", "--seed", "102", environ=topics)
    first_ids = [
        json.loads(r.value)["event_id"] for r in consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"])
    ]
    ckpt = str(tmp_path / "ckpt")
    proc = run.submit("basic", "--trigger", "availableNow", "--checkpoint", ckpt, environ=topics)
    assert "Batch: 0" in proc.stdout
    assert all(event_id in proc.stdout for event_id in first_ids)
    run.produce("--count", "40", "--rate", "0", "--seed", "103", environ=topics)
    proc = run.submit("basic", "--trigger", "availableNow", "--checkpoint", ckpt, environ=topics)
    assert "Batch: 0" not in proc.stdout, "a restart must resume from the checkpoint, not start over"
    assert not any(event_id in proc.stdout for event_id in first_ids), "already-processed events printed again"


def test_duration_stops_gracefully_with_exit_0(topics, lab_up, tmp_path):
    proc = run.submit("basic", "--duration", "8", "--checkpoint", str(tmp_path / "ckpt"), environ=topics)
    assert proc.returncode == 0
    # spark-submit passes the Python driver's stderr through its stdout.
    assert "[basic] duration reached: stopping basic, basic_quarantine gracefully" in proc.stdout + proc.stderr
    assert (tmp_path / "ckpt" / "basic" / "offsets").is_dir()
