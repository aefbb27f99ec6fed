"""The judges: what a learner's code did (streamlab.checks' observations) against the truth
(lab.course.exercises.inputs), one judge per exercise (JUDGES). Each returns a Verdict
(lab.course.exercises.verdicts): PASS and what it stands for, or FAIL with its hints, the first the
one to fix first."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from pathlib import Path

from lab.course.exercises.inputs import DAY, WINDOW, CapstoneTruth, PipelineTruth, Truth, micros
from lab.course.exercises.verdicts import (
    TEXTS,
    Problem,
    Verdict,
    duration,
    first_error,
    naming,
    when,
    window_columns,
)
from streamlab.i18n import Bilingual, number

# --- exercise 1 ------------------------------------------------------------------------------------


def judge_1(seen: dict, truth: Truth) -> Verdict:
    problems = first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    if not seen["streaming"]:
        return Verdict(seen["file"], [Problem("not_streaming")])
    rows = [r for batch in seen["batches"] for r in batch]
    if not rows:
        return Verdict(seen["file"], [Problem("no_rows")])
    fields = list(next(iter(truth.events.values())))
    found = list(seen["columns"])
    missing = [f for f in fields if f not in found]
    if "value" in found and len(missing) == len(fields):
        return Verdict(seen["file"], [Problem("not_parsed", {"found": ", ".join(found)})])
    if missing:
        return Verdict(
            seen["file"], [Problem("missing_columns", {"missing": ", ".join(missing), "found": ", ".join(found)})]
        )
    from streamlab.schemas import PAGE_VIEWS

    incomplete = [r for r in rows if any(r.get(f) is None for f in PAGE_VIEWS.required)]
    if incomplete:
        nulls = sorted({f for r in incomplete for f in PAGE_VIEWS.required if r.get(f) is None})
        return Verdict(
            seen["file"], [Problem("malformed_kept", {"count": len(incomplete), "fields": ", ".join(nulls)})]
        )
    by_id = Counter(r["event_id"] for r in rows)
    changed = [
        r for r in rows if r["event_id"] in truth.events and any(r[f] != truth.events[r["event_id"]][f] for f in fields)
    ]
    diff = {
        "missing": len(set(truth.events) - set(by_id)),
        "extra": len(set(by_id) - set(truth.events)),
        "duplicated": sum(n - 1 for n in by_id.values()),
        "changed": len(changed),
    }
    if any(diff.values()):
        example = ""
        if changed:
            r = changed[0]
            f = next(f for f in fields if r[f] != truth.events[r["event_id"]][f])
            example = f"{r['event_id']} {f}={r[f]!r}, not {truth.events[r['event_id']][f]!r}"
        return Verdict(seen["file"], [Problem("rows_differ", {**diff, "example": example or "-"})])
    checked = TEXTS.both("checked_1", events=len(rows), malformed=truth.malformed)
    return Verdict(seen["file"], [], checked)


# --- exercise 2 ------------------------------------------------------------------------------------


def latest_counts(seen: dict, ends: tuple[str, str], count_col: str) -> dict[tuple, int]:
    """Update mode: a window's latest row holds its count so far."""
    final: dict[tuple, int] = {}
    for batch in seen["batches"]:
        for r in batch:
            final[(r[ends[0]], r[ends[1]], r["country"])] = r[count_col]
    return final


def judge_2(seen: dict, truth: Truth) -> Verdict:
    problems = first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    cols = seen["columns"]
    ends = window_columns(cols)
    numeric = [c for c, t in cols.items() if t in ("bigint", "int") and c != "country"]
    missing = [n for n, ok in (("window", ends), ("country", "country" in cols), ("count", numeric)) if not ok]
    if missing:
        return Verdict(
            seen["file"], [Problem("missing_columns", {"missing": ", ".join(missing), "found": ", ".join(cols)})]
        )
    final = latest_counts(seen, ends, "count" if "count" in cols else numeric[0])
    problems = []
    windows = sorted({(s, e) for s, e, _ in final})
    day_start, day_end = micros(DAY), micros(DAY + timedelta(hours=1))
    if windows and all(not (day_start <= s < day_end) for s, _ in windows):
        return Verdict(
            seen["file"], [Problem("processing_time", {"seen": when(windows[0][0]), "day": when(day_start)})]
        )
    lengths = {e - s for s, e in windows}
    if lengths and lengths != {int(WINDOW.total_seconds() * 1e6)}:
        length = timedelta(microseconds=min(lengths))
        problems.append(Problem("window_length", {"length": duration(length)}))
    elif len({s for s, _ in windows}) > 1:
        starts = sorted({s for s, _ in windows})
        slide = min(b - a for a, b in itertools.pairwise(starts))
        if slide < WINDOW.total_seconds() * 1e6:
            problems.append(Problem("sliding_windows", {"slide": duration(timedelta(microseconds=slide))}))
    marks = seen["watermarks"]
    if not marks:
        problems.append(Problem("missing_watermark", {"late": truth.late}))
    else:
        mark = marks[0]
        if mark["column"] != "event_time":
            problems.append(Problem("watermark_column", {"column": mark["column"]}))
        elif mark["delay"] != "10 minutes":
            problems.append(Problem("watermark_delay", {"delay": mark["delay"]}))
    if not problems:
        problems += _counts_problems(dict(truth.counts), final)
    renamed = naming(cols, ["window", "country", "count"])
    if renamed:
        problems.append(renamed)
    if problems:
        return Verdict(seen["file"], problems)
    checked = TEXTS.both("checked_2", counts=len(final), views=sum(final.values()), late=truth.late)
    return Verdict(seen["file"], [], checked)


def _counts_problems(expected: dict, found: dict) -> list[Problem]:
    wrong = {k for k in set(expected) | set(found) if expected.get(k) != found.get(k)}
    if not wrong:
        return []
    k = sorted(wrong)[0]
    example = f"{when(k[0])}-{when(k[1])[-5:]} {k[2]}: {found.get(k, 0)}, not {expected.get(k, 0)}"
    return [Problem("counts_differ", {"wrong": len(wrong), "total": len(expected), "example": example})]


# --- exercise 3 ------------------------------------------------------------------------------------


def _output_problems(run: dict, given: str | None) -> list[Problem]:
    """The console sink, complete mode and a checkpoint that is kept: exercises 3 and 4."""
    problems = []
    if "ConsoleTable" not in run["sink"]:
        problems.append(Problem("sink", {"sink": run["sink"].split("@")[0] or "?"}))
    if run["output_mode"] != "Complete":
        mode = run["output_mode"]
        what = TEXTS.both(f"mode_{mode}") if f"mode_{mode}" in TEXTS else "?"
        problems.append(Problem("output_mode", {"mode": mode.lower(), "what": what}))
    return problems + checkpoint_problems(run, given)


def checkpoint_problems(run: dict, given: str | None) -> list[Problem]:
    where = run["checkpoint"].removeprefix("file:")
    if Path(where).name.startswith("temporary-"):
        return [Problem("no_checkpoint", {"where": where})]
    if given is not None and Path(where) != Path(given):
        return [Problem("checkpoint_elsewhere", {"where": where, "given": given})]
    return []


def judge_3(seen: dict, truth: Truth) -> Verdict:
    problems = first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    if seen.get("await_termination"):
        runs = seen["runs"][:1]
        return Verdict(
            seen["file"],
            [
                Problem("await_termination"),
                *(p for run in runs for p in _output_problems(run, seen["given_checkpoint"])),
            ],
        )
    first, *rest = seen["runs"]
    problems = _output_problems(first, seen["given_checkpoint"])
    read = sum(p["input_rows"] for p in first["progress"])
    if read < truth.records:
        problems.append(Problem("incomplete", {"read": read, "rows": truth.records}))
    again = sum(p["input_rows"] for p in rest[0]["progress"]) if rest else 0
    if again:
        problems.append(Problem("started_over", {"rows": again}))
    if problems:
        return Verdict(seen["file"], problems)
    batches = len([p for p in first["progress"] if p["input_rows"]])
    return Verdict(seen["file"], [], TEXTS.both("checked_3", batches=batches))


# --- exercise 4 ------------------------------------------------------------------------------------


def judge_4(seen: dict, truth: PipelineTruth) -> Verdict:
    problems = first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    first, second = seen["runs"]
    problems = _output_problems(first, None)
    if seen.get("returned_early"):
        problems.append(Problem("no_wait"))
    read = [sum(p["input_rows"] for p in run["progress"]) for run in (first, second)]
    if sum(read) > truth.records:
        problems.append(Problem("started_over", {"rows": sum(read) - truth.records}))
    elif sum(read) < truth.records:
        problems.append(Problem("incomplete", {"read": sum(read), "rows": truth.records}))
    if not problems:
        state = seen.get("state") or []
        found = {(r["window_start"], r["window_end"], r["country"]): _count_of(r) for r in state}
        problems += _counts_problems(dict(truth.counts), found)
    if problems:
        return Verdict(seen["file"], list({p.code: p for p in problems}.values()))
    views = sum(truth.counts.values())
    checked = TEXTS.both(
        "checked_4",
        records=truth.records,
        first=read[0],
        second=read[1],
        counts=len(truth.counts),
        views=views,
        late=truth.late,
    )
    return Verdict(seen["file"], [], checked)


def _count_of(row: dict) -> int:
    """The count in a state row: its one numeric field that is not part of the key."""
    values = [v for k, v in row.items() if k not in ("window_start", "window_end", "country") and isinstance(v, int)]
    return values[0] if values else 0


# --- the capstone ----------------------------------------------------------------------------------


def judge_capstone(seen: dict, truth: CapstoneTruth) -> Verdict:
    err = seen.get("error") or {}
    if err.get("type") == "NotImplementedError":
        return Verdict(seen["file"], [Problem("todo", {"message": err["message"]})])
    problems = _join_problems(seen) + first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    cols = seen["columns"]
    ends = window_columns(cols)
    missing = [
        n for n, ok in (("window", ends), *((c, c in cols) for c in ("country", "paid_orders", "revenue"))) if not ok
    ]
    renamed = naming(cols, ["window", "country", "paid_orders", "revenue"])
    if missing:
        return Verdict(
            seen["file"],
            [renamed]
            if renamed and ends and "country" in cols
            else [Problem("missing_columns", {"missing": ", ".join(missing), "found": ", ".join(cols)})],
        )
    first = seen["runs"][0]
    problems = _file_sink_problems(first, seen["given_checkpoint"])
    problems += _revenue_problems(seen["rows"], ends, truth, clean=not problems)
    if renamed:
        problems.append(renamed)
    if problems:
        return Verdict(seen["file"], problems)
    return Verdict(seen["file"], [], _capstone_checked(truth, first))


def _join_problems(seen: dict) -> list[Problem]:
    """No join, or a join of streams without a watermark on each side."""
    problems = []
    if "join" in seen and not seen["join"]:
        problems.append(Problem("no_join"))
    if "watermarks" in seen and len(seen["watermarks"]) < 2:
        problems.append(Problem("join_watermarks", {"found": len(seen["watermarks"])}))
    return problems


def _file_sink_problems(run: dict, given: str | None) -> list[Problem]:
    """The Parquet file sink, append mode and a checkpoint that is kept: the capstone's output."""
    problems = []
    if "FileSink" not in run["sink"]:
        problems.append(Problem("parquet_sink", {"sink": run["sink"].split("@")[0] or "?"}))
    if run["output_mode"] != "Append":
        problems.append(Problem("append_mode", {"mode": run["output_mode"].lower()}))
    return problems + checkpoint_problems(run, given)


def _revenue_problems(rows: list[dict], ends: tuple[str, str], truth: CapstoneTruth, clean: bool) -> list[Problem]:
    """The rows the sink got against the truth: none at all, a window written twice, or paid
    orders and revenue that differ. `clean`: no problem was found before (the rows are compared
    with the truth only then)."""
    problems = []
    if not rows and clean:
        problems.append(Problem("no_output"))
    got = Counter((r[ends[0]], r[ends[1]], r["country"]) for r in rows)
    repeated = sum(n - 1 for n in got.values() if n > 1)
    if repeated:
        problems.append(Problem("duplicates", {"count": repeated}))
    if rows and clean and not problems:
        found = {(r[ends[0]], r[ends[1]], r["country"]): (r["paid_orders"], round(r["revenue"], 2)) for r in rows}
        # The burst's windows stay open: they are not in the truth, nor expected in the output.
        wrong = {k for k in set(truth.rows) | set(found) if truth.rows.get(k) != found.get(k)}
        if wrong:
            k = sorted(wrong)[0]
            example = f"{when(k[0])}-{when(k[1])[-5:]} {k[2]}: {found.get(k, '-')}, not {truth.rows.get(k, '-')}"
            problems.append(
                Problem("revenue_differs", {"wrong": len(wrong), "total": len(truth.rows), "example": example})
            )
    return problems


def _capstone_checked(truth: CapstoneTruth, first: dict) -> Bilingual:
    """What the capstone's pass stands for, in both languages."""
    paid = sum(n for n, _ in truth.rows.values())
    revenue = sum(r for _, r in truth.rows.values())
    batches = len([p for p in first["progress"] if p["input_rows"]])
    return Bilingual(
        *(
            TEXTS.text(
                "checked_capstone",
                lang,
                rows=len(truth.rows),
                paid=paid,
                orders=truth.orders,
                revenue=number(revenue, lang, 2),
                batches=batches,
            )
            for lang in ("en", "es")
        )
    )


JUDGES = {"1": judge_1, "2": judge_2, "3": judge_3, "4": judge_4, "capstone": judge_capstone}
