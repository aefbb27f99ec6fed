"""windowing.build on static DataFrames, and its watermark behaviour on a small file stream."""

from datetime import datetime

import pytest

import windowing


def ts(text):
    return datetime.fromisoformat(text)


@pytest.fixture
def events(spark):
    rows = [
        ("ES", ts("2026-01-01 00:00:00")),
        ("ES", ts("2026-01-01 00:04:59.999")),
        ("ES", ts("2026-01-01 00:05:00")),
        ("FR", ts("2026-01-01 00:01:00")),
        ("FR", ts("2026-01-01 00:09:59")),
        ("ES", ts("2026-01-01 00:10:00")),
    ]
    return spark.createDataFrame(rows, "country string, event_time timestamp")


def collect(df):
    return sorted(
        (r.window_start.strftime("%H:%M"), r.window_end.strftime("%H:%M"), r.key, r.events) for r in df.collect()
    )


def test_tumbling_window_boundaries_are_start_inclusive_end_exclusive(events):
    assert collect(windowing.build(events)) == [
        ("00:00", "00:05", "ES", 2),
        ("00:00", "00:05", "FR", 1),
        ("00:05", "00:10", "ES", 1),
        ("00:05", "00:10", "FR", 1),
        ("00:10", "00:15", "ES", 1),
    ]


def test_sliding_windows_count_each_event_in_every_window_it_falls_in(events):
    got = collect(windowing.build(events, "10 minutes", "5 minutes"))
    assert ("23:55", "00:05", "ES", 2) in got and ("00:00", "00:10", "ES", 3) in got
    assert ("00:05", "00:15", "ES", 2) in got and ("00:10", "00:20", "ES", 1) in got
    assert sum(c for *_, c in got) == 2 * 6


def test_append_mode_emits_a_window_once_the_watermark_passes_and_drops_late_rows(spark, tmp_path):
    """A file stream, one file per batch: batch 1 opens a window, batch 2 moves the watermark past
    it (emitting it), batch 3 sends a row for that closed window, which is dropped as late."""
    schema = "country string, event_time timestamp"
    src = tmp_path / "in"
    src.mkdir()
    stream = spark.readStream.schema(schema).json(str(src))
    query = (
        windowing.build(stream, "5 minutes", None, "1 minute")
        .writeStream.format("memory")
        .queryName("w_append")
        .outputMode("append")
        .option("checkpointLocation", str(tmp_path / "ckpt"))
        .start()
    )

    def batch(name, rows):
        import json

        (src / f"{name}.json").write_text("\n".join(json.dumps({"country": c, "event_time": t}) for c, t in rows))
        query.processAllAvailable()
        return collect(spark.table("w_append"))

    try:
        assert batch("1", [("ES", "2026-01-01T00:01:00Z"), ("ES", "2026-01-01T00:02:00Z")]) == []
        # max event time 00:07 -> watermark 00:06 > 00:05: the first window is final
        assert batch("2", [("ES", "2026-01-01T00:07:00Z")]) == [("00:00", "00:05", "ES", 2)]
        # 00:03 is behind the watermark: dropped, and the emitted window is never re-emitted
        assert batch("3", [("ES", "2026-01-01T00:03:00Z")]) == [("00:00", "00:05", "ES", 2)]
        progress = query.lastProgress
        assert progress["stateOperators"][0]["numRowsDroppedByWatermark"] >= 1
    finally:
        query.stop()
