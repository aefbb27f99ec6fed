"""A job's runs, as Prometheus saw them, for `make report` (and `make report LIST=1`).

Contract: `runs(prom, job, start, end)` lists the runs of `job`'s main query with samples in
[start, end], oldest first, told apart by Spark's run id (the listener's
streaming_query_started_timestamp_seconds): each a `Run` with its start, its last sample, its
batches and rows. `pick(found, wanted)` is the run `wanted` names (its number in the list, its id
or the id's first characters; the latest when None), else ReportError no_single_run.
`list_text` is the list as a terminal table in the learner's language; `no_runs` the line said
when there is none. Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lab.observe import units
from lab.observe.prometheus import Prometheus, over
from lab.observe.wording import TEXT, ReportError
from streamlab import naming
from streamlab.i18n import language

LIST_COLUMNS = ("run_id", "start", "end", "seconds", "batches", "rows")  # after "#"; report.toml's list_<column>
LIST_NUMBERS = {0, 4, 5, 6}  # the columns aligned right: #, seconds, batches, rows


@dataclass
class Run:
    """One run of a job's main query: from Spark's start to its last sample in Prometheus."""

    run_id: str
    start: float
    end: float
    batches: float = 0.0
    rows: float = 0.0

    @property
    def short_id(self) -> str:
        return self.run_id[:8]


def main_query(job: str) -> str:
    """The label selector of `job`'s main query, without its braces."""
    return f'job="{job}",query="{naming.main_query(job)}"'


def runs(prom: Prometheus, job: str, start: float, end: float) -> list[Run]:
    """The runs of `job`'s main query with samples in [start, end], oldest first."""
    sel = main_query(job)
    found = []
    for s in prom.samples(f"streaming_query_started_timestamp_seconds{{{sel}}}", start, end):
        if s.points:
            run = Run(s.labels.get("run_id", "?"), s.points[0][1], s.points[-1][0])
            run.batches = over(prom, "max_over_time", f"streaming_batches_total{{{sel}}}", run.start, run.end) or 0.0
            run.rows = over(prom, "max_over_time", f"streaming_input_rows_total{{{sel}}}", run.start, run.end) or 0.0
            found.append(run)
    return sorted(found, key=lambda r: r.start)


def clock(t: float) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%H:%M:%S}"


def no_runs(job: str, start: float, end: float, lang: str | None = None) -> str:
    return ReportError("no_runs", job=job, start=clock(start), end=clock(end)).text(lang)


def pick(found: list[Run], wanted: str | None) -> Run:
    """The run `wanted` names (a number from the list, a run id or its first characters); the latest if None."""
    if not wanted:
        return found[-1]
    if wanted.isdigit() and 1 <= int(wanted) <= len(found):
        return found[int(wanted) - 1]
    matches = [r for r in found if r.run_id.startswith(wanted)]
    if len(matches) != 1:
        listed = ", ".join(f"{i} ({r.short_id})" for i, r in enumerate(found, 1))
        raise ReportError("no_single_run", wanted=wanted, runs=listed)
    return matches[0]


def _cells(number: int, run: Run, lang: str) -> list[str]:
    t0, t1 = datetime.fromtimestamp(run.start, UTC), datetime.fromtimestamp(run.end, UTC)
    return [
        str(number),
        run.short_id,
        f"{t0:%Y-%m-%d %H:%M:%S}",
        f"{t1:%H:%M:%S}",
        units.count(run.end - run.start, lang),
        units.count(run.batches, lang),
        units.count(run.rows, lang),
    ]


def list_text(job: str, found: list[Run], lang: str | None = None) -> str:
    """The runs as a table for the terminal (`make report LIST=1`): each column as wide as its
    widest cell, whatever the language, the numbers aligned right."""
    lang = lang or language()
    heads = ["#", *(TEXT.text(f"list_{c}", lang) for c in LIST_COLUMNS)]
    rows = [_cells(i, r, lang) for i, r in enumerate(found, 1)]
    widths = [max(len(row[c]) for row in [heads, *rows]) for c in range(len(heads))]

    def line(cells: list[str]) -> str:
        padded = (
            c.rjust(w) if i in LIST_NUMBERS else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    return "\n".join([line(heads), *map(line, rows), TEXT.text("list_footer", lang, job=job)])
