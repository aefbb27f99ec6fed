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


SESSIONS = {
    "rate_per_session": 1000,
    "hold_seconds": 40,
    "trigger": "1 second",
    "server_memory_mib_idle": 400.0,
    "steps": [
        {"sessions": 1, "kept_up": 1, "batch_seconds_median": 0.61, "server_memory_mib": 520.0},
        {"sessions": 2, "kept_up": 2, "batch_seconds_median": 0.74, "server_memory_mib": 560.0},
        {"sessions": 4, "kept_up": 3, "batch_seconds_median": 1.37, "server_memory_mib": 610.4},
    ],
    "held": 2,
    "memory_mib_per_session": 80.0,
}


def test_the_page_gives_the_sessions_held_and_the_servers_memory_per_session():
    text = page({**RESULTS, "sessions": SESSIONS}, "en")
    assert "## Learners' sessions at once" in text
    assert "all read one topic written at 1,000 page views/s" in text
    assert "| sessions | kept up | batch duration, median (s) | server's driver (MiB) |" in text
    assert "| 4 | 3 | 1.37 | 610 |" in text
    assert "Held: **2** sessions at once, every one keeping up; the server's driver used about 80 MiB more" in text
    assert "| 4 | 3 | 1,37 | 610 |" in page({**RESULTS, "sessions": SESSIONS}, "es")
    assert "Learners' sessions" not in page(RESULTS, "en")  # a run from before they were measured


def test_a_session_keeps_up_when_its_lag_stops_growing():
    from lab.bench import sessions

    def keeps(samples):
        return sessions._keeps_up(samples, 30, 1000, 1.0)

    flat = [(float(t), 500) for t in range(30)]
    growing = [(float(t), 1000 * t) for t in range(30)]
    assert keeps(flat) and not keeps(growing) and not keeps(flat[:5])
