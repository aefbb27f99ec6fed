"""The bench's results page in the learner's language, rendered from a real run's committed results
(bench/results/, the full run of 2026-11-28): the Spanish page has no English sentence and the same
tables as the English one, whose text is what that run's page says; the JSON keeps its keys."""

import json
from datetime import datetime

import pytest

from lab.bench import files, page, wording
from lab.config.settings import ROOT
from tests.support.language import english_lines

RESULTS = ROOT / "bench" / "results" / "20261128T023643Z.json"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The run's page: written in Spanish as `LAB_LANG=es make bench` writes it (.md, .html, .json),
    and rendered in English: {"es": (md, html, json path), "en": (md,)}."""
    results = json.loads(RESULTS.read_text())
    started = datetime.fromisoformat(results["started"])
    files.RESULTS_DIR, saved = tmp_path_factory.mktemp("es"), files.RESULTS_DIR
    try:
        out = files.write(results, started, "es")
    finally:
        files.RESULTS_DIR = saved
    english = page.render(results, started, out.with_suffix(".png").name, "en")
    return {"es": (out.with_suffix(".md").read_text(), out.with_suffix(".html").read_text(), out), "en": (english,)}


def test_the_spanish_page_has_no_english_sentence_and_the_same_tables(pages):
    es, es_html, out = pages["es"]
    en = pages["en"][0]
    assert english_lines(es) == []
    assert es.count("\n|---") == en.count("\n|---") >= 10
    table_rows = [line.count("|") for line in es.splitlines() if line.startswith("|")]
    assert table_rows == [line.count("|") for line in en.splitlines() if line.startswith("|")]
    assert es.startswith("# Benchmark del 2026-11-28 02:36 UTC\n\nMáquina: 2 núcleos; Spark 4.2.0, Kafka 4.4.0; ")
    assert "| productor del laboratorio | 102.483 eventos/s |" in es
    assert "| 123.274 | 120.298 | 22 | 0,97 / 1,24 | da abasto |" in es
    assert (
        "La tasa más alta con la que da abasto: **120.298 visitas/s** (ofrecidas 123.274). La tasa más alta "
        "ofrecida fue de 164.366 filas/s, 1,37 veces esa. Límite: el job: por encima de esta tasa sus batches duran "
        "más que el trigger."
    ) in es
    assert es_html.startswith("<!doctype html><html lang='es'>")
    assert json.loads(out.read_text()) == json.loads(RESULTS.read_text()), "the JSON is the results, in any language"


def test_the_english_page_says_what_the_runs_page_says(pages):
    """The committed page was written before the page had a language: the English one is the same,
    section by section, but for the capacity section (its note now says the cap is the rate times
    the trigger, as the 0.5 s search needs) and the real-time section, which has gained columns and
    the checkpoint interval in its heading."""
    en = pages["en"][0].split("\n## ")
    committed = RESULTS.with_suffix(".md").read_text().split("\n## ")
    assert len(en) == len(committed) >= 12
    differ = [a.split("\n")[0] for a, b in zip(en, committed, strict=True) if a != b]
    assert differ == [
        "Capacity: windowing fed from a backlog, 1 s trigger",
        "Real-time mode vs micro-batch: the realtime job (5,000 orders/s, 2 partitions, a checkpoint every 5 s in "
        "real-time mode)",
    ]


def test_a_limit_stored_as_english_text_reads_in_the_learners_language():
    """Results written before the limits were codes hold their English text."""
    words = wording.Words("es")
    assert words.limit("the job: above this rate its lag grows") == "el job: por encima de esta tasa su retraso crece"
    assert words.limit("limit_job_lag") == "el job: por encima de esta tasa su retraso crece"
    assert words.limit("something else") == "something else"


def _with_issue_37_parts(results: dict) -> dict:
    """The committed run with the parts added after it: the fixed cost, the 0.5 s capacity search,
    real-time mode's whole run and pauses (figures made up, shaped as lab.bench writes them)."""
    phases = {
        "latestOffset": 0.001,
        "walCommit": 0.045,
        "queryPlanning": 0.040,
        "addBatch": 0.150,
        "commitOffsets": 0.05,
    }
    lab = {**phases, "walCommit": 0.012, "commitOffsets": 0.013}
    figures = {"batches": 295, "rows_median": 1998, "early_batch_seconds_median": 0.31}
    fixed = {
        "views": 80000,
        "cap": 2000,
        "goals": {"count": 0.15, "windowing": 0.25},
        "settings": {
            "Spark's default (FileContext)": {
                "count": {**figures, "batch_seconds_median": 0.243, "phases_median_seconds": phases},
                "windowing": {**figures, "batch_seconds_median": 0.452, "phases_median_seconds": phases},
            },
            "the lab's (FileSystem)": {
                "count": {**figures, "batch_seconds_median": 0.133, "phases_median_seconds": lab},
                "windowing": {**figures, "batch_seconds_median": 0.338, "phases_median_seconds": lab},
            },
        },
    }
    half = {**results["capacity"], "trigger_seconds": 0.5}
    real_time = json.loads(json.dumps(results["real_time"]))
    real_time["real-time"]["whole_run_latency_ms"] = {"p50": 19.0, "p95": 2823.0, "p99": 3670.0}
    real_time["real-time"]["pauses"] = {"count": 8, "median_ms": 480.0, "longest_ms": 1250.0}
    real_time["micro-batch"]["pauses"] = {"count": 0, "median_ms": None, "longest_ms": None}
    return {**results, "fixed_cost": fixed, "capacity_half_second": half, "real_time": real_time}


def test_the_fixed_cost_the_half_second_capacity_and_real_time_pauses_read_in_both_languages():
    results = _with_issue_37_parts(json.loads(RESULTS.read_text()))
    started = datetime.fromisoformat(results["started"])
    es, en = (page.render(results, started, "chart.png", lang) for lang in ("es", "en"))
    assert english_lines(es) == [], english_lines(es)
    assert [line.count("|") for line in es.splitlines() if line.startswith("|")] == [
        line.count("|") for line in en.splitlines() if line.startswith("|")
    ]
    assert "## Fixed cost per micro-batch: where a goes" in en
    assert (
        "| count | Spark's default (FileContext) | 295 | 0.310 | 0.243 "
        "| 0.001 | 0.045 | 0.040 | 0.150 | 0.050 | 0.15 | missed |" in en
    )
    assert (
        "| windowing | the lab's (FileSystem) | 295 | 0.310 | 0.338 "
        "| 0.001 | 0.012 | 0.040 | 0.150 | 0.013 | 0.25 | missed |" in en
    )
    assert (
        "| count | los del laboratorio (FileSystem) | 295 | 0,310 | 0,133 "
        "| 0,001 | 0,012 | 0,040 | 0,150 | 0,013 | 0,15 | cumplido |" in es
    )
    assert (
        "The cost fit's a (the read path's table, the lab's settings): count 0.243 s (goal 0.15 s); windowing 0.498 s"
        in en
    )
    assert "## Capacity: windowing fed from a backlog, 1 s trigger" in en
    assert "## Capacity: windowing fed from a backlog, 0.5 s trigger" in en
    assert "## Capacidad: windowing alimentado desde un acumulado, trigger de 0,5 s" in es
    assert "| 19 / 2823 / 3670 | 8 / 1,250 |" in en and "| 0 |" in en
    assert "pauses over 100 ms: count / longest ms" in en


def _with_warm_drains(results: dict) -> dict:
    """The run's results as a bench with the warm drain gives them: count and windowing drained a
    1 M-record backlog again on warm executors."""
    ladder = json.loads(json.dumps(results["ladder"]))
    stages = (("count", 5.0, 1.6, 0.2, 0.86e-6), ("json", 8.0, 4.0, 0.3, 2e-6), ("windowing", 10.0, 5.0, 0.5, 2.7e-6))
    for stage, fresh, warm, a, b in stages:
        ladder[stage].update(
            rows=1_000_000,
            batch_seconds=fresh,
            rows_per_second=1_000_000 / fresh,
            ratio_to_consumer_ceiling=1_000_000 / fresh / 1_000_000,
            warm_rows=1_000_000,
            warm_seconds=warm,
            warm_rows_per_second=1_000_000 / warm,
            warm_ratio_to_consumer_ceiling=1_000_000 / warm / 1_000_000,
        )
        ladder[stage]["cost"].update(fixed_seconds=a, seconds_per_row=b)
    return {**results, "ladder": ladder}


def test_a_large_batch_fresh_and_warm_reads_in_both_languages():
    results = _with_warm_drains(json.loads(RESULTS.read_text()))
    started = datetime.fromisoformat(results["started"])
    es, en = (page.render(results, started, "chart.png", lang) for lang in ("es", "en"))
    assert english_lines(es) == [], english_lines(es)
    assert [line.count("|") for line in es.splitlines() if line.startswith("|")] == [
        line.count("|") for line in en.splitlines() if line.startswith("|")
    ]
    assert "## A large batch: the whole backlog at once, by a fresh job and by warm executors" in en
    section = en.split("## A large batch")[1].split("\n## ")[0]
    assert [line for line in section.splitlines() if line.startswith("| ") and " | 1,000,000 | " in line] == [
        "| count | 1,000,000 | 5.00 | 200,000 | 0.20 | 1.60 | 625,000 | 0.62 | 1.06 | 3.40 | 0.50 | missed / met |",
        "| json | 1,000,000 | 8.00 | 125,000 | 0.12 | 4.00 | 250,000 | 0.25 | 2.30 | 4.00 | n/a | n/a |",
        "| windowing | 1,000,000 | 10.00 | 100,000 | 0.10 | 5.00 | 200,000 | 0.20 | 3.20 | 5.00 | 0.25 "
        "| missed / missed |",
    ]
    spanish = (
        "| count | 1.000.000 | 5,00 | 200.000 | 0,20 | 1,60 | 625.000 | 0,62 | 1,06 | 3,40 | 0,50 "
        "| no cumplido / cumplido |"
    )
    assert spanish in es
    # A page from before the warm drain (the committed run) has no such table.
    plain = page.render(json.loads(RESULTS.read_text()), started, "chart.png", "en")
    assert "A large batch" not in plain


def test_a_backlog_below_the_goals_size_gets_no_verdict_and_a_capacity_names_its_warm_up():
    results = _with_warm_drains(json.loads(RESULTS.read_text()))
    results["ladder"]["count"]["rows"] = 615_983
    results["capacity"] = {**results["capacity"], "warm_cap": 2000}
    started = datetime.fromisoformat(results["started"])
    es, en = (page.render(results, started, "chart.png", lang) for lang in ("es", "en"))
    assert "| count | 615,983 |" in en and "| 0.50 | n/a |" in en
    goal = (
        "a backlog of 1,000,000 records or more drained at a ratio to the ceiling of 0.50 by count, 0.25 by windowing"
    )
    assert goal in en
    assert "Each run's driver first drains a warm-up topic in batches of 2,000 rows" in en
    assert "en batches de 2.000 filas" in es and english_lines(es) == [], english_lines(es)
    lines = en.splitlines()
    unled = [
        line for i, line in enumerate(lines) if line.startswith("| ") and lines[i - 1].strip()[:1] not in ("", "|")
    ]
    assert unled == [], "a table must follow a blank line, or Markdown renders it as text"
