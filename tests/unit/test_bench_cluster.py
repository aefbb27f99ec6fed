"""`make bench CLUSTER=1`'s page (lab.bench.cluster.page): the side-by-side table in both
languages, from results as the comparison stores them. (The comparison itself switches the Docker
lab between its profiles, which takes minutes; it is run by hand and its figures are in
docs/beyond-one-machine.md.)"""

from lab.bench.cluster import page

RESULTS = {
    "started": "2026-12-07T08:00:00+00:00",
    "profiles": {
        "single": {
            "up_seconds": None,
            "memory_total_mib": 1500,
            "memory_mib": {"kafka-1": 400.0, "spark-worker-1": 250.0},
            "sustainable_page_views_per_second": 64000.0,
            "batch_seconds_median": 0.71,
            "latency_at_sustainable": {"p50": 1.2, "p95": 1.9, "p99": 2.2},
            "latency_at_half": {"p50": 0.9, "p95": 1.2, "p99": 1.4},
            "steps": [
                {
                    "target_events_per_second": 4000,
                    "latency_seconds": {"p50": 1.016, "p99": 1.568},
                    "batch_seconds_median": 0.49,
                },
                {"target_events_per_second": 8000, "latency_seconds": None, "batch_seconds_median": 0.53},
            ],
        },
        "cluster": {
            "up_seconds": 30.2,
            "memory_total_mib": 2100,
            "memory_mib": {"kafka-1": 410.0, "kafka-2-1": 420.0},
            "sustainable_page_views_per_second": 48000.0,
            "batch_seconds_median": 0.8,
            "latency_at_sustainable": None,
            "latency_at_half": {"p50": 1.0, "p95": 1.5, "p99": 2.1},
            "steps": [
                {
                    "target_events_per_second": 4000,
                    "latency_seconds": {"p50": 1.679, "p99": 2.972},
                    "batch_seconds_median": 1.08,
                },
                {
                    "target_events_per_second": 4000,
                    "latency_seconds": {"p50": 9.0, "p99": 9.0},
                    "batch_seconds_median": 9.0,
                },
            ],
        },
    },
}


def test_the_page_puts_the_profiles_side_by_side_with_their_ratios():
    text = page(RESULTS, "en")
    assert "| sustainable rate (page views/s) | 64,000 | 48,000 | 0.75 |" in text
    assert "| memory of the containers, idle (MiB) | 1,500 | 2,100 | 1.40 |" in text
    assert "| latency (ms) at half of it, p99 | 1,400 | 2,100 | 1.50 |" in text
    assert "| latency (ms) at the sustainable rate, p50 | 1,200 | - | - |" in text  # not measured: a dash
    assert "- cluster profile (3 brokers, replication 3): kafka-1 410, kafka-2-1 420" in text
    # The rates both were offered, the first time each was tried; 8,000 was tried on one only.
    assert "| 4,000 | 1,016 / 1,568 ms, 0.49 s | 1,679 / 2,972 ms, 1.08 s |" in text
    assert "| 8,000 |" not in text


def test_the_page_in_spanish():
    text = page(RESULTS, "es")
    assert "| tasa sostenible (visitas/s) | 64.000 | 48.000 | 0,75 |" in text
    assert "| make up hasta estar listo (s; el perfil que ya estaba en marcha: -) | - | 30,2 |  |" in text
