"""The Prometheus listener turns query progress into metrics (fed Spark-shaped progress objects)."""

from types import SimpleNamespace as NS

from streamlab.listener import Metrics, PrometheusListener


def progress(**over):
    base = dict(
        id="q-1",
        name="windowing",
        batchId=7,
        timestamp="2026-01-01T00:10:00.000Z",
        numInputRows=1000,
        inputRowsPerSecond=500.0,
        processedRowsPerSecond=800.0,
        durationMs={
            "triggerExecution": 1250,
            "addBatch": 1000,
            "getBatch": 5,
            "latestOffset": 20,
            "queryPlanning": 30,
            "walCommit": 50,
            "commitOffsets": 40,
        },
        eventTime={
            "min": "2026-01-01T00:09:00.000Z",
            "avg": "2026-01-01T00:09:30.000Z",
            "max": "2026-01-01T00:10:00.000Z",
            "watermark": "2026-01-01T00:08:00.000Z",
        },
        stateOperators=[
            NS(numRowsTotal=120, numRowsUpdated=30, numRowsRemoved=5, memoryUsedBytes=4096, numRowsDroppedByWatermark=3)
        ],
        sources=[
            NS(
                metrics={
                    "minOffsetsBehindLatest": "0",
                    "avgOffsetsBehindLatest": "12.5",
                    "maxOffsetsBehindLatest": "40",
                }
            )
        ],
        sink=NS(numOutputRows=60),
    )
    base.update(over)
    return NS(**base)


def value(metrics, name, **labels):
    return metrics.registry.get_sample_value(name, {"job": "windowing", "query": "windowing", **labels})


def test_progress_becomes_metrics():
    m = Metrics()
    listener = PrometheusListener("windowing", m)
    listener.onQueryStarted(NS(id="q-1", runId="r-1", name="windowing", timestamp="2026-11-27T10:00:00.000Z"))
    listener.record(progress())
    listener.record(progress(batchId=8, numInputRows=500))
    assert value(m, "streaming_batch_id") == 8
    assert value(m, "streaming_query_started_timestamp_seconds", run_id="r-1") == 1795773600.0  # 2026-11-27 10:00 UTC
    assert value(m, "streaming_input_rows_total") == 1500
    assert value(m, "streaming_batches_total") == 2
    assert value(m, "streaming_input_rows_per_second") == 500.0
    assert value(m, "streaming_processed_rows_per_second") == 800.0
    assert value(m, "streaming_batch_phase_duration_seconds_count", phase="addBatch") == 2
    assert value(m, "streaming_batch_phase_duration_seconds_sum", phase="triggerExecution") == 2.5
    assert value(m, "streaming_last_batch_phase_duration_seconds", phase="walCommit") == 0.05
    assert value(m, "streaming_watermark_timestamp_seconds") == 1767225600 + 480
    # batch end = 00:10:00 + 1.25 s; watermark 00:08:00
    assert value(m, "streaming_watermark_delay_seconds") == 121.25
    assert value(m, "streaming_state_rows", kind="total") == 120
    assert value(m, "streaming_state_rows", kind="removed") == 5
    assert value(m, "streaming_state_memory_bytes") == 4096
    assert value(m, "streaming_late_rows_dropped_total") == 6
    assert value(m, "streaming_kafka_offsets_behind_latest", stat="avg") == 12.5
    assert value(m, "streaming_kafka_offsets_behind_latest", stat="max") == 40
    assert value(m, "streaming_sink_output_rows_total") == 120
    # three latencies per batch (oldest, avg, newest event): 61.25, 31.25 and 1.25 s
    assert value(m, "streaming_event_latency_seconds_count") == 6
    assert value(m, "streaming_event_latency_seconds_sum") == 2 * (61.25 + 31.25 + 1.25)
    assert value(m, "streaming_query_active") == 1


def test_the_first_batch_of_each_run_is_kept_apart():
    """A run's first batch reads what waited in Kafka at its start: its id, rows and duration stay
    as they were through the run's later batches, and a new run (a new runId) sets them again."""
    m = Metrics()
    listener = PrometheusListener("windowing", m)
    listener.record(progress(runId="r-1", batchId=0, numInputRows=133_000, durationMs={"triggerExecution": 6200}))
    listener.record(progress(runId="r-1", batchId=1, numInputRows=150, durationMs={"triggerExecution": 900}))
    listener.record(progress(runId="r-1", batchId=2, numInputRows=0, durationMs={"triggerExecution": 300}))
    firsts = ("streaming_first_batch_id", "streaming_first_batch_input_rows", "streaming_first_batch_duration_seconds")
    assert [value(m, name) for name in firsts] == [0, 133_000, 6.2]
    # The same query resumed from its checkpoint: a new run, whose first batch is batch 3.
    listener.record(progress(runId="r-2", batchId=3, numInputRows=2_400, durationMs={"triggerExecution": 1500}))
    listener.record(progress(runId="r-2", batchId=4, numInputRows=80, durationMs={"triggerExecution": 400}))
    assert [value(m, name) for name in firsts] == [3, 2_400, 1.5]
    other = {"job": "windowing", "query": "windowing_quarantine"}
    listener.record(progress(runId="r-3", name="windowing_quarantine", batchId=0, numInputRows=7))
    assert m.registry.get_sample_value("streaming_first_batch_input_rows", other) == 7
    assert value(m, "streaming_first_batch_input_rows") == 2_400


def test_empty_batches_and_termination():
    m = Metrics()
    listener = PrometheusListener("windowing", m)
    listener.onQueryStarted(NS(id="q-1", runId="r-1", name="windowing", timestamp="2026-11-27T10:00:00.000Z"))
    listener.record(
        progress(
            numInputRows=0,
            eventTime={"watermark": "1970-01-01T00:00:00.000Z"},
            stateOperators=[],
            sources=[NS(metrics={})],
            sink=NS(numOutputRows=-1),
        )
    )
    assert value(m, "streaming_event_latency_seconds_count") is None
    assert value(m, "streaming_watermark_timestamp_seconds") is None, "no watermark yet is not 1970"
    assert value(m, "streaming_sink_output_rows_total") is None
    listener.onQueryTerminated(NS(id="q-1", exception="boom"))
    assert value(m, "streaming_query_active") == 0
    assert value(m, "streaming_query_failed") == 1


def test_records_a_batch_skipped_are_counted_as_lost():
    m = Metrics()
    listener = PrometheusListener("windowing", m)
    listener.onQueryStarted(NS(id="q-1", runId="r-1", name="windowing", timestamp="2026-11-27T10:00:00.000Z"))
    assert value(m, "streaming_kafka_records_lost_total") == 0
    source = NS(
        metrics={}, startOffset='{"pv":{"0":100,"1":50}}', endOffset='{"pv":{"0":400,"1":350}}', numInputRows=1000
    )
    listener.record(progress(numInputRows=1000, sources=[source]))  # nothing skipped
    assert value(m, "streaming_kafka_records_lost_total") == 0
    source = NS(
        metrics={}, startOffset='{"pv":{"0":400,"1":350}}', endOffset='{"pv":{"0":900,"1":450}}', numInputRows=420
    )
    listener.record(progress(numInputRows=420, sources=[source]))
    assert value(m, "streaming_kafka_records_lost_total") == 180


def test_serve_on_a_taken_port_raises_before_anything_else():
    import socket

    import pytest

    from streamlab.listener import serve

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        with pytest.raises(OSError):
            serve(squatter.getsockname()[1])


def test_serve_answers_on_its_port_and_port_0_keeps_metrics_in_the_registry():
    import socket

    import requests

    from streamlab.listener import serve

    in_memory = serve(0)
    in_memory.batches.labels("j", "q").inc(2)
    assert in_memory.registry.get_sample_value("streaming_batches_total", {"job": "j", "query": "q"}) == 2
    with socket.socket() as probe:  # a free port, released just before serve binds it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    m = serve(port)
    m.batches.labels("j", "q").inc(3)
    resp = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert resp.status_code == 200
    body = resp.text
    assert 'streaming_batches_total{job="j",query="q"} 3.0' in body


def test_a_finishing_job_waits_for_the_next_scrape_only_if_something_scrapes_it():
    import socket
    import threading

    import requests

    from streamlab.listener import serve

    with socket.socket() as probe:  # a free port, released just before serve binds it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    m = serve(port)
    assert m.wait_for_scrape(30) is False, "never scraped: no Prometheus is watching, so no wait"
    url = f"http://127.0.0.1:{port}/metrics"
    assert requests.get(url, timeout=10).status_code == 200
    m.input_rows.labels("j", "q").inc(5)  # the final figures, after that scrape
    waited = []
    waiter = threading.Thread(target=lambda: waited.append(m.wait_for_scrape(30)))
    waiter.start()
    bodies = []
    while waiter.is_alive():  # Prometheus' next scrape, however long the waiter takes to start
        bodies.append(requests.get(url, timeout=10).text)
        waiter.join(0.1)
    assert waited == [True]
    assert 'streaming_input_rows_total{job="j",query="q"} 5.0' in bodies[-1]
    m.registry.get_sample_value("streaming_input_rows_total", {"job": "j", "query": "q"})  # not a scrape
    assert m.scrapes == 1 + len(bodies)


def test_duplicates_dropped_are_counted_from_the_operators_custom_metrics():
    """dropDuplicates' operators report numDroppedDuplicateRows among their custom metrics; an
    aggregation's report none, and count 0."""
    m = Metrics()
    listener = PrometheusListener("windowing", m)
    listener.onQueryStarted(NS(id="q-1", runId="r-1", name="windowing", timestamp="2026-11-27T10:00:00.000Z"))
    dedup = NS(
        numRowsTotal=50,
        numRowsUpdated=10,
        numRowsRemoved=0,
        memoryUsedBytes=1024,
        numRowsDroppedByWatermark=1,
        customMetrics={"numDroppedDuplicateRows": 4, "numRowsReadDuringEviction": 9},
    )
    listener.record(progress(stateOperators=[dedup]))
    listener.record(progress(batchId=8, stateOperators=[dedup, NS(**{**vars(dedup), "customMetrics": {}})]))
    assert value(m, "streaming_duplicate_rows_dropped_total") == 8
    assert listener.totals("windowing")["duplicates_dropped"] == 8
    listener.record(progress(batchId=9))  # an aggregation: no custom metric of that name
    assert value(m, "streaming_duplicate_rows_dropped_total") == 8
