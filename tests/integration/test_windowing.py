"""The windowing job on the real lab: exact window counts, late events excluded as the watermark says."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq

from lab.config.paths import Paths
from lab.config.settings import ROOT
from lab.course.truth import (
    closed_windows,
    output_window_counts,
    state_window_counts,
    valid_events,
    window_counts,
)
from lab.kafka.reading import consume_all
from lab.spark.submit import spark_home
from tests.support import lab as run

START = "2026-01-01T00:00:00Z"


def test_exact_window_counts_in_append_mode(topics, lab_up, tmp_path):
    # 2,400 events over 20 minutes of event time, with jitter and malformed records...
    run.produce(
        "--count",
        "2400",
        "--rate",
        "0",
        "--seed",
        "31",
        "--start-time",
        START,
        "--event-rate",
        "2",
        "--jitter-ms",
        "20000",
        "--malformed-share",
        "0.03",
        environ=topics,
    )
    # ...then a few events an hour later, which move the watermark past every earlier window.
    run.produce("--count", "20", "--rate", "0", "--seed", "32", "--start-time", "2026-01-01T01:00:00Z", environ=topics)
    events = valid_events(consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"]), "page_views")
    expected = closed_windows(events, "country", 5, timedelta(minutes=10))
    assert len(expected) > 20
    out = tmp_path / "out"
    run.submit(
        "windowing",
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--output-mode",
        "append",
        "--trigger",
        "availableNow",
        "--checkpoint",
        str(tmp_path / "ckpt"),
        environ=topics,
    )
    got, repeated = output_window_counts(pq.read_table(out).to_pylist())
    assert repeated == 0, "a window was emitted twice"
    assert got == expected

    # make state: the windows the watermark has not closed are exactly what the state holds;
    # the closed ones were emitted and evicted.
    report = tmp_path / "state.json"
    shown = run.lab(
        "state",
        "windowing",
        "--checkpoint",
        str(tmp_path / "ckpt"),
        "--limit",
        "0",
        "--json",
        str(report),
        environ=topics,
        check=True,
    )
    live = window_counts(events, "country", 5) - expected
    assert live and not set(live) & set(expected)
    queries = json.loads(report.read_text())["queries"]
    assert queries["windowing_quarantine"] == [], "the quarantine query is stateless"
    (op,) = queries["windowing"]
    held = state_window_counts(op["rows"])
    assert (op["operator"], op["keys"]) == ("stateStoreSave", len(live))
    assert held == live
    assert f"operator 0 (stateStoreSave): {len(live)} key(s) in state after batch {op['batch']}" in shown.stdout


def test_console_complete_mode_as_in_the_course(topics, lab_up, tmp_path):
    run.produce(
        "--count", "300", "--rate", "0", "--seed", "33", "--start-time", START, "--event-rate", "1", environ=topics
    )
    events = valid_events(consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"]), "page_views")
    expected = window_counts(events, "country", 5)
    proc = run.submit("windowing", "--trigger", "availableNow", "--checkpoint", str(tmp_path / "ckpt"), environ=topics)
    # Complete mode prints every window in every batch: the last batch holds the final counts.
    last_batch = proc.stdout.rsplit("Batch: ", 1)[1]
    table = [line for line in last_batch.splitlines() if line.startswith("|2026-01-01")]
    got = Counter()
    for line in table:
        start, end, key, count = [c.strip() for c in line.strip("|").split("|")]
        got[(start, key)] += int(count)
    assert got == Counter({(s.strftime("%Y-%m-%d %H:%M:%S"), k): c for (s, _, k), c in expected.items()})


def _learners_python(tmp_path: Path) -> Path:
    """A Python with the lab's packages (pyspark, ...) but not the project (streamlab, lab): what a
    learner's own project has. A .pth line adds the lab venv's site-packages as a plain folder,
    so its editable install's own .pth is not read."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "lab-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = venv / "bin" / "python"
    for module in ("streamlab", "lab"):
        probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, cwd=tmp_path, timeout=60)
        assert probe.returncode != 0, (
            f"the learner's Python imports {module} without the zip: the test would prove nothing"
        )
    return python


def test_the_job_runs_with_a_plain_spark_submit_outside_the_lab(topics, lab_up, tmp_path):
    """jobs/windowing.py and a zip of src/streamlab, copied into an empty folder with no .env, run with
    spark-submit and only options: the exact counts (the first test shows `make submit` gives them too)."""
    run.produce(
        "--count", "600", "--rate", "0", "--seed", "34", "--start-time", START, "--event-rate", "1", environ=topics
    )
    run.produce("--count", "5", "--rate", "0", "--seed", "35", "--start-time", "2026-01-01T01:00:00Z", environ=topics)
    topic = topics["TOPIC_PAGE_VIEWS"]
    events = valid_events(consume_all(lab_up.kafka_bootstrap, topic), "page_views")
    expected = closed_windows(events, "country", 5, timedelta(minutes=10))
    assert len(expected) > 5
    common = ["--sink", "parquet", "--output-mode", "append", "--trigger", "availableNow", "--topic", topic]

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "jobs" / "windowing.py", project)
    with zipfile.ZipFile(project / "streamlab.zip", "w") as zf:
        # As the docs' `(cd src && zip -qr streamlab.zip streamlab)`: every file of the package.
        source = ROOT / "src"
        for path in sorted((source / "streamlab").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, str(path.relative_to(source)))
    python = _learners_python(tmp_path)
    jars = ",".join(str(j) for j in sorted(Paths.of(lab_up).spark_jars.glob("*.jar")))
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "PYSPARK_PYTHON": str(python)}
    env.update({k: os.environ[k] for k in ("JAVA_HOME",) if k in os.environ})
    cmd = [
        str(spark_home() / "bin" / "spark-submit"),
        "--master",
        lab_up.spark_master,
        "--conf",
        "spark.sql.shuffle.partitions=2",
        "--conf",
        f"spark.driver.host={lab_up.host}",
        "--conf",
        f"spark.driver.bindAddress={lab_up.host}",
        "--jars",
        jars,
        "--py-files",
        "streamlab.zip",
        "windowing.py",
        *common,
        "--bootstrap-servers",
        lab_up.kafka_bootstrap,
        "--metrics-port",
        "0",
    ]
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=420)
    assert proc.returncode == 0, f"plain spark-submit failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert not (project / ".env").exists()
    # Defaults relative to the working folder (streamlab.config): the checkpoint and the output.
    assert (project / "checkpoints" / "windowing" / "windowing" / "offsets").is_dir()
    plain_counts, repeated = output_window_counts(pq.read_table(project / "outputs" / "windowing").to_pylist())
    assert repeated == 0
    assert plain_counts == expected
