"""Spark Connect on the real lab: the server `make up CONNECT=1` starts, and thin clients (a virtual
environment with pyspark-client only: no PySpark jars, no Java on its PATH) that run exercise 2's
reference solution and the windowing job over it, with exactly the counts that the classic runs give
(tests/integration/test_windowing.py and test_exercises.py check the same truth from Kafka)."""

import importlib.metadata  # noqa: F401 - named in the thin client's probe below
import json
import shutil
import subprocess
from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from lab.config.paths import Paths
from lab.course.truth import closed_windows, output_window_counts, valid_events
from lab.kafka.reading import consume_all
from lab.spark.connect import thin_python
from tests.support import lab as run

START = "2026-01-01T00:00:00Z"
PROBE = """
import importlib.metadata as m, importlib.util, json, os, pathlib, shutil
import pyspark
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
print(json.dumps({
    "pyspark-client": version("pyspark-client"),
    "pyspark": version("pyspark"),
    "jars": (pathlib.Path(pyspark.__file__).parent / "jars").exists(),
    "py4j": importlib.util.find_spec("py4j") is not None,
    "java": shutil.which("java"),
}))
"""


@pytest.fixture(scope="module")
def connect_env(lab_up, lab_env):
    """The test lab with its Spark Connect server; what a thin client's environment adds to the test
    lab's (CONNECT=1, and a PATH with the thin client's Python and no Java), and its Python."""
    environ = {**lab_env, "CONNECT": "1"}
    python = thin_python(lab_up.overridden(environ), Paths.of(lab_up))
    proc = run.lab("up", environ=environ, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"the Spark Connect server did not come up:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    yield {"CONNECT": "1", "PATH": str(python.parent)}, python
    proc = run.lab("stop", "spark-connect", environ=environ, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_the_thin_client_has_pyspark_client_only_and_no_java(connect_env, lab_env):
    thin, python = connect_env
    assert shutil.which("java", path=thin["PATH"]) is None
    probe = subprocess.run(
        [str(python), "-c", PROBE], env={**lab_env, **thin}, capture_output=True, text=True, check=True
    )
    seen = json.loads(probe.stdout)
    assert seen == {"pyspark-client": "4.2.0", "pyspark": None, "jars": False, "py4j": False, "java": None}


def test_the_windowing_job_over_connect_gives_the_exact_window_counts(connect_env, topics, lab_up, tmp_path):
    environ, _ = connect_env
    # The events of test_windowing's classic run: 2,400 over 20 minutes, jitter, malformed records...
    run.produce(
        *("--count", "2400", "--rate", "0", "--seed", "31", "--start-time", START),
        *("--event-rate", "2", "--jitter-ms", "20000", "--malformed-share", "0.03"),
        environ=topics,
    )
    # ...then a few an hour later, which move the watermark past every earlier window.
    run.produce("--count", "20", "--rate", "0", "--seed", "32", "--start-time", "2026-01-01T01:00:00Z", environ=topics)
    records = consume_all(lab_up.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"])
    events = valid_events(records, "page_views")
    expected = closed_windows(events, "country", 5, timedelta(minutes=10))
    assert len(expected) > 20
    out = tmp_path / "out"
    proc = run.submit(
        "windowing",
        *("--sink", "parquet", "--output", str(out), "--output-mode", "append", "--trigger", "availableNow"),
        *("--checkpoint", str(tmp_path / "ckpt"), "--summary", str(tmp_path / "summary.json")),
        environ={**topics, **environ},
    )
    assert "as a Spark Connect client of sc://" in proc.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    got, repeated = output_window_counts(pq.read_table(out).to_pylist())
    assert got, f"no window in the output: {summary}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    assert repeated == 0, "a window was emitted twice"
    assert got == expected
    # The client-side listener saw every batch: the run's figures are the events read.
    assert summary["exit_code"] == 0
    assert summary["queries"]["windowing"]["input_rows"] == len(records)


def test_exercises_1_to_3s_reference_solutions_pass_over_connect(connect_env, lab_env):
    """Read Kafka, count per key in 5-minute windows, console output in complete mode with a
    checkpoint (a restart on it included): the course's three exercises, checked over Spark Connect."""
    thin, _ = connect_env
    files = [f"instructors/solutions/{name}.py" for name in ("ex1_read_kafka", "ex2_windowing", "ex3_output")]
    proc = run.lab("check", "all", *files, environ={**lab_env, **thin, "LAB_LANG": "en"}, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name in files:
        assert f"{name}: PASS" in proc.stdout, proc.stdout[-3000:]
    assert "ex2_windowing.py: PASS\n  45 (window, country) counts exact" in proc.stdout
