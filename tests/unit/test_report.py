"""The report's HTML (Markdown through Python-Markdown), its runs, its charts' gaps, its figures and
its text in both languages (on Prometheus JSON recorded from the lab, tests/unit/data/README.md),
and its Prometheus client's errors; no Prometheus needed."""

import itertools
import json
import math
import socket
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lab.config.settings import load
from lab.observe import report, units
from lab.observe.dashboards import STREAMING, Panel
from lab.observe.figures import rates
from lab.observe.pages import report_html
from lab.observe.summary import figure_rows, first_batch, percentiles, summary_markdown
from tests.support.language import english_lines
from tests.support.promrecord import Replay

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "prometheus_two_runs.json"

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


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """What the process prints (errors, lists) is in LAB_LANG's language: English here, whatever the
    machine's locale, unless a test says Spanish."""
    monkeypatch.setenv("LAB_LANG", "en")


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
    page = Page(report_html("windowing", SMALL, []))
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
        seconds=600,
        rows=60000,
        batches=12,
        batch_seconds=30,
        first_batch_id=0,
        first_batch_rows=5000,
        first_batch_seconds=4,
        lag_start=10,
        lag_end=5,
        batch_p50=report.Percentile(0.8),
        batch_p95=report.Percentile(1.5),
        gc_share=0.2,
        late_dropped=3,
        trigger_seconds=5,
    )
    rates(f)
    code, evidence = report.verdict(f)
    run = report.Run("3f2a9c1e-0000-4000-8000-000000000000", 1_780_000_000, 1_780_000_600, 12, 60000)
    summary = summary_markdown("windowing", run, [run], f, code, evidence, report.hints(f, load(), code))
    html = report_html("windowing", summary, [])
    page = Page(html)
    [table] = page.all("table")
    body_rows = summary.count("\n| ") - 1  # every table line of the Markdown but the header
    assert len(page.all("tr")) == 1 + body_rows and len(page.all("th")) == 2
    assert len(page.all("ul")) == 2 and all(li["parents"][-1] == "ul" for li in page.all("li"))
    assert "th,td{border:1px solid #ccc;padding:4px 8px}table{border-collapse:collapse}" in html
    assert "|---" not in "".join(page.text) and "**" not in "".join(page.text)
    assert html.startswith("<!doctype html><html lang='en'>")


def test_html_in_the_text_stays_text():
    page = Page(report_html("<b>job</b>", "# Performance report: <b>job</b> & co\n", []))
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
    text = report.list_text("windowing", [run(1, 1_780_000_000, 45, 36_000), run(2, 1_780_000_300, 150, 120_500)], "en")
    lines = text.splitlines()
    assert lines[0].split() == ["#", "run", "id", "start", "(UTC)", "end", "seconds", "batches", "rows"]
    assert lines[1].split() == ["1", "1111abcd", "2026-05-28", "20:26:40", "20:27:25", "45", "10", "36,000"]
    assert lines[2].split() == ["2", "2222abcd", "2026-05-28", "20:31:40", "20:34:10", "150", "10", "120,500"]
    assert lines[-1].startswith("make report JOB=windowing RUN=")


def test_the_list_in_spanish():
    text = report.list_text("windowing", [run(1, 1_780_000_000, 45, 36_000), run(2, 1_780_000_300, 150, 120_500)], "es")
    lines = text.splitlines()
    assert lines[0].split() == ["#", "run", "id", "inicio", "(UTC)", "fin", "segundos", "batches", "filas"]
    assert lines[2].split() == ["2", "2222abcd", "2026-05-28", "20:31:40", "20:34:10", "150", "10", "120.500"]
    assert lines[-1] == (
        "make report JOB=windowing RUN=<# o run id> hace el reporte de una de ellas; sin RUN=, el de la última."
    )
    assert english_lines(text) == []
    # the columns stay aligned under their headings, whatever their width in either language
    assert [len(line) for line in lines[:3]] == [len(lines[0])] * 3


def test_a_summary_over_several_runs_says_which_one_it_covers():
    runs = [run(1, 1000), run(2, 2000)]
    f = report.Figures(trigger_seconds=5)
    code, evidence = report.verdict(f)
    summary = summary_markdown("windowing", runs[1], runs, f, code, evidence, [])
    assert "Run 2222abcd: " in summary
    assert "The time range held 2 runs of windowing; this report covers run 2 (the latest)" in summary
    assert "`make report JOB=windowing LIST=1` lists them" in summary
    spanish = summary_markdown("windowing", runs[1], runs, f, code, report.verdict(f, "es")[1], [], "es")
    assert (
        "El rango de tiempo tuvo 2 ejecuciones de windowing; este reporte cubre la ejecución 2 (la última)" in spanish
    )


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
    panel = Panel(title="Rows per batch", unit="short", targets=())
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


# --- a real run's figures, recorded from the lab's Prometheus ---------------------------------------


def summary_of(recording: str, lang: str) -> report.Summary:
    """The report of the recording's latest run, as `make report` assembles it (no charts)."""
    prom = Replay(DATA / recording)
    start, end = prom.recorded["start"], prom.recorded["end"]
    return report.assemble(prom, load(), "windowing", start, end, 5.0, None, lang, "2026-12-06 08:21:00")


def section(markdown: str, heading: str) -> list[str]:
    """The non-empty lines under `## heading`, up to the next heading."""
    lines = markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    return [line for line in lines if line]


def table(markdown: str, heading: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in section(markdown, heading)[2:]]


def test_a_run_that_read_a_backlog_says_what_its_first_batch_read_and_gives_both_rates():
    """windowing started without a checkpoint on a topic holding 17 minutes of events: its first batch
    read 26,995 rows in 31.6 s, then 22 batches read 4,352 rows over 119 s (tests/unit/data/README.md).
    Every figure agrees with the others: 4,352 / 119.4 s = 36.5 rows/s; 31,347 / 151 s = 208 rows/s."""
    s = summary_of("prometheus_windowing_backlog.json", "en")
    assert s.verdict == report.KEEPS_UP and s.figures.first_batch_rows == 26_995
    assert section(s.markdown, "First batch") == [
        "Batch 0 read 26,995 rows in 31.6 s: the query started without a checkpoint, so it read from its starting "
        "offsets (`--starting-offsets`; `earliest`, the default, reads what the topic holds). That is 86% of the "
        "run's rows.",
        "The steady state is the 22 batches after it: 4,352 rows over 119 s, 101 s of it inside batches. The figures "
        "below give the rates of both apart: a backlog read at once says nothing of the rate events arrive at.",
    ]
    assert table(s.markdown, "Figures") == [
        ["rows read", "31,347 in 23 batches, over 151 s"],
        ["first batch (batch 0)", "26,995 rows in 31.6 s (853 rows/s)"],
        ["after the first batch", "4,352 rows in 22 batches over 119 s; 101 s inside batches"],
        ["input rate: steady state / whole run", "36.5 rows/s / 208 rows/s"],
        ["processing rate, rows per second of batch time: steady state / whole run", "42.9 rows/s / 236 rows/s"],
        ["batch duration p50 / p95", "4.5 s / 27.0 s"],
        ["event latency p50 / p95 / p99", "7.4 s / 29.3 s / > 600 s"],
        ["Kafka lag (worst partition): after the first batch → at the end", "0 → 0 offsets"],
        ["state rows (peak)", "50"],
        ["state memory (peak)", "15.1 KiB"],
        ["late rows dropped", "0"],
        ["executor GC share", "1.3%"],
    ]
    assert section(s.markdown, "Verdict: **keeps up**")[0] == (
        "- input 36.5 rows/s in steady state, the batches after the first (4,352 rows in 119 s)"
    )
    # The report's head, what `lab report` prints: down to the figures, the first batch's paragraph included.
    head = report.head(s.markdown, "en")
    assert head.startswith("# Performance report: windowing\n") and head.endswith("arrive at.")


def test_the_same_run_in_spanish_has_no_english_sentence():
    s = summary_of("prometheus_windowing_backlog.json", "es")
    assert english_lines(s.markdown) == []
    assert s.markdown.startswith("# Reporte de performance: windowing\n\nEjecución 3801fc69: de 2026-12-06 08:18:08 ")
    assert section(s.markdown, "Veredicto: **da abasto**") == [
        "- entrada de 36,5 filas/s en régimen estable, los batches tras el primero (4.352 filas en 119 s)",
        "- el retraso de Kafka (lag, la peor partición) pasó de 0 offsets tras el primer batch a 0 al final, con una "
        "tendencia de +0,0 offsets/s; dar abasto permite un retraso de 1.000 (10 s de entrada más el trigger, al menos "
        "1.000) que crezca como mucho un 10 % de la tasa de entrada",
        "- veredicto: da abasto: el retraso se queda dentro de lo permitido o no crece",
    ]
    assert section(s.markdown, "El primer batch")[0] == (
        "El batch 0 leyó 26.995 filas en 31,6 s: la consulta arrancó sin checkpoint, así que leyó desde sus offsets "
        "iniciales (`--starting-offsets`; `earliest`, el valor por defecto, lee lo que guarda el topic). Son el 86 % "
        "de las filas de la ejecución."
    )
    assert table(s.markdown, "Cifras") == [
        ["filas leídas", "31.347 en 23 batches, en 151 s"],
        ["primer batch (batch 0)", "26.995 filas en 31,6 s (853 filas/s)"],
        ["tras el primer batch", "4.352 filas en 22 batches durante 119 s; 101 s dentro de batches"],
        ["tasa de entrada: régimen estable / toda la ejecución", "36,5 filas/s / 208 filas/s"],
        [
            "tasa de procesamiento, filas por segundo de batch: régimen estable / toda la ejecución",
            "42,9 filas/s / 236 filas/s",
        ],
        ["duración de un batch p50 / p95", "4,5 s / 27,0 s"],
        ["latencia de eventos p50 / p95 / p99", "7,4 s / 29,3 s / > 600 s"],
        ["retraso de Kafka (lag, peor partición): tras el primer batch → al final", "0 → 0 offsets"],
        ["filas del estado (máximo)", "50"],
        ["memoria del estado (máximo)", "15,1 KiB"],
        ["filas tardías descartadas", "0"],
        ["parte del tiempo de los executors en GC", "1,3 %"],
    ]
    assert section(s.markdown, "Pistas de ajuste")[0] == (
        "- Según los umbrales del laboratorio, esta ejecución no necesita ningún ajuste."
    )
    assert report.head(s.markdown, "es").endswith("no dice nada del ritmo al que llegan los eventos.")
    page = report_html("windowing", s.markdown, [], "es")
    assert (
        page.startswith("<!doctype html><html lang='es'>")
        and "<title>Reporte de performance: windowing</title>" in page
    )


def test_a_run_resumed_from_its_checkpoint_says_its_first_batch_read_what_came_while_it_was_stopped():
    """windowing again on the same checkpoint, about 2 minutes later: its first batch is batch 22. That
    batch took 62.3 s, beyond the top bucket of batch durations (60 s): the p95 is a lower bound."""
    for lang, first, batch in (
        (
            "en",
            "Batch 22 read 4,524 rows in 62.3 s: the query resumed from its checkpoint, so its first batch read what "
            "had arrived while it was stopped, from the offsets the checkpoint kept. That is 55% of the run's rows.",
            ["batch duration p50 / p95", "13.3 s / > 60 s"],
        ),
        (
            "es",
            "El batch 22 leyó 4.524 filas en 62,3 s: la consulta retomó su checkpoint, así que su primer batch leyó lo "
            "que llegó mientras estaba parada, desde los offsets que guardó el checkpoint. Son el 55 % de las filas de "
            "la ejecución.",
            ["duración de un batch p50 / p95", "13,3 s / > 60 s"],
        ),
    ):
        s = summary_of("prometheus_windowing_resumed.json", lang)
        assert len(s.found) == 2 and s.run is s.found[-1]
        heading = "First batch" if lang == "en" else "El primer batch"
        assert section(s.markdown, heading)[0] == first
        assert batch in table(s.markdown, "Figures" if lang == "en" else "Cifras")
    assert english_lines(s.markdown) == []


# --- figures as a reader reads them ------------------------------------------------------------------


def test_a_percentile_is_prometheus_estimate_and_beyond_the_top_bucket_a_lower_bound():
    latency = {0.1: 0, 1: 10, 10: 40, 600: 97, math.inf: 100}  # cumulative, as histogram buckets are
    assert report.quantile(0.5, latency) == report.Percentile(10 + 590 * (50 - 40) / 57)
    assert report.quantile(0.05, latency) == report.Percentile(0.1 + 0.9 * 5 / 10)
    assert report.quantile(0.1, latency) == report.Percentile(1.0)  # the rank on a bound: that bound
    assert report.quantile(0.99, latency) == report.Percentile(600, above=True)  # in +Inf: 600 as Prometheus says
    assert report.quantile(0.5, {1: 0, math.inf: 0}) is None, "no observations"
    assert report.quantile(0.5, {1: 3}) is None, "no +Inf bucket: not a histogram"
    assert percentiles([report.quantile(0.99, latency), None], "en") == "> 600 s / n/a"
    assert percentiles([report.quantile(0.99, latency), None], "es") == "> 600 s / n/d"


@pytest.mark.parametrize(
    "value, en, es",
    [
        (0, "0 s", "0 s"),
        (0.0004, "< 1 ms", "< 1 ms"),
        (0.0042, "4.2 ms", "4,2 ms"),
        (0.25, "250 ms", "250 ms"),
        (1.529, "1.5 s", "1,5 s"),
        (5.0, "5 s", "5 s"),
        (104.4, "104 s", "104 s"),
        (1234.0, "1,234 s", "1.234 s"),
    ],
)
def test_durations_keep_small_values_and_no_false_precision(value, en, es):
    assert (units.duration(value, "en"), units.duration(value, "es")) == (en, es)


@pytest.mark.parametrize(
    "value, en, es",
    [
        (512, "512 B", "512 B"),
        (10_136, "9.9 KiB", "9,9 KiB"),
        (3 * 2**20, "3.0 MiB", "3,0 MiB"),
        (5.5 * 2**30, "5.5 GiB", "5,5 GiB"),
    ],
)
def test_sizes_are_in_the_unit_that_shows_them(value, en, es):
    assert (units.size(value, "en"), units.size(value, "es")) == (en, es)


def test_rates_shares_and_missing_values_in_both_languages():
    assert (units.rate(29.14, "en"), units.rate(29.14, "es")) == ("29.1 rows/s", "29,1 filas/s")
    assert (units.rate(1282.1, "en"), units.rate(1282.1, "es")) == ("1,282 rows/s", "1.282 filas/s")
    assert units.rate(0.0, "en") == "0 rows/s"
    assert (units.share(0.005, "en"), units.share(0.005, "es")) == ("0.5%", "0,5 %")
    assert (units.count(None, "en"), units.size(None, "es")) == ("n/a", "n/d")


def figures(**counts) -> report.Figures:
    f = report.Figures(**counts)
    rates(f)
    return f


def test_a_run_with_one_batch_has_no_steady_state_and_says_so():
    f = figures(seconds=40, rows=12_000, batches=1, batch_seconds=8, first_batch_id=0, first_batch_rows=12_000,
                first_batch_seconds=8)  # fmt: skip
    assert f.input_rate_steady is None and f.input_rate_run == 300 and f.processed_rate_first == 1500
    assert first_batch(f, "en")[-1] == "No batch ran after it: the run has no steady state to measure apart."
    rows = dict(figure_rows(f, "en"))
    assert rows["after the first batch"] == "no batch after the first"
    assert rows["input rate: steady state / whole run"] == "no batch after the first / 300 rows/s"
    assert report.verdict(f)[1][0] == (
        "input 300 rows/s over the whole run (no batch after the first tells a steady state apart)"
    )


def test_an_idle_steady_state_reads_zero_rows_per_second_not_a_rate_of_nothing():
    f = figures(seconds=100, rows=500, batches=5, batch_seconds=3, first_batch_id=4, first_batch_rows=500,
                first_batch_seconds=2)  # fmt: skip
    assert (f.steady_rows, f.input_rate_steady, f.processed_rate_steady) == (0, 0, None)
    rows = dict(figure_rows(f, "en"))
    assert rows["input rate: steady state / whole run"] == "0 rows/s / 5 rows/s"
    assert rows["processing rate, rows per second of batch time: steady state / whole run"] == "n/a / 167 rows/s"
    empty = figures(seconds=30, rows=0, batches=1, batch_seconds=1, first_batch_id=0, first_batch_rows=0,
                    first_batch_seconds=1)  # fmt: skip
    assert first_batch(empty, "es")[0] == (
        "El batch 0 no leyó ninguna fila, en 1 s: la consulta arrancó sin checkpoint y no había nada esperando en sus "
        "offsets iniciales (`--starting-offsets latest` empieza por el final del topic)."
    )


def test_without_the_first_batch_figures_the_rates_are_the_whole_runs_and_the_report_says_why():
    f = figures(seconds=100, rows=5_000, batches=10, batch_seconds=20)
    assert (f.input_rate_run, f.input_rate_steady, f.input_rate) == (50, None, 50)
    assert first_batch(f, "en") == [
        "Prometheus holds no figures of this run's first batch (its listener predates "
        "`streaming_first_batch_input_rows`): the rates below are the whole run's, first batch included."
    ]
    assert "first batch (batch n/a)" not in dict(figure_rows(f, "en"))
    assert first_batch(figures(), "es") == ["La ejecución no completó ningún batch."]


def test_every_hint_in_spanish_is_spanish():
    f = figures(
        seconds=100,
        rows=90_000,
        batches=10,
        batch_seconds=95,
        first_batch_id=0,
        first_batch_rows=9_000,
        first_batch_seconds=9,
        lag_start=100,
        lag_end=50_000,
        lag_slope=400,
        batch_p95=report.Percentile(60, above=True),
        state_rows_max=2_000_000,
        state_bytes_max=300 * 2**20,
        gc_share=0.25,
        late_dropped=12,
        trigger_seconds=5,
    )
    settings = load().overridden({"SPARK_SHUFFLE_PARTITIONS": "200"})
    code, evidence = report.verdict(f, "es")
    tips = report.hints(f, settings, code, "es")
    assert code == report.FALLS_BEHIND and len(tips) == 6
    assert tips[2] == (
        "Los batches tardan > 60 s en el p95, más que el trigger de 5 s: lo que limita el rendimiento no es el "
        "intervalo del trigger, es el procesamiento."
    )
    assert tips[3] == (
        "El estado llegó a 2.000.000 filas / 300,0 MiB: prueba el almacén de estado RocksDB "
        "(spark.sql.streaming.stateStore.providerClass) con changelog checkpointing."
    )
    assert english_lines("\n".join([*evidence, *tips])) == []
    assert len(english_lines("\n".join(report.hints(f, settings, code, "en")))) == 6
    few = load().overridden({"SPARK_SHUFFLE_PARTITIONS": "1"})
    shorter = figures(batch_p50=report.Percentile(0.4), trigger_seconds=5)
    assert english_lines("\n".join(report.hints(shorter, few, report.KEEPS_UP, "es"))) == []


def test_errors_are_one_line_in_the_learners_language(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    with pytest.raises(report.ReportError) as caught:
        report.pick([run(1, 1000), run(2, 2000)], "9")
    assert str(caught.value) == "'9' no señala una sola ejecución; las ejecuciones son 1 (1111abcd), 2 (2222abcd)"
    assert report.no_runs("windowing", 1_780_000_000, 1_780_003_600) == (
        "Prometheus no tiene ninguna ejecución del job 'windowing' entre las 20:26:40 y las 21:26:40 UTC: ejecútalo "
        "primero (make submit JOB=windowing) y pon SINCE= para que cubra la ejecución"
    )
    assert caught.value.text("en") == "no single run matches '9'; the runs are 1 (1111abcd), 2 (2222abcd)"


def test_a_chart_in_spanish_has_spanish_words_and_decimal_commas():
    panel = STREAMING.panels[0]  # Input vs processed rate
    series = [
        ("entrada windowing", report.Series({}, [(1000.0 + 5 * i, 0.05 * i) for i in range(20)])),
    ]
    fig = report.chart_figure(panel, series, 5, (1000.0, 1095.0), "es")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.get_title() == "Tasa de entrada frente a tasa de procesamiento"
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("por segundo", "hora (UTC)")
    assert [t.get_text() for t in ax.texts] == ["inicio de la ejecución", "fin de la ejecución"]
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks) and not any("." in t for t in ticks), ticks
    memory = Panel("State memory", (), "bytes")
    fig = report.chart_figure(memory, [("windowing", report.Series({}, [(1000.0, 10_136), (1005.0, 15_500)]))], 5,
                              (1000.0, 1005.0), "es")  # fmt: skip
    fig.canvas.draw()
    assert fig.axes[0].get_title() == "Memoria del estado"
    assert all(t.get_text().endswith("KiB") for t in fig.axes[0].get_yticklabels() if t.get_text())


def test_what_lab_report_prints_on_bad_input_is_one_spanish_line(monkeypatch, capsys):
    """`LAB_LANG=es make report SINCE=…` and a Prometheus that does not answer: one line each, exit 1."""
    import argparse

    from lab import cli
    from lab.errors import LabError, report

    def run(args) -> int:  # as cli.main runs a handler: its LabError said in one line
        try:
            return cli._report(None, args, [], settings)
        except LabError as exc:
            return report(exc)

    monkeypatch.setenv("LAB_LANG", "es")
    with socket.socket() as s:  # a free port, closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = load().overridden({"PROMETHEUS_PORT": str(port)})
    args = dict(job="windowing", since="24h", start=None, end=None, trigger_seconds=5.0, run=None, list=False)
    assert run(argparse.Namespace(**{**args, "since": "nope"})) == 1
    assert capsys.readouterr().err == "error: SINCE=nope no es un lapso de tiempo: prueba con 15m, 2h o 24h\n"
    assert run(argparse.Namespace(**{**args, "list": True})) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: Prometheus en http://127.0.0.1:{port} no responde (") and err.count("\n") == 1
    assert err.endswith("): ¿está el laboratorio en marcha?\n")
