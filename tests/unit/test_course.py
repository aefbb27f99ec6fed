"""lab.course without a lab: the block notebooks' truths (on make check's page views, read back as
Kafka would give them, and on hand-made events), one Spark result as the truths write it, saving a
notebook's function into an exercise file, the notebook's language; and lab.course.notebook_versions, the
learner's version of a marked solution. tests/integration/test_notebooks.py checks them on the lab."""

import ast
from collections import Counter
from datetime import datetime

import pytest

from lab import course
from lab.course import exercises as ex
from lab.course import notebook_versions
from lab.kafka.reading import Record

US = 1_000_000
MINUTE = 60 * US
T0 = 1_709_287_200 * US  # 2024-03-01 10:00 UTC


@pytest.fixture(scope="module")
def records():
    return [Record("t", 0, i, e.key, e.value, {}) for i, e in enumerate(ex.input_events())]


def test_a_tumbling_window_with_a_watermark_is_the_exercise_2_truth(records):
    truth = ex.truth_of(records)
    found = course.window_truth(records, "country", 5, watermark=10)
    assert found.counts == truth.counts
    assert found.late == truth.late == 24
    # The final watermark: the latest event time (10:44:55) minus 10 minutes, as the progress writes it.
    assert found.watermark == "2024-03-01T10:34:55.000Z"
    assert found.closed == Counter({w: n for w, n in truth.counts.items() if w[1] <= T0 + 34 * MINUTE + 55 * US})
    assert found.open == len(truth.counts) - len(found.closed) == 15  # 10:35-10:45: 2 windows x 5 countries, 5 more
    assert found.dropped == 5  # the 24 late page views fall into one window: one group per country


def test_without_a_watermark_every_valid_page_view_counts(records):
    found = course.window_truth(records, "category", 10)
    assert sum(found.counts.values()) == 548
    assert (found.late, found.dropped, found.watermark, found.closed, found.open) == (0, 0, None, Counter(), 0)
    assert None in {key for _, _, key in found.counts}  # a page view off the catalogue has no category


def test_a_late_page_view_counts_while_its_window_is_open(records):
    # 10-minute windows: the late page views' window (10:00-10:10) is still open when they come
    # (the watermark that drops them is 10:09:55), so a 10-minute watermark keeps them, a 5-minute one does not.
    assert course.window_truth(records, "category", 10, watermark=10).late == 0
    five = course.window_truth(records, "category", 10, watermark=5)
    assert (five.late, five.watermark) == (24, "2024-03-01T10:39:55.000Z")
    assert sum(five.counts.values()) == 548 - 24


def test_sliding_windows_hold_each_page_view_twice(records):
    found = course.window_truth(records, "category", 10, slide=5)
    assert sum(found.counts.values()) == 2 * 548
    assert {end - start for start, end, _ in found.counts} == {10 * MINUTE}
    assert course.windows_of(T0 + 7 * MINUTE, 10, 5) == [
        (T0 - 5 * MINUTE + 5 * MINUTE, T0 + 10 * MINUTE),
        (T0 + 5 * MINUTE, T0 + 15 * MINUTE),
    ]
    assert course.windows_of(T0 + 7 * MINUTE, 5) == [(T0 + 5 * MINUTE, T0 + 10 * MINUTE)]


def test_the_batches_cut_where_the_watermark_reaches(records):
    # All in one batch, nothing is late: there is no watermark before it.
    assert course.window_truth(records, "country", 5, watermark=10, per_batch=len(records)).late == 0


def test_sessions_go_on_while_events_come_within_the_gap():
    times = {"a": [0, 2, 4, 10, 15], "b": [1]}  # minutes after T0; a's 4 -> 10 is more than 5: a new session
    events = [{"user_id": u, "event_time": T0 + m * MINUTE} for u, ms in times.items() for m in ms]
    assert course.session_truth(events, 5) == Counter(
        {
            (T0, T0 + 9 * MINUTE, "a"): 3,
            (T0 + 10 * MINUTE, T0 + 20 * MINUTE, "a"): 2,  # 15 - 10 is the gap itself: the same session
            (T0 + MINUTE, T0 + 6 * MINUTE, "b"): 1,
        }
    )


def test_an_order_is_paid_within_its_time_and_unpaid_ones_wait_for_the_burst():
    t = datetime(2024, 3, 1, 10, 0)
    burst = ex.inputs.CAPSTONE_PARTS[1][1].replace(tzinfo=None)
    orders = [
        {"order_id": "paid", "event_time": t},
        {"order_id": "late", "event_time": t},  # its payment comes 11 minutes after it
        {"order_id": "never", "event_time": t},
        {"order_id": "burst", "event_time": burst},  # unpaid, but its time is not up when the input ends
    ]
    payments = [
        {"order_id": "paid", "event_time": datetime(2024, 3, 1, 10, 10)},
        {"order_id": "late", "event_time": datetime(2024, 3, 1, 10, 11)},
    ]
    assert course.paid_and_unpaid(orders, payments, 10) == (1, 2)


def test_a_spark_window_count_reads_as_the_truths_are_written(spark):
    df = spark.createDataFrame(
        [
            (datetime(2024, 3, 1, 10, 1), "toys"),
            (datetime(2024, 3, 1, 10, 2), "toys"),
            (datetime(2024, 3, 1, 10, 12), None),
        ],
        "event_time TIMESTAMP, category STRING",
    )
    from pyspark.sql import functions as F

    counts = df.groupBy(F.window("event_time", "10 minutes"), "category").count()
    assert course.counts_of(counts, "category") == Counter(
        {(T0, T0 + 10 * MINUTE, "toys"): 2, (T0 + 10 * MINUTE, T0 + 20 * MINUTE, None): 1}
    )
    assert course.spark_time(T0 + 1234) == "2024-03-01T10:00:00.001Z"


@pytest.fixture(scope="module")
def notebook(records):
    """A Notebook's truths without a lab: its page views as Kafka would give them back."""
    nb = object.__new__(course.Notebook)
    nb.records, nb.truth = records, ex.truth_of(records)
    return nb


def test_a_notebooks_batches_are_maxoffsetspertriggers_cuts(notebook):
    assert notebook.batches(240) == {0: 240, 1: 240, 2: 84}
    assert notebook.batches(240, views=True) == {0: 233, 1: 231, 2: 84}  # the 16 malformed records are in the first two
    assert notebook.batches(10_000) == {0: 564}


def test_a_notebooks_truths_are_the_module_functions_on_its_page_views(notebook, records):
    assert notebook.windowed("category", 10, watermark=5) == course.window_truth(records, "category", 10, None, 5)
    assert sum(notebook.sessions(5).values()) == 548


class FakeQuery:
    """What next_batches reads of a StreamingQuery: its progress grows by one batch at each look."""

    def __init__(self, rows, active=True):
        self.rows, self.isActive, self.looks = rows, active, 0

    @property
    def recentProgress(self):
        self.looks += 1
        return [{"batchId": i, "numInputRows": n} for i, n in enumerate(self.rows[: self.looks])]


def test_next_batches_waits_for_batches_with_data():
    query = FakeQuery([5, 0, 0, 7, 3])
    course.Notebook.next_batches(None, query, batches=2, seconds=10)
    assert query.looks == 5  # batches 1 and 2 read nothing: it waited for 3 and 4


def test_next_batches_says_when_the_query_stopped_or_nothing_came(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    with pytest.raises(TimeoutError, match="no terminó 1 micro-batch"):
        course.Notebook.next_batches(None, FakeQuery([5], active=False), seconds=10)


def test_a_saved_function_replaces_its_namesake_and_keeps_the_rest_of_the_file():
    source = 'import os\n\nSCHEMA = "x"\n\n\n@decorated\ndef f(a):\n    """old"""\n    return 1\n'
    source += "\n\ndef g():\n    return 2\n"
    new = course.replace_functions(source, {"f": 'def f(a):\n    """new"""\n    return a + 1\n'})
    assert (
        new == 'import os\n\nSCHEMA = "x"\n\n\ndef f(a):\n    """new"""\n    return a + 1\n\n\ndef g():\n    return 2\n'
    )
    both = course.replace_functions(source, {"g": "def g():\n    return 3\n", "h": "def h():\n    return 4\n"})
    names = [n.name for n in ast.parse(both).body if isinstance(n, ast.FunctionDef)]
    assert names == ["f", "g", "h"] and "return 3" in both and "return 2" not in both


def test_the_notebooks_language_is_its_folders(tmp_path, monkeypatch):
    for lang in ("es", "en"):
        (tmp_path / lang).mkdir()
        monkeypatch.chdir(tmp_path / lang)
        assert course.language() == lang
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAB_LANG", "es")
    assert course.language() == "es"


def test_the_learners_version_replaces_each_solution_by_a_placeholder_at_its_indentation():
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["def f(x):\n", "    # BEGIN SOLUTION\n", "    return x\n", "    # END SOLUTION\n"],
            },
            {"cell_type": "markdown", "source": "Q?\n<!-- BEGIN SOLUTION -->\nA.\n<!-- END SOLUTION -->\n"},
            {"cell_type": "code", "source": "ex.check(f)"},
        ]
    }
    learner = notebook_versions.learner(notebook, "es")
    code, prose, check = ("".join(c["source"]) for c in learner["cells"])
    assert code == (
        "def f(x):\n    # TU CÓDIGO AQUÍ (cambia esta línea y la siguiente)\n"
        '    raise NotImplementedError("escribe esta función y después ejecuta la celda de comprobación de debajo")'
    )
    assert prose == "Q?\n*Tu respuesta aquí.*" and check == "ex.check(f)"
    assert notebook_versions.solutions(notebook) and not notebook_versions.solutions(learner)
    compile(code, "cell", "exec")
