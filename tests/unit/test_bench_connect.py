"""`make bench CONNECT=1`'s page (lab.bench.connect.page): classic and Spark Connect side by side,
in both languages, from results as the comparison stores them. (The comparison itself runs the
windowing job's live search twice, which takes many minutes; it is run by hand and its figures are
in docs/spark-connect.md.)"""

from lab.bench.connect import page

RESULTS = {
    "started": "2026-12-07T11:30:00+00:00",
    "server_memory_mib_idle": 402.7,
    "server_memory_mib_after": 655.0,
    "modes": {
        "classic": {
            "first_batch_seconds": 4.0,
            "sustainable_page_views_per_second": 64000.0,
            "batch_seconds_median": 0.5,
            "latency_at_sustainable": {"p50": 1.2, "p95": 1.9, "p99": 2.2},
        },
        "connect": {
            "first_batch_seconds": 6.0,
            "sustainable_page_views_per_second": 32000.0,
            "batch_seconds_median": None,
            "latency_at_sustainable": None,
        },
    },
}


def test_the_page_sets_classic_and_connect_side_by_side_with_their_ratio():
    text = page(RESULTS, "en")
    assert text.startswith("# The windowing job as a classic driver and over Spark Connect, 2026-12-07 11:30:00 UTC")
    assert "| | classic driver (spark-submit) | Spark Connect client | Connect / classic |" in text
    assert "| first batch with rows (s) | 4.0 | 6.0 | 1.50 |" in text
    assert "| sustainable rate (page views/s) | 64,000 | 32,000 | 0.50 |" in text
    assert "| batch duration at that rate, median (s) | 0.50 | - | - |" in text
    assert "| latency (ms) at the sustainable rate, p99 | 2,200 | - | - |" in text
    assert "403 MiB resident idle, before the run; 655 MiB after it." in text


def test_the_page_in_spanish():
    text = page(RESULTS, "es")
    assert "| | driver clásico (spark-submit) | cliente de Spark Connect | Connect / clásico |" in text
    assert "| primer batch con filas (s) | 4,0 | 6,0 | 1,50 |" in text
    assert "| tasa sostenible (visitas/s) | 64.000 | 32.000 | 0,50 |" in text
