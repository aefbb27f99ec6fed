"""The report's HTML (Markdown through Python-Markdown), its runs, its charts' gaps (on Prometheus
JSON recorded from the lab) and its Prometheus client's errors; no Prometheus needed."""

import itertools
import json
import math
import socket
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lab import report
from lab.dashboards import Panel
from lab.settings import load

RECORDED = Path(__file__).parent / "data" / "prometheus_two_runs.json"

SMALL = """# Performance report: windowing

## Verdict: **keeps up**

- input 1,000.0 rows/s
- lag from 10 to 5 offsets

## Figures

| measure | value |
|---|---|
| rows read | 60,000 |
| Kafka lag start → end | 10 → 5 offsets |

Event latency is measured from event time.
"""


class Page(HTMLParser):
    """Every element, with its parent chain and its own text: enough to check the structure."""

    def __init__(self, html: str):
        super().__init__()
        self.open: list[dict] = []
        self.elements: list[dict] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "parents": [e["tag"] for e in self.open], "text": "", "children": []}
        if self.open:
            self.open[-1]["children"].append(element)
        self.elements.append(element)
        if tag not in ("meta", "img"):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open and self.open.pop()["tag"] != tag:
            pass

    def handle_data(self, data):
        self.text.append(data)
        for element in self.open:
            element["text"] += data

    def all(self, tag: str) -> list[dict]:
        return [e for e in self.elements if e["tag"] == tag]


def rows(section: dict) -> list[list[str]]:
    return [[cell["text"] for cell in tr["children"]] for tr in section["children"] if tr["tag"] == "tr"]


def test_a_report_like_summary_has_one_table_with_a_header_a_list_and_headings():
    page = Page(report._html("windowing", SMALL, []))
    [table] = page.all("table")
    [thead] = [c for c in table["children"] if c["tag"] == "thead"]
    [tbody] = [c for c in table["children"] if c["tag"] == "tbody"]
    assert rows(thead) == [["measure", "value"]]
    assert rows(tbody) == [["rows read", "60,000"], ["Kafka lag start → end", "10 → 5 offsets"]]
    [ul] = page.all("ul")
    assert [li["text"] for li in ul["children"]] == ["input 1,000.0 rows/s", "lag from 10 to 5 offsets"]
    assert all(li["tag"] == "li" for li in ul["children"])
    assert [h["text"] for h in page.all("h1")] == ["Performance report: windowing"]
    assert [h["text"] for h in page.all("h2")] == ["Verdict: keeps up", "Figures", "Charts"]
    assert [s["text"] for s in page.all("strong")] == ["keeps up"]
    assert [p["text"] for p in page.all("p")] == ["Event latency is measured from event time."]
    text = "".join(page.text)
    assert "|---" not in text and "**" not in text and "| " not in text


def test_the_real_summary_renders_every_figure_as_a_row_and_keeps_the_style():
    f = report.Figures(
        input_rate=1000,
        processed_rate=1200,
        rows=60000,
        batches=12,
        lag_start=10,
        lag_end=5,
        batch_p50=0.8,
        batch_p95=1.5,
        gc_share=0.2,
        late_dropped=3,
        trigger_seconds=5,
    )
    text, evidence = report.verdict(f)
    run = report.Run("3f2a9c1e-0000-4000-8000-000000000000", 1_780_000_000, 1_780_000_600, 12, 60000)
    summary = report._summary("windowing", run, [run], f, text, evidence, report.hints(f, load(), text))
    html = report._html("windowing", summary, [])
    page = Page(html)
    [table] = page.all("table")
    body_rows = summary.count("\n| ") - 1  # every table line of the Markdown but the header
    assert len(page.all("tr")) == 1 + body_rows and len(page.all("th")) == 2
    assert len(page.all("ul")) == 2 and all(li["parents"][-1] == "ul" for li in page.all("li"))
    assert "th,td{border:1px solid #ccc;padding:4px 8px}table{border-collapse:collapse}" in html
    assert "|---" not in "".join(page.text) and "**" not in "".join(page.text)


def test_html_in_the_text_stays_text():
    page = Page(report._html("<b>job</b>", "# Performance report: <b>job</b> & co\n", []))
    assert not page.all("b")
    assert [h["text"] for h in page.all("h1")] == ["Performance report: <b>job</b> & co"]


def test_prometheus_that_does_not_answer_is_one_line_naming_it():
    with socket.socket() as s:  # a free port, closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(report.ReportError) as caught:
        report.Prometheus(base).instant("up", 0)
    message = str(caught.value)
    assert message.startswith(f"Prometheus at {base} does not answer (") and message.endswith("): is the lab up?")
    assert "Connection refused" in message and "\n" not in message and "HTTPConnectionPool" not in message


def run(n: int, start: float, seconds: float = 60, rows: float = 1000) -> report.Run:
    return report.Run(f"{n}{n}{n}{n}abcd-0000-4000-8000-00000000000{n}", start, start + seconds, 10, rows)


def test_the_latest_run_is_the_default_and_a_number_or_an_id_picks_another():
    runs = [run(1, 1000), run(2, 2000), run(3, 3000)]
    assert report.pick(runs, None) is runs[2]
    assert report.pick(runs, "1") is runs[0]
    assert report.pick(runs, "2222ab") is runs[1]
    with pytest.raises(report.ReportError, match=r"no single run matches '9'; the runs are 1 \(1111abcd\), 2 "):
        report.pick(runs, "9")


def test_the_list_gives_each_run_its_number_id_times_and_rows():
    text = report.list_text("windowing", [run(1, 1_780_000_000, 45, 36_000), run(2, 1_780_000_300, 150, 120_500)])
    lines = text.splitlines()
    assert lines[1].split() == ["1", "1111abcd", "2026-05-28", "20:26:40", "20:27:25", "45", "10", "36,000"]
    assert lines[2].split() == ["2", "2222abcd", "2026-05-28", "20:31:40", "20:34:10", "150", "10", "120,500"]
    assert lines[-1].startswith("make report JOB=windowing RUN=")


def test_a_summary_over_several_runs_says_which_one_it_covers():
    runs = [run(1, 1000), run(2, 2000)]
    f = report.Figures(trigger_seconds=5)
    text, evidence = report.verdict(f)
    summary = report._summary("windowing", runs[1], runs, f, text, evidence, [])
    assert "Run 2222abcd: " in summary
    assert "The time range held 2 runs of windowing; this report covers run 2 (the latest)" in summary
    assert "`make report JOB=windowing LIST=1` lists them" in summary


def recorded() -> tuple[dict, list[report.Series]]:
    """A query_range answer of the lab's Prometheus over two runs of windowing with a pause
    between them (tests/unit/data/README.md says how it was recorded)."""
    body = json.loads(RECORDED.read_text())
    series = [
        report.Series(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in body["data"]["result"]
    ]
    return body, series


def test_the_recording_has_a_gap_longer_than_the_rule():
    body, series = recorded()
    step = body["step"]
    gaps = [
        b[0] - a[0] for s in series for a, b in itertools.pairwise(s.points) if b[0] - a[0] > report.GAP_STEPS * step
    ]
    assert gaps and min(gaps) > 60, "the recording should hold the pause between the two runs"


def test_no_line_of_a_chart_spans_a_period_without_samples():
    body, series = recorded()
    step = body["step"]
    panel = Panel(title="Rows per batch", unit="rows", targets=())
    fig = report.chart_figure(
        panel, [("rows", s) for s in series], step, (series[0].points[0][0], series[0].points[-1][0])
    )
    lines = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "-"]
    assert len(lines) == len(series)
    import matplotlib.dates as mdates

    for line in lines:
        xs = [mdates.date2num(x) * 86400 for x in line.get_xdata()]
        ys = list(line.get_ydata())
        segments = [
            (xs[i], xs[i + 1]) for i in range(len(xs) - 1) if not math.isnan(ys[i]) and not math.isnan(ys[i + 1])
        ]
        assert segments, "the runs themselves should be drawn"
        assert max(b - a for a, b in segments) <= report.GAP_STEPS * step + 1e-3
        assert sum(math.isnan(y) for y in ys) >= 1, "the pause should be a break in the line"


def test_gapped_breaks_only_where_samples_are_missing():
    points = [(0, 1.0), (5, 2.0), (10, float("inf")), (15, 3.0), (100, 4.0), (105, 5.0)]
    out = report.gapped(points, 5)
    assert [t for t, _ in out] == [0, 5, 10, 15, 57.5, 100, 105]
    assert [math.isnan(v) for _, v in out] == [False, False, True, False, True, False, False]
