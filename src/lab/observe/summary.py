"""The report's summary: one run's figures, verdict and hints as Markdown, in the learner's language
(templates/summary.md.j2, its words from src/lab/messages/report.toml).

Contract: `summary_markdown(job, run, found, figures, code, evidence, hints, lang, generated)` is
the summary of `run` among the runs `found`: a header (the run, and which of several it is), the
verdict and its evidence, what the first batch read and why, the figures' table, the hints and
the notes on latency and percentiles. `first_batch` is the first batch's paragraphs and
`figure_rows` the table's (measure, value) rows, each in `lang`. `head(summary_md, lang)` is the
summary down to its figures: what `lab report` prints. Numbers as `lang` writes them
(lab.observe.units).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from lab.observe import units
from lab.observe.evidence import verdict_text
from lab.observe.figures import Figures, Percentile
from lab.observe.pages import render
from lab.observe.runs import Run
from lab.observe.wording import TEXT
from streamlab.metric_catalog import DURATION_BUCKETS, LATENCY_BUCKETS


def batches(n: float, lang: str) -> str:
    return TEXT.text("batches_one", lang) if n == 1 else TEXT.text("batches", lang, count=units.count(n, lang))


def percentiles(found: list[Percentile | None], lang: str) -> str:
    return " / ".join(units.duration(p.value, lang, p.above) if p else units.not_available(lang) for p in found)


def _steady(f: Figures, lang: str) -> str:
    return TEXT.text(
        "steady_one" if f.steady_batches == 1 else "steady",
        lang,
        batches=batches(f.steady_batches, lang),
        rows=units.count(f.steady_rows, lang),
        seconds=units.duration(f.steady_seconds, lang),
        batch_seconds=units.duration(f.steady_batch_seconds, lang),
    )


def first_batch(f: Figures, lang: str) -> list[str]:
    """The first batch's paragraphs: what it read and why, and what the steady state is."""
    if f.batches < 1:
        return [TEXT.text("no_batch", lang)]
    if f.first_batch_rows is None or f.first_batch_id is None:
        return [TEXT.text("first_unknown", lang)]
    resumed = f.first_batch_id > 0
    params = {"batch": units.count(f.first_batch_id, lang), "seconds": units.duration(f.first_batch_seconds, lang)}
    if f.first_batch_rows:
        share = units.share(f.first_batch_rows / f.rows if f.rows else 1.0, lang, 0)
        params |= {"rows": units.count(f.first_batch_rows, lang), "share": share}
        first = TEXT.text("first_resumed" if resumed else "first_new", lang, **params)
    else:
        first = TEXT.text("first_resumed_empty" if resumed else "first_new_empty", lang, **params)
    if f.steady_batches < 1:
        return [first, TEXT.text("no_steady", lang)]
    return [first, _steady(f, lang)]


def _batch_rows(f: Figures, lang: str) -> list[tuple[str, str]]:
    """The rows read, then the first batch and the batches after it apart, when Prometheus has them."""
    t = TEXT.text
    read = t(
        "value_rows",
        lang,
        rows=units.count(f.rows, lang),
        batches=batches(f.batches, lang),
        seconds=units.duration(f.seconds, lang),
    )
    rows = [(t("row_rows", lang), read)]
    if f.first_batch_rows is None or f.batches < 1:
        return rows
    first = t(
        "value_first",
        lang,
        rows=units.count(f.first_batch_rows, lang),
        seconds=units.duration(f.first_batch_seconds, lang),
        rate=units.rate(f.processed_rate_first, lang),
    )
    rows.append((t("row_first", lang, batch=units.count(f.first_batch_id, lang)), first))
    if f.steady_batches < 1:
        return [*rows, (t("row_after", lang), t("no_batch_after", lang))]
    after = t(
        "value_after",
        lang,
        rows=units.count(f.steady_rows, lang),
        batches=batches(f.steady_batches, lang),
        seconds=units.duration(f.steady_seconds, lang),
        batch_seconds=units.duration(f.steady_batch_seconds, lang),
    )
    return [*rows, (t("row_after", lang), after)]


def _rate_rows(f: Figures, lang: str) -> list[tuple[str, str]]:
    """Input and processing rates: the steady state's, then the whole run's."""
    steady = f.steady_batches >= 1
    none = TEXT.text("no_batch_after", lang)
    steady_in = units.rate(f.input_rate_steady, lang) if steady else none
    steady_proc = units.rate(f.processed_rate_steady, lang) if steady else none
    return [
        (TEXT.text("row_input", lang), " / ".join([steady_in, units.rate(f.input_rate_run, lang)])),
        (TEXT.text("row_processed", lang), " / ".join([steady_proc, units.rate(f.processed_rate_run, lang)])),
    ]


def _other_rows(f: Figures, lang: str) -> list[tuple[str, str]]:
    """Percentiles, lag, state, late rows and GC."""
    t = TEXT.text
    latency = [f.latency.get(k) for k in ("p50", "p95", "p99")]
    no_state = t("no_state", lang)
    lag = t("value_lag", lang, start=units.count(f.lag_start, lang), end=units.count(f.lag_end, lang))
    return [
        (t("row_batch", lang), percentiles([f.batch_p50, f.batch_p95], lang)),
        (t("row_latency", lang), percentiles(latency, lang) if any(latency) else t("no_events", lang)),
        (t("row_lag", lang), lag),
        (t("row_state_rows", lang), no_state if f.state_rows_max is None else units.count(f.state_rows_max, lang)),
        (t("row_state_memory", lang), no_state if f.state_bytes_max is None else units.size(f.state_bytes_max, lang)),
        (t("row_late", lang), units.count(f.late_dropped, lang)),
        (t("row_gc", lang), t("no_executor_metrics", lang) if f.gc_share is None else units.share(f.gc_share, lang)),
    ]


def figure_rows(f: Figures, lang: str) -> list[tuple[str, str]]:
    """The figures' table: (measure, value) in `lang`."""
    return [*_batch_rows(f, lang), *_rate_rows(f, lang), *_other_rows(f, lang)]


def _run_line(run: Run, lang: str, generated: str | None) -> str:
    t0, t1 = datetime.fromtimestamp(run.start, UTC), datetime.fromtimestamp(run.end, UTC)
    return TEXT.text(
        "run_line",
        lang,
        run=run.short_id,
        start=f"{t0:%Y-%m-%d %H:%M:%S}",
        end=f"{t1:%H:%M:%S}",
        seconds=units.duration(run.end - run.start, lang),
        generated=generated or time.strftime("%Y-%m-%d %H:%M:%S"),
    )


def _other_runs(job: str, run: Run, found: list[Run], lang: str) -> str | None:
    """Which of several runs in the time range this is; None when it is the only one."""
    if len(found) < 2:
        return None
    latest = TEXT.text("the_latest", lang) if run is found[-1] else ""
    return TEXT.text("other_runs", lang, count=len(found), job=job, number=found.index(run) + 1, latest=latest)


def summary_markdown(
    job, run: Run, found: list[Run], f: Figures, code: str, evidence, tips, lang: str = "en", generated=None
) -> str:
    """The summary's Markdown (see the module's contract); `generated` defaults to now, local time."""
    return render(
        "summary.md.j2",
        lang,
        job=job,
        run_line=_run_line(run, lang, generated),
        other_runs=_other_runs(job, run, found, lang),
        verdict=verdict_text(code, lang),
        evidence=evidence,
        first_batch=first_batch(f, lang),
        rows=figure_rows(f, lang),
        hints=tips,
        batch_top=units.duration(DURATION_BUCKETS[-1], lang),
        latency_top=units.duration(LATENCY_BUCKETS[-1], lang),
    )


def head(summary_md: str, lang: str | None = None) -> str:
    """The summary down to its figures: what `lab report` prints (the header, the verdict, the
    first batch)."""
    return summary_md.split(f"## {TEXT.text('figures_heading', lang)}")[0].strip()
