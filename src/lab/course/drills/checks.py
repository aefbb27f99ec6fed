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
    """The rows a Parquet file sink committed in `folder`: the files its _spark_metadata log adds,
    as Spark reads them. A file an executor was killed while writing (a drill kills them) is in the
    folder, possibly empty, and not in the log. A folder without a log: all its files."""
    import pyarrow.dataset as ds

    if not folder.exists():
        return []
    files = committed_files(folder)
    if files is not None and not files:
        return []
    source = [str(f) for f in files] if files is not None else str(folder)
    return (
        ds.dataset(source, format="parquet", partitioning="hive", partition_base_dir=str(folder)).to_table().to_pylist()
    )


def committed_files(folder: Path) -> list[Path] | None:
    """The files a file sink's _spark_metadata log adds and does not delete, found in `folder` (the
    log names them by the writer's paths, which in a container are not the host's: each is found by
    its path below `folder`); None without a log."""
    log = folder / "_spark_metadata"
    if not log.is_dir():
        return None
    added: dict[str, bool] = {}
    for entry in sorted(log.iterdir()):
        if not (entry.name.isdigit() or entry.name.endswith(".compact")):
            continue
        for line in entry.read_text().splitlines()[1:]:  # after its version line
            record = json.loads(line)
            below = record["path"].rsplit(f"/{folder.name}/", 1)[-1]
            added[below] = record.get("action") == "add"
    return [folder / below for below, kept in sorted(added.items()) if kept]


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
