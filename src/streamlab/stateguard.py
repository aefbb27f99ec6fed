"""Refuse to restart a stateful query whose logic changed since its checkpoint was written.

Why: Spark checks the state schema's types, not its meaning. Regroup a window count by user_id
instead of country (both strings), and Spark 4.2 restarts happily on the old checkpoint. It then
mixes the two in one state and writes wrong results. This guard fingerprints the stateful part
of the query's analyzed plan: everything above each event-time watermark (grouping keys, windows,
aggregates, and the watermark's column, type and delay). What feeds a watermark (the source,
parsing, filters and projections below it) may change, as Spark's guide allows, and a restart
keeps its state. Expression ids and node UUIDs, which change every run, are left out. The
fingerprint and the plan text are kept in the checkpoint, and a mismatch raises
`StateMismatch` at start.

Contract: `check(df, checkpoint)` does nothing for stateless queries, records the fingerprint on
the first start, and raises on a mismatch, before the query starts, so nothing is written. A
checkpoint whose lab-plan.txt holds a whole plan (written before the guard narrowed it) is
compared on its stateful part, and adopted when that matches.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("streamlab", "sources")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Names of the stateful nodes in an analyzed plan. transformWithStateInPandas (and Python's
# transformWithState) analyze to TransformWithStateInPySpark in Spark 4.2.
STATEFUL = (
    "Aggregate",
    "Deduplicate",
    "FlatMapGroupsInPandasWithState",
    "Join ",
    "SessionWindow",
    "TransformWithStateInPySpark",
)


class StateMismatch(RuntimeError):
    pass


_TREE = re.compile(r"^[\s:|+-]*")  # the drawing before a node's name: its depth in the tree


def fingerprint(df) -> tuple[str, str, bool]:
    from streamlab.session import analyzed_plan

    plan = analyzed_plan(df)
    # Expression ids and node UUIDs (EventTimeWatermark has one) change on every run.
    lines = [
        _UUID.sub("", re.sub(r"#\d+L?", "", line)).rstrip() for line in plan.splitlines() if "Relation" not in line
    ]
    text = stateful_part(lines)
    return hashlib.sha256(text.encode()).hexdigest(), text, any(op in text for op in STATEFUL)


def stateful_part(lines: list[str]) -> str:
    """The plan's lines without the subtrees that feed an EventTimeWatermark."""
    kept, cut = [], None
    for line in lines:
        depth = len(_TREE.match(line).group(0))
        if cut is not None and depth > cut:
            continue
        kept.append(line)
        cut = depth if "EventTimeWatermark" in line else None
    return "\n".join(kept)


def check(df, checkpoint: str, job: str) -> None:
    if "://" in checkpoint and not checkpoint.startswith("file:"):
        return  # remote checkpoints (s3a://, hdfs://): not guarded
    digest, text, stateful = fingerprint(df)
    if not stateful:
        return
    folder = Path(checkpoint)
    stamp, saved = folder / "lab-plan.sha256", folder / "lab-plan.txt"
    recorded = stamp.read_text().strip() if stamp.exists() else None
    if recorded == digest:
        return
    if recorded is not None:
        old = stateful_part(saved.read_text().splitlines()) if saved.exists() else None
        if old != text:
            raise StateMismatch(MESSAGES("state_changed", job=job, folder=folder, saved=saved))
    # A first start, a checkpoint from before the guard, or one that recorded a whole plan.
    folder.mkdir(parents=True, exist_ok=True)
    saved.write_text(text + "\n")
    stamp.write_text(digest + "\n")
