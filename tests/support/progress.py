"""Spark-shaped query progress for unit tests of what reads it (the listener, the jobs' lines per
batch): SimpleNamespaces with the attributes pyspark's StreamingQueryProgress has."""

from __future__ import annotations

from types import SimpleNamespace as NS


def operator(**over) -> NS:
    """A state operator's progress: all zeros unless given (e.g. numRowsDroppedByWatermark=3,
    customMetrics={"numDroppedDuplicateRows": 2})."""
    return NS(**{"numRowsTotal": 0, "numRowsUpdated": 0, "memoryUsedBytes": 0, "numRowsDroppedByWatermark": 0, **over})


def batch(query: str, batch_id: int, rows: int, operators=(), event_time: dict | None = None) -> NS:
    """One batch of `query` (its id is `id-<query>`) that read `rows`: no phase durations, no
    source metrics, no sink count."""
    return NS(
        id=f"id-{query}",
        name=query,
        batchId=batch_id,
        timestamp="2026-01-01T00:10:00.000Z",
        numInputRows=rows,
        inputRowsPerSecond=0.0,
        processedRowsPerSecond=0.0,
        durationMs={},
        eventTime=event_time or {},
        sources=[],
        sink=None,
        stateOperators=list(operators),
    )
