from types import SimpleNamespace as NS

from late_data import LateReport
from streamlab.listener import Metrics, PrometheusListener
from tests.support import progress


def batch(batch_id, rows, dropped, name="late_data"):
    ops = [progress.operator(numRowsDroppedByWatermark=dropped), progress.operator()]
    return progress.batch(name, batch_id, rows, ops, {"watermark": "2026-01-01T00:00:00.000Z"})


def test_late_report_prints_the_listeners_figures_for_its_query_only(capsys):
    """The job's line per batch reads the listener's counters: one count of late rows, not two."""
    listener = PrometheusListener("late_data", Metrics())
    listener.on_batch.append(LateReport("late_data").print)
    for name in ("late_data", "late_data_quarantine"):
        listener.onQueryStarted(NS(id=f"id-{name}", runId=f"run-{name}", name=name, timestamp=None))
    listener.onQueryProgress(NS(progress=batch(0, 100, 0)))
    listener.onQueryProgress(NS(progress=batch(0, 9, 9, name="late_data_quarantine")))
    listener.onQueryProgress(NS(progress=batch(1, 50, 7)))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[late_data] batch 0: read 100, dropped late 0")
    assert len(lines) == 2
    assert "read 50, dropped late 7 (totals: read 150, dropped late 7); watermark 2026-01-01T00:00:00.000Z" in lines[1]
    assert listener.summary()["late_data"] == {
        "batches": 2,
        "input_rows": 150,
        "output_rows": 0,
        "late_rows_dropped": 7,
        "duplicates_dropped": 0,
        "records_lost": 0,
    }
