"""The report's HTML (Markdown through Python-Markdown) and its Prometheus client's errors; no
Prometheus needed."""

import socket
from html.parser import HTMLParser

import pytest

from lab import report
from lab.settings import load

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
    summary = report._summary(
        "windowing", 1_780_000_000, 1_780_000_600, f, text, evidence, report.hints(f, load(), text)
    )
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
