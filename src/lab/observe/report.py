"""`make report`: the course's performance report, from Prometheus, without Grafana, in the
learner's language (Spanish with LAB_LANG=es or a Spanish locale, English otherwise).

Contract: `runs(prom, job, start, end)` lists the runs of a job's main query that Prometheus saw
in [start, end], oldest first, told apart by Spark's run id (the listener's
streaming_query_started_timestamp_seconds): their start, end, batches and rows. `build(settings,
job, start, end, run=None, lang=None)` reports one of them, the latest unless `run` names another
(a run id, or its first characters, or its number in the list), and writes
reports/<job>-<UTC time>/ with:
- report.html: self-contained (charts embedded as PNG), its text the summary's Markdown rendered
  by lab.observe.mdhtml (Python-Markdown);
- report.md: a summary with the same figures;
- figures.json: the figures with machine-readable keys, in any language. `verdict` is the code
  "keeps up" or "falls behind"; a percentile is {"value", "above"};
- one PNG per chart.
Every text is in `lang` (default: streamlab.i18n.language()), from src/lab/messages/report.toml
(and panels.toml for the charts); numbers as the language writes them (lab.observe.units).

The figures and the verdict come from the chosen run only. A run's first batch reads what waited
in Kafka when it started (from the starting offsets, or from the checkpoint's), a backlog that
may dwarf the rest: the report says what it read and why (the listener exports its id, rows and
duration), and gives the rates of the steady state (the batches after it) beside the whole run's.
Percentiles are Prometheus' estimate from the histograms' buckets (histogram_quantile's
interpolation, `quantile`) over the run's final counts; one beyond the top finite bucket is a
lower bound, written "> 600 s".

The charts are the dashboards' own panels (src/lab/observe/dashboards.py), so the report and
Grafana show the same things; like Grafana, they leave a gap where Prometheus has no samples
rather than draw a line across it, and they mark the run's start and end. The verdict is "keeps
up" or "falls behind" by the lab's one rule (src/lab/observe/verdict.py), with the evidence. The
tuning hints are drawn from the same numbers; their thresholds are lab.observe.hints.THRESHOLDS.

This module is the report's entry (lab.cli's `report` command): it assembles and writes the
report, and its names below are the report's API. Each part lives in a module of its own:
  wording     report.toml (TEXT) and ReportError
  prometheus  the HTTP query client (Prometheus, Series)
  runs        a job's runs: finding, picking, listing them (Run, runs, pick, list_text, no_runs)
  figures     one run's figures (Figures, Percentile, figures, quantile)
  evidence    the verdict with its evidence (verdict, KEEPS_UP, FALLS_BEHIND)
  hints       the tuning hints (hints, THRESHOLDS)
  chart       the dashboards' panels as PNG (chart_figure, gapped, GAP_STEPS)
  summary     the summary's Markdown (summary_markdown, head)
  pages       the templates (templates/*.j2): report.md and report.html

Not for: comparing runs (see `make bench`). A report describes one run of one job.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lab.config.settings import ROOT, Settings
from lab.observe import pages
from lab.observe.chart import GAP_STEPS, chart_figure, charts, gapped
from lab.observe.evidence import FALLS_BEHIND, KEEPS_UP, verdict, verdict_text
from lab.observe.figures import Figures, Percentile, figures, quantile
from lab.observe.hints import THRESHOLDS, hints
from lab.observe.prometheus import Prometheus, Series
from lab.observe.runs import Run, clock, list_text, no_runs, pick, runs
from lab.observe.summary import head, summary_markdown
from lab.observe.wording import TEXT, ReportError
from streamlab.i18n import language

__all__ = [
    "FALLS_BEHIND",
    "GAP_STEPS",
    "KEEPS_UP",
    "REPORTS_DIR",
    "TEXT",
    "THRESHOLDS",
    "Figures",
    "Percentile",
    "Prometheus",
    "ReportError",
    "Run",
    "Series",
    "Summary",
    "assemble",
    "build",
    "chart_figure",
    "figures",
    "gapped",
    "head",
    "hints",
    "list_text",
    "no_runs",
    "pick",
    "quantile",
    "runs",
    "verdict",
    "verdict_text",
]

REPORTS_DIR = ROOT / "reports"
MIN_STEP = 5.0  # seconds: the charts' and range queries' finest step
STEPS_PER_RUN = 200  # a longer run gets a coarser step, so a chart has about this many points


@dataclass
class Summary:
    """One run's report without its charts: what `assemble` finds, and its Markdown."""

    run: Run
    found: list[Run]
    figures: Figures
    verdict: str  # KEEPS_UP or FALLS_BEHIND
    step: float  # the charts' step, seconds
    markdown: str


def assemble(
    prom: Prometheus,
    settings: Settings,
    job: str,
    start: float,
    end: float,
    trigger_seconds: float | None = None,
    run: str | None = None,
    lang: str = "en",
    generated: str | None = None,
) -> Summary:
    """The run `run` names among those of `job` in [start, end] (the latest by default), its
    figures, verdict and hints, and the summary's Markdown in `lang`, generated at `generated`
    (default: now)."""
    if end <= start:
        raise ReportError("empty_range")
    found = runs(prom, job, start, end)
    if not found:
        raise ReportError("no_runs", job=job, start=clock(start), end=clock(end))
    chosen = pick(found, run)
    step = max(MIN_STEP, (chosen.end - chosen.start) / STEPS_PER_RUN)
    f = figures(prom, job, chosen, step)
    f.trigger_seconds = trigger_seconds
    code, evidence = verdict(f, lang)
    tips = hints(f, settings, code, lang)
    text = summary_markdown(job, chosen, found, f, code, evidence, tips, lang, generated)
    return Summary(chosen, found, f, code, step, text)


def build(
    settings: Settings,
    job: str,
    start: float,
    end: float,
    out_root: Path = REPORTS_DIR,
    trigger_seconds: float | None = None,
    run: str | None = None,
    lang: str | None = None,
) -> Path:
    """Report one run of `job` among those in [start, end] (see the module's contract)."""
    lang = lang or language()
    prom = Prometheus.of(settings)
    s = assemble(prom, settings, job, start, end, trigger_seconds, run, lang)
    stamp = datetime.fromtimestamp(s.run.end, UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out_root / f"{job}-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    drawn = charts(prom, job, s.run, s.step, lang)
    for chart in drawn:
        (out / chart.file).write_bytes(chart.png)
    (out / "report.md").write_text(pages.report_markdown(s.markdown, drawn, lang))
    (out / "report.html").write_text(pages.report_html(job, s.markdown, drawn, lang))
    figures_json = {
        "verdict": s.verdict,
        "language": lang,
        "run_id": s.run.run_id,
        "runs_in_window": len(s.found),
        **dataclasses.asdict(s.figures),
    }
    (out / "figures.json").write_text(json.dumps(figures_json, indent=2, default=str) + "\n")
    return out
