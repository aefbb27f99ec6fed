"""Refuse to restart a stateful query whose logic changed since its checkpoint was written.

Why: Spark checks the state schema's types, not its meaning. Regroup a window count by user_id
instead of country (both strings), and Spark 4.2 restarts happily on the old checkpoint. It then
mixes the two in one state and writes wrong results. This guard fingerprints the query's
analyzed plan, without the source options (so --max-offsets-per-trigger may change) and without
expression ids and node UUIDs, which change every run. It keeps the fingerprint in the checkpoint, and raises
`StateMismatch` at start when the fingerprint differs.

Contract: `check(df, checkpoint)` does nothing for stateless queries, records the fingerprint on
the first start, and raises on a mismatch, before the query starts, so nothing is written.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STATEFUL = ("Aggregate", "Deduplicate", "FlatMapGroupsInPandasWithState", "Join ", "SessionWindow")


class StateMismatch(RuntimeError):
    pass


def fingerprint(df) -> tuple[str, str, bool]:
    plan = df._jdf.queryExecution().analyzed().toString()
    # Expression ids and node UUIDs (EventTimeWatermark has one) change on every run.
    lines = [_UUID.sub("", re.sub(r"#\d+L?", "", line)).rstrip() for line in plan.splitlines() if "Relation" not in line]
    text = "\n".join(lines)
    return hashlib.sha256(text.encode()).hexdigest(), text, any(op in text for op in STATEFUL)


def check(df, checkpoint: str, job: str) -> None:
    if "://" in checkpoint and not checkpoint.startswith("file:"):
        return  # remote checkpoints (s3a://, hdfs://): not guarded
    digest, text, stateful = fingerprint(df)
    if not stateful:
        return
    folder = Path(checkpoint)
    stamp = folder / "lab-plan.sha256"
    if stamp.exists():
        if stamp.read_text().strip() != digest:
            raise StateMismatch(
                f"{job}: the query's stateful logic changed since its checkpoint {folder} was written "
                f"(grouping keys, windows, watermark or schema), so it is not compatible with the existing state. "
                f"Compare {folder / 'lab-plan.txt'} with the new plan; run `make reset JOB={job}` to start over")
        return
    if (folder / "offsets").exists() and any((folder / "offsets").iterdir()):
        pass  # a checkpoint from before the guard: adopt it as it is
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lab-plan.txt").write_text(text + "\n")
    stamp.write_text(digest + "\n")
