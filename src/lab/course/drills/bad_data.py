"""The bad-data drills: input the job must cope with, and say so in figures.

- bad-input: malformed and schema-mismatched records, then 10,000 bad ones in a row: every bad
  record quarantined with its raw bytes and reason, valid results exact, the query never stops;
- late-data: events older than the watermark all dropped, and the count the lab reports equals them;
- data-loss: records deleted by retention while the job is stopped: failOnDataLoss=true fails the
  restart in one line and writes nothing; false skips exactly the deleted records and says so.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from lab.course.drills.base import MESSAGES, RUNNER, START, Drill, Result, said
from lab.course.drills.checks import compare_ids, job_summary, parquet_rows, query_totals
from lab.course.truth import parse_time, valid_events
from lab.kafka.reading import consume_all


def bad_input(d: Drill) -> Result:
    """5% malformed and 2% schema-mismatched records, then 10,000 bad records in a row: every bad
    record is quarantined with its raw bytes and reason, none reaches the results, valid results
    are exact, and the query never stops."""
    s1 = d.produce(
        "--count", str(3000 * d.size.scale), "--rate", "0", "--seed", "95",
        "--malformed-share", "0.05", "--mismatch-share", "0.02",
    )  # fmt: skip
    s2 = d.produce("--count", "10000", "--rate", "0", "--seed", "96", "--malformed-share", "1")
    s3 = d.produce("--count", "500", "--rate", "0", "--seed", "97")
    injected = sum(s1["malformed"].values()) + sum(s2["malformed"].values()) + sum(s3["malformed"].values())
    out = d.dir / "out"
    proc = d.submit(
        "basic", "--topic", d.topic("page_views"), "--trigger", "availableNow", "--sink", "parquet",
        "--output", str(out), "--checkpoint", str(d.dir / "ckpt"), "--metrics-port", "0",
    )  # fmt: skip
    if proc.returncode != 0:
        d.result.fail(MESSAGES("job_stopped", tail=proc.stdout[-400:]))
    views = consume_all(d.settings.kafka_bootstrap, d.topic("page_views"))
    valid = valid_events(views, "page_views")
    compare_ids(d.result, [r["event_id"] for r in parquet_rows(out)], {e["event_id"] for e in valid})
    _compare_quarantine(d, views, len(views) - len(valid), injected)
    return d.result


def _compare_quarantine(d: Drill, views: list, bad_here: int, injected: int) -> None:
    """The quarantine topic holds each bad record of `views` once, with its raw bytes and a reason."""
    quarantined = consume_all(d.settings.kafka_bootstrap, d.topic("quarantine"))
    raw = {(r.partition, r.offset): r.value for r in views}
    mismatched = [
        q
        for q in quarantined
        if raw.get((int(q.headers["source_partition"]), int(q.headers["source_offset"]))) != q.value
        or not q.headers.get("reason")
    ]
    reasons = dict(Counter(q.headers["reason"].decode().split(":")[0] for q in quarantined))
    d.result.details.append(
        MESSAGES("quarantine", injected=injected, here=bad_here, quarantined=len(quarantined), reasons=reasons)
    )
    if len(quarantined) != bad_here or mismatched:
        d.result.fail(
            MESSAGES("quarantine_mismatch", quarantined=len(quarantined), bad=bad_here, mismatched=len(mismatched))
        )


def late_data(d: Drill) -> Result:
    """Events older than the watermark: all dropped, and the dropped count the lab reports equals N."""
    ckpt = d.dir / "ckpt"
    d.produce(
        "--count", str(600 * d.size.scale), "--rate", "0", "--seed", "51", "--start-time", START, "--event-rate", "10"
    )
    d.submit("late_data", "--trigger", "availableNow", "--checkpoint", str(ckpt), "--metrics-port", "0")
    d.produce("--count", "200", "--rate", "0", "--seed", "52", "--start-time", "2025-12-31T23:00:00Z")
    late = [
        v
        for v in valid_events(consume_all(d.settings.kafka_bootstrap, d.topic("page_views")), "page_views")
        if v["event_time"] < parse_time(START)
    ]
    summary = d.dir / "late_data.json"
    d.submit(
        "late_data", "--trigger", "availableNow", "--checkpoint", str(ckpt), "--metrics-port", "0",
        "--summary", str(summary),
    )  # fmt: skip
    reported = query_totals(summary, "late_data").get("late_rows_dropped", -1)
    d.result.checked = len(late)
    d.result.lost = max(0, len(late) - reported)  # late events the lab failed to report as dropped
    d.result.details.append(MESSAGES("late_reported", sent=len(late), reported=reported))
    if reported != len(late):
        d.result.ok = False
    return d.result


def _strict_restart(d: Drill, base: list[str], out: Path) -> tuple[subprocess.CompletedProcess, str, bool]:
    """Restart the job with failOnDataLoss=true: its run, the line that says why it stopped ('' if
    none does), and whether its output is unchanged."""
    rows = len(parquet_rows(out))
    strict = d.submit("basic", *base)
    retention = said(RUNNER, "data_loss", d.lang)
    strict_line = next((line for line in (strict.stdout + strict.stderr).splitlines() if retention.search(line)), "")
    return strict, strict_line, len(parquet_rows(out)) == rows


def data_loss(d: Drill) -> Result:
    """Retention deletes records while the job is stopped. With failOnDataLoss=true the restart
    fails at once with one line and writes nothing. With false it skips the gap, reports exactly
    the deleted records as skipped, and every record that survived is in the output once."""
    from lab.kafka.admin import expire
    from lab.kafka.reading import end_total

    topic, bootstrap = d.topic("page_views"), d.settings.kafka_bootstrap
    out = d.dir / "out"
    base = [
        "--sink", "parquet", "--output", str(out), "--checkpoint", str(d.dir / "ckpt"),
        "--metrics-port", "0", "--trigger", "availableNow",
    ]  # fmt: skip
    d.produce("--count", str(600 * d.size.scale), "--rate", "0", "--seed", "101")
    first = d.submit("basic", *base)
    read = {e["event_id"] for e in valid_events(consume_all(bootstrap, topic), "page_views")}
    read_up_to = end_total(bootstrap, topic)
    d.produce("--count", str(600 * d.size.scale), "--rate", "0", "--seed", "102")  # never read: the job is stopped
    unread = sum(end for _, end in expire(bootstrap, topic).values()) - read_up_to
    d.produce("--count", str(600 * d.size.scale), "--rate", "0", "--seed", "103")
    survived = {e["event_id"] for e in valid_events(consume_all(bootstrap, topic), "page_views")}
    strict, strict_line, unchanged = _strict_restart(d, base, out)
    summary = d.dir / "lenient.json"
    lenient = d.submit("basic", *base, "--fail-on-data-loss", "false", "--summary", str(summary))
    skipped = sum(g["records"] for g in job_summary(summary).get("skipped_at_start", []) if g["query"] == "basic")
    counted = query_totals(summary, "basic").get("records_lost", -1)
    d.result.details += [
        MESSAGES("loss_first", code=first.returncode, read=read_up_to, unread=unread),
        MESSAGES("loss_strict", code=strict.returncode, unchanged=unchanged, line=strict_line[:300]),
        MESSAGES("loss_lenient", code=lenient.returncode, skipped=skipped, counted=counted),
    ]
    if (
        first.returncode != 0
        or not unread
        or strict.returncode != 1
        or not unchanged
        or "--fail-on-data-loss false" not in strict_line
        or lenient.returncode != 0
        or skipped != unread
        or counted != unread
    ):
        d.result.fail(MESSAGES("loss_expected", unread=unread))
    compare_ids(d.result, [r["event_id"] for r in parquet_rows(out)], read | survived)
    return d.result
