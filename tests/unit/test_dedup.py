"""The dedup job's transformation on a local file stream, and its line per batch."""

import json
from types import SimpleNamespace as NS

import dedup
from streamlab.listener import Metrics, PrometheusListener
from tests.support import progress


def test_each_event_id_once_within_the_watermark_and_late_resends_dropped_as_late(spark, tmp_path):
    """One file per batch. Batch 1 holds a resend of its own first event; batch 2 resends one of
    batch 1's; batch 3 moves the watermark far ahead; batch 4 resends batch 1's first event once
    the watermark has passed it: it is dropped as late, not emitted again."""
    src = tmp_path / "in"
    src.mkdir()
    stream = spark.readStream.schema("event_id string, event_time timestamp, country string").json(str(src))
    query = (
        dedup.build(stream, "10 minutes")
        .writeStream.format("memory")
        .queryName("dedup_unit")
        .option("checkpointLocation", str(tmp_path / "ckpt"))
        .start()
    )

    def batch(name, rows):
        (src / f"{name}.json").write_text(
            "\n".join(json.dumps({"event_id": i, "event_time": t, "country": "ES"}) for i, t in rows)
        )
        query.processAllAvailable()
        # This file's batch, and the no-data batch Spark may run after it to evict state when the
        # watermark moved: every progress since the last call.
        new = [p for p in query.recentProgress if p["batchId"] > seen[0]]
        seen[0] = max(p["batchId"] for p in query.recentProgress)
        ops = [op for p in new for op in p["stateOperators"]]
        dropped = sum(op["customMetrics"]["numDroppedDuplicateRows"] for op in ops)
        late = sum(op["numRowsDroppedByWatermark"] for op in ops)
        return sorted(r.event_id for r in spark.table("dedup_unit").collect()), dropped, late

    seen = [-1]

    try:
        assert batch(
            "1", [("a", "2026-01-01T00:01:00Z"), ("b", "2026-01-01T00:02:00Z"), ("a", "2026-01-01T00:01:00Z")]
        ) == (
            ["a", "b"],
            1,
            0,
        )
        assert batch("2", [("b", "2026-01-01T00:02:00Z"), ("c", "2026-01-01T00:03:00Z")]) == (["a", "b", "c"], 1, 0)
        assert batch("3", [("d", "2026-01-01T01:00:00Z")]) == (["a", "b", "c", "d"], 0, 0)
        # The watermark is now 00:50, past a's 00:01 plus its 10 minutes: a's resend is late.
        assert batch("4", [("a", "2026-01-01T00:01:00Z")]) == (["a", "b", "c", "d"], 0, 1)
    finally:
        query.stop()


def test_the_line_per_batch_reads_the_listeners_totals_for_its_query_only(capsys):
    listener = PrometheusListener("dedup", Metrics())
    listener.on_batch.append(dedup.DedupReport("dedup").print)
    for name in ("dedup", "dedup_quarantine"):
        listener.onQueryStarted(NS(id=f"id-{name}", runId=f"run-{name}", name=name, timestamp=None))

    def done(batch_id, rows, duplicates, name="dedup"):
        ops = [progress.operator(customMetrics={"numDroppedDuplicateRows": duplicates})] if name == "dedup" else []
        return NS(progress=progress.batch(name, batch_id, rows, ops))

    listener.onQueryProgress(done(0, 100, 5))
    listener.onQueryProgress(done(0, 3, 0, name="dedup_quarantine"))
    listener.onQueryProgress(done(1, 40, 2))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "[dedup] batch 0: read 100, duplicates dropped 5 (totals: read 100, duplicates dropped 5)",
        "[dedup] batch 1: read 40, duplicates dropped 2 (totals: read 140, duplicates dropped 7)",
    ]
    assert listener.summary()["dedup"]["duplicates_dropped"] == 7
