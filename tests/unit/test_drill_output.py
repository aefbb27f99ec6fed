"""A drill reads a Parquet file sink's output as Spark does: the files its _spark_metadata log
committed, found below the output folder whatever the writer's path (a container's), and not a
file an executor was killed while writing (lab.course.drills.checks.parquet_rows)."""

import json

import pyarrow as pa
import pyarrow.parquet as pq

from lab.course.drills.checks import parquet_rows


def _log(folder, batch, names, action="add"):
    log = folder / "_spark_metadata"
    log.mkdir(exist_ok=True)
    lines = ["v1", *(json.dumps({"path": f"file:///lab-state/run/out/{n}", "action": action}) for n in names)]
    (log / str(batch)).write_text("\n".join(lines) + "\n")


def test_only_the_committed_files_are_read(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    pq.write_table(pa.table({"event_id": ["a", "b"]}), out / "part-0.parquet")
    pq.write_table(pa.table({"event_id": ["c"]}), out / "part-1.parquet")
    pq.write_table(pa.table({"event_id": ["z"]}), out / "part-2.parquet")  # written, then its batch failed
    (out / "part-3.parquet").write_bytes(b"")  # the executor was killed while writing it
    _log(out, 0, ["part-0.parquet"])
    _log(out, 1, ["part-1.parquet"])
    assert sorted(r["event_id"] for r in parquet_rows(out)) == ["a", "b", "c"]
    _log(out, 2, ["part-1.parquet"], action="delete")
    assert sorted(r["event_id"] for r in parquet_rows(out)) == ["a", "b"]


def test_without_a_log_every_file_and_without_a_folder_nothing(tmp_path):
    out = tmp_path / "out"
    assert parquet_rows(out) == []
    out.mkdir()
    pq.write_table(pa.table({"event_id": ["a"]}), out / "part-0.parquet")
    assert parquet_rows(out) == [{"event_id": "a"}]
    _log(out, 0, [])
    assert parquet_rows(out) == []
