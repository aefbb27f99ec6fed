"""The windowing job on the real lab: exact window counts, late events excluded as the watermark says."""

from collections import Counter
from datetime import timedelta

import pyarrow.parquet as pq

from lab.kafkatools import consume_all
from lab.truth import output_window_counts, valid_events, window_counts
from tests.support import lab as run

START = "2026-01-01T00:00:00Z"


def test_exact_window_counts_in_append_mode(topics, lab_up, tmp_path):
    # 2,400 events over 20 minutes of event time, with jitter and malformed records...
    run.produce("--count", "2400", "--rate", "0", "--seed", "31", "--start-time", START, "--event-rate", "2",
                "--jitter-ms", "20000", "--malformed-share", "0.03", environ=topics)
    # ...then a few events an hour later, which move the watermark past every earlier window.
    run.produce("--count", "20", "--rate", "0", "--seed", "32", "--start-time", "2026-01-01T01:00:00Z",
                environ=topics)
    events = valid_events(consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"]), "page_views")
    watermark = max(e["event_time"] for e in events) - timedelta(minutes=10)
    expected = window_counts(events, "country", 5, closed_before=watermark)
    assert len(expected) > 20
    out = tmp_path / "out"
    run.submit("windowing", "--sink", "parquet", "--output", str(out), "--output-mode", "append",
               "--trigger", "availableNow", "--checkpoint", str(tmp_path / "ckpt"), environ=topics)
    got, repeated = output_window_counts(pq.read_table(out).to_pylist())
    assert repeated == 0, "a window was emitted twice"
    assert got == expected


def test_console_complete_mode_as_in_the_course(topics, lab_up, tmp_path):
    run.produce("--count", "300", "--rate", "0", "--seed", "33", "--start-time", START, "--event-rate", "1",
                environ=topics)
    events = valid_events(consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"]), "page_views")
    expected = window_counts(events, "country", 5)
    proc = run.submit("windowing", "--trigger", "availableNow", "--checkpoint", str(tmp_path / "ckpt"), environ=topics)
    # Complete mode prints every window in every batch: the last batch holds the final counts.
    last_batch = proc.stdout.rsplit("Batch: ", 1)[1]
    table = [line for line in last_batch.splitlines() if line.startswith("|2026-01-01")]
    got = Counter()
    for line in table:
        start, end, key, count = [c.strip() for c in line.strip("|").split("|")]
        got[(start, key)] += int(count)
    assert got == Counter({(s.strftime("%Y-%m-%d %H:%M:%S"), k): c for (s, _, k), c in expected.items()})
