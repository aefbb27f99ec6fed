"""The live bench's latency figures (lab.bench.live): weighted percentiles from batch progress, and the
realtime job's alerts split by hop."""

import json

import pytest

from lab.bench.live import hops_of, latency_percentiles, weighted_percentiles
from lab.kafka.reading import Record


def test_weighted_percentiles_take_the_smallest_value_reaching_the_share():
    assert weighted_percentiles([(4, 1), (1, 1), (3, 1), (2, 1)]) == {"p50": 2.0, "p95": 4.0, "p99": 4.0}
    assert weighted_percentiles([(5, 1), (1, 99)]) == {"p50": 1.0, "p95": 1.0, "p99": 1.0}
    assert weighted_percentiles([(5, 2), (1, 98)], qs=(50, 99)) == {"p50": 1.0, "p99": 5.0}
    assert weighted_percentiles([]) is None


def test_a_batchs_rows_spread_between_its_newest_and_oldest_event():
    batch = {
        "numInputRows": 100,
        "timestamp": "2026-01-01T00:00:10.000Z",
        "durationMs": {"triggerExecution": 1000},
        "eventTime": {"min": "2026-01-01T00:00:01.000Z", "max": "2026-01-01T00:00:09.000Z"},
    }
    got = latency_percentiles([batch, {**batch, "numInputRows": 0}])
    # end 00:00:11: latencies spread evenly over 2 s (newest) .. 10 s (oldest)
    assert 5.9 <= got["p50"] <= 6.1 and 9.5 <= got["p99"] <= 10.0


def test_an_alerts_latency_splits_at_the_input_records_broker_append():
    def alert(event, appended, written):
        value = json.dumps({"event_time": event, "kafka_timestamp": appended}).encode()
        return Record("results", 0, 0, b"k", value, {}, timestamp_ms=written)

    alerts = [
        alert("2026-01-01T00:00:09.990Z", "2026-01-01T00:00:10.010Z", 1767225610015),  # before `since`: left out
        alert("2026-01-01T00:00:10.980Z", "2026-01-01T00:00:11.000Z", 1767225611007),
        alert("2026-01-01T00:00:11.500Z", "2026-01-01T00:00:11.530Z", 1767225611830),
    ]
    hops = hops_of(alerts, since=1767225611.0)
    assert {k: [round(v, 3) for v in vals] for k, vals in hops.items()} == {
        "producer_to_broker": [20.0, 30.0],
        "spark": [7.0, 300.0],
        "end_to_end": [27.0, 330.0],
    }


def test_pauses_are_the_gaps_over_the_threshold_between_alerts_in_append_order():
    from lab.bench.live import pauses

    appended = [1000.0, 1000.2, 1150.0, 1150.1, 1900.0, 1899.9]  # two gaps over 100 ms: 149.8 and 749.8
    found = pauses(appended)
    assert (
        found["count"] == 2
        and found["longest_ms"] == pytest.approx(749.8)
        and found["median_ms"] == pytest.approx(449.8)
    )
    assert pauses([5.0]) == {"count": 0, "median_ms": None, "longest_ms": None}
