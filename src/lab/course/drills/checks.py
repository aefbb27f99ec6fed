"""What a drill reads of a job's run, and how it compares it with the ground truth
(lab.course.truth, computed from the records in Kafka).

- `committed`, `caught_up`: a query's progress, read from its checkpoint;
- `parquet_rows`, `job_summary`, `query_totals`: what a job wrote (its Parquet output, its
  --summary), empty when it wrote nothing;
- `compare_windows`, `compare_ids`, `compare_state`: fill a drill's Result with the events
  checked, lost and duplicated; anything the truth does not have fails it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from lab.config.settings import Settings
from lab.course.drills.base import MESSAGES, Drill, Result
from lab.course.truth import output_window_counts, state_window_counts


def committed(checkpoint: Path, query: str) -> int:
    """How many micro-batches the query has committed (its checkpoint's commits/ files)."""
    folder = checkpoint / query / "commits"
    return len([p for p in folder.iterdir() if p.name.isdigit()]) if folder.exists() else 0


def caught_up(checkpoint: Path, query: str, settings: Settings, topic: str) -> bool:
    """The query has committed a batch whose end offsets reach the topic's end offsets."""
    from lab.kafka.reading import offsets
    from streamlab.dataloss import committed_offsets

    done = committed_offsets(checkpoint / query).get(topic)
    return done is not None and all(
        done.get(p, 0) >= end for p, (_, end) in offsets(settings.kafka_bootstrap, topic).items()
    )


def parquet_rows(folder: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(folder).to_pylist() if folder.exists() else []


def job_summary(path: Path) -> dict:
    """A job's --summary (streamlab.runner), or {} if it wrote none (it failed before the end)."""
    return json.loads(path.read_text()) if path.exists() else {}


def query_totals(path: Path, query: str) -> dict[str, int]:
    return job_summary(path).get("queries", {}).get(query, {})


def compare_windows(result: Result, rows: list[dict], expected: Counter) -> None:
    """A window count's output rows against the closed windows' truth."""
    got, result.duplicated = output_window_counts(rows)
    result.checked = sum(expected.values())
    result.lost = sum(max(0, expected[k] - got.get(k, 0)) for k in expected)
    extra = sum(max(0, got[k] - expected.get(k, 0)) for k in got)
    if extra:
        result.fail(MESSAGES("extra_events", extra=extra))


def compare_ids(result: Result, ids: list[str], expected: set[str]) -> None:
    """The event ids a job wrote against those it had to write, each once."""
    counts = Counter(ids)
    result.checked = len(expected)
    result.lost = len(expected - set(counts))
    result.duplicated = sum(n - 1 for n in counts.values() if n > 1)
    unexpected = set(counts) - expected
    if unexpected:
        result.fail(MESSAGES("unexpected_rows", count=len(unexpected)))


def compare_state(d: Drill, checkpoint: Path, open_windows: Counter) -> None:
    """After the restarts, the state (read with `make state`'s driver) must hold exactly the
    windows the watermark has not closed, with their counts so far: nothing lost, nothing twice."""
    report = d.dir / "state.json"
    run = d.submit(
        "_state", "--job", "windowing", "--checkpoint", str(checkpoint), "--limit", "0", "--json", str(report)
    )
    if run.returncode != 0 or not report.exists():
        d.result.fail(MESSAGES("state_read_failed", tail=run.stderr.strip().splitlines()[-1:]))
        return
    (op,) = json.loads(report.read_text())["queries"]["windowing"]
    held = state_window_counts(op["rows"])
    differ = sum(1 for k in held.keys() | open_windows.keys() if held[k] != open_windows[k])
    d.result.details.append(MESSAGES("state_compared", batch=op["batch"], windows=len(held), differ=differ))
    if differ:
        d.result.ok = False
