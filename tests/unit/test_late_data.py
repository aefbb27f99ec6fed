from types import SimpleNamespace as NS

from late_data import LateReport


def test_late_report_counts_only_its_query_and_keeps_totals():
    report = LateReport("late_data")
    p = lambda batch, rows, dropped, name="late_data": NS(  # noqa: E731
        name=name, batchId=batch, numInputRows=rows, eventTime={"watermark": "2026-01-01T00:00:00.000Z"},
        stateOperators=[NS(numRowsDroppedByWatermark=dropped), NS(numRowsDroppedByWatermark=0)])
    assert report.line(p(0, 100, 0)).startswith("[late_data] batch 0: read 100, dropped late 0")
    assert report.line(p(0, 9, 9, name="late_data_quarantine")) is None
    line = report.line(p(1, 50, 7))
    assert "read 50, dropped late 7 (totals: read 150, dropped late 7); watermark 2026-01-01T00:00:00.000Z" in line
