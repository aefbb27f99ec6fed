"""The report's charts: the dashboards' own panels (lab.observe.dashboards) drawn with matplotlib,
so the report and Grafana show the same things.

Contract: `charts(prom, job, run, step, lang)` draws every panel of every dashboard over the run
and MARGIN_STEPS steps either side (the streaming board for `job`, the others for the whole lab),
and returns the ones with data as `Chart`s: the board's and panel's titles in `lang`, the PNG's
file name (<board uid>-<nn>.png) and its bytes. `chart_figure` draws one panel's series as a
matplotlib Figure. Like Grafana, a line breaks where Prometheus has no samples (`gapped`: points
more than GAP_STEPS steps apart); dashed lines mark the run's start and end; words are in `lang`
(src/lab/messages/panels.toml through lab.observe.panel_text, report.toml), numbers with the
language's decimal mark (lab.observe.units). matplotlib's Agg backend: no display needed.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from lab.observe import panel_text, units
from lab.observe.dashboards import DASHBOARDS, STREAMING, Panel, expand
from lab.observe.prometheus import Prometheus, Series
from lab.observe.runs import Run
from lab.observe.wording import TEXT

GAP_STEPS = 3  # points further apart than this many steps have a gap between them: no line drawn
MARGIN_STEPS = 4  # the charts show this many steps either side of the run, so its start and end show
MAX_LEGEND = 8  # more lines than this: no legend, it would hide the chart


@dataclass
class Chart:
    board: str  # the dashboard's title, in the report's language
    panel: str  # the panel's title
    file: str  # the PNG's name in the report's folder
    png: bytes


def gapped(points: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """`points` with a NaN between any two further apart than GAP_STEPS steps, and NaN for values
    that are not finite: matplotlib breaks a line at NaN, as Grafana leaves periods without samples empty."""
    out: list[tuple[float, float]] = []
    for t, v in points:
        if out and t - out[-1][0] > GAP_STEPS * step:
            out.append(((out[-1][0] + t) / 2, math.nan))
        out.append((t, v if math.isfinite(v) else math.nan))
    return out


def _y_formatter(unit: str, lang: str):
    """The y axis' tick labels: sizes for bytes, percentages for shares, else plain numbers, with a
    decimal comma in Spanish."""
    from matplotlib import ticker

    if unit in ("bytes", "Bps"):
        return ticker.FuncFormatter(lambda v, _: units.size(v, lang))
    if unit == "percentunit":
        return ticker.FuncFormatter(lambda v, _: units.share(v, lang))

    class Plain(ticker.ScalarFormatter):
        def __call__(self, x, pos=None):
            text = super().__call__(x, pos)
            return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text

    return Plain()


def _mark(ax, t: float, code: str, lang: str) -> None:
    """A dashed vertical line at `t`, labelled with report.toml's `code`."""
    ax.axvline(datetime.fromtimestamp(t, UTC), color="#888", linestyle="--", linewidth=0.8)
    ax.annotate(
        TEXT.text(code, lang),
        (datetime.fromtimestamp(t, UTC), 0.02),  # at the bottom: the legend sits at the top left
        xycoords=("data", "axes fraction"),
        fontsize=6,
        color="#666",
        rotation=90,
        va="bottom",
        ha="right",
    )


def chart_figure(
    panel: Panel, series: list[tuple[str, Series]], step: float, marks: tuple[float, float], lang: str = "en"
):
    """The panel's chart as a matplotlib Figure (None if no series has a finite value): one line per
    (label, series), broken at gaps, and dashed lines at `marks`, the run's start and end; its
    words in `lang`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = [(label, gapped(s.points, step)) for label, s in series]
    drawn = [(label, pts) for label, pts in drawn if any(not math.isnan(v) for _, v in pts)]
    if not drawn:
        return None
    fig, ax = plt.subplots(figsize=(7, 2.8), dpi=90)
    for label, pts in drawn:
        ax.plot([datetime.fromtimestamp(t, UTC) for t, _ in pts], [v for _, v in pts], label=label, linewidth=1.2)
    for t, code in zip(marks, ("chart_run_start", "chart_run_end"), strict=True):
        _mark(ax, t, code, lang)
    ax.set_title(panel_text.title(panel, lang), fontsize=10)
    ax.set_ylabel(panel_text.axis(panel.unit, lang), fontsize=8)
    ax.set_xlabel(TEXT.text("chart_time", lang), fontsize=7)
    ax.yaxis.set_major_formatter(_y_formatter(panel.unit, lang))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    if len(drawn) <= MAX_LEGEND:
        ax.legend(fontsize=7, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def _png(prom: Prometheus, panel: Panel, job: str, run: Run, step: float, lang: str) -> bytes | None:
    """The panel over the run and its margins as PNG bytes; None without data."""
    start, end = run.start - MARGIN_STEPS * step, run.end + MARGIN_STEPS * step
    series = []
    for target in panel.targets:
        for s in prom.range(expand(target.expr, job=job), start, end, step):
            label = panel_text.legend(target.legend, lang)
            for key, value in s.labels.items():
                label = label.replace("{{" + key + "}}", value)
            series.append((label or target.expr[:40], s))
    fig = chart_figure(panel, series, step, (run.start, run.end), lang)
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def charts(prom: Prometheus, job: str, run: Run, step: float, lang: str) -> list[Chart]:
    """Every dashboard panel with data over the run, in the dashboards' order."""
    out: list[Chart] = []
    for board in DASHBOARDS:
        for panel in board.panels:
            png = _png(prom, panel, job if board is STREAMING else ".*", run, step, lang)
            if png:
                name = f"{board.uid}-{len(out):02d}.png"
                out.append(Chart(panel_text.board(board, lang), panel_text.title(panel, lang), name, png))
    return out
