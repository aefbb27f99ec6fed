"""`make class STATUS=1`: the teacher's view of the class, one row per learner.

Contract: `rows(paths, now)` gives, for each learner of the roster: when the gate last let one of
their calls through (the gate's status file), how many queries have a checkpoint in their folder,
how many of those are running (a batch written in the last RUNNING_WITHIN seconds), and the rows
per second those read now (Kafka offsets gained over their last batches, from the checkpoints'
offset logs: the same figures Spark's progress reports as inputRowsPerSecond). It reads files only:
it works whatever the learners' clients are, and disturbs no query.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from lab import classroom
from lab.classroom.roster import Roster
from lab.config.paths import Paths

RUNNING_WITHIN = 30.0  # seconds: a query's last batch at most this old, it is running
GATE_STALE = 20.0  # the gate rewrites its status every 5 s


@dataclass(frozen=True)
class Row:
    learner: str
    last_call: float | None  # Unix time
    queries: int
    running: int
    rows_per_second: float


def _offset_sum(path: Path) -> int | None:
    """The records a batch's end offsets add up to, over every Kafka source and partition."""
    total, found = 0, False
    for line in path.read_text().splitlines()[2:]:
        try:
            offsets = json.loads(line)
        except ValueError:
            continue
        if isinstance(offsets, dict):
            for partitions in offsets.values():
                if isinstance(partitions, dict):
                    total += sum(v for v in partitions.values() if isinstance(v, int))
                    found = True
    return total if found else None


def _batches(offsets: Path) -> list[tuple[float, int]]:
    """(written at, offsets' sum) of a query's batches, oldest first."""
    files = sorted((f for f in offsets.iterdir() if f.name.isdigit()), key=lambda f: int(f.name))
    out = []
    for f in files[-20:]:
        total = _offset_sum(f)
        if total is not None:
            out.append((f.stat().st_mtime, total))
    return out


def _queries(folder: Path, now: float) -> tuple[int, int, float]:
    queries = running = 0
    rate = 0.0
    for offsets in folder.glob("**/offsets") if folder.exists() else ():
        if not offsets.is_dir():
            continue
        queries += 1
        recent = [b for b in _batches(offsets) if now - b[0] <= RUNNING_WITHIN]
        if recent:
            running += 1
            if len(recent) > 1 and recent[-1][0] > recent[0][0]:
                rate += (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
    return queries, running, rate


def gate_status(paths: Paths, now: float) -> dict | None:
    """The gate's status file: each learner's [calls, last call], and the calls refused; None when
    the gate is not running."""
    path = classroom.folder(paths) / "gate-status.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return data if now - data["written"] <= GATE_STALE else None


def rows(paths: Paths, now: float | None = None) -> tuple[list[Row], bool]:
    """One Row per learner, and whether the gate is running."""
    roster = Roster.load(classroom.roster_path(paths))
    now = time.time() if now is None else now
    gate = gate_status(paths, now)
    calls = gate["learners"] if gate else None
    out = []
    for learner in roster.learners if roster else ():
        seen = (calls or {}).get(learner.name)
        home = learner.folder(classroom.learners_root(paths.run)) / "checkpoints"
        out.append(Row(learner.name, seen[1] if seen else None, *_queries(home, now)))
    return out, calls is not None
