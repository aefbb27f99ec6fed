"""The live bench's latency figures (lab.benchlive): weighted percentiles from batch progress."""

from lab.benchlive import latency_percentiles, weighted_percentiles


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
