"""Metrics, dashboards and the performance report, against the real Prometheus during real runs."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time

import pytest

from lab import dashboards
from lab.httpclient import get_json
from lab.report import build
from lab.settings import ROOT
from streamlab.wait import WaitTimeout, wait_for
from tests.support import lab as run
from tests.support.lab import tail


def query(settings, expr):
    body = get_json(f"http://{settings.host}:{settings['PROMETHEUS_PORT']}/api/v1/query", 10, {"query": expr})
    assert body["status"] == "success", body
    return body["data"]["result"]


def finite(result) -> bool:
    return any(math.isfinite(float(r["value"][1])) for r in result)


@pytest.fixture(scope="module")
def windowing_run(lab_up, lab_env, tmp_path_factory):
    """The windowing job on the lab's live topics (the background producer feeds them).

    Its output goes to a file: the console sink prints up to 50 rows a batch, and an unread pipe
    fills in a few dozen batches and blocks the job mid-write."""
    folder = tmp_path_factory.mktemp("obs")
    log = folder / "windowing.log"
    start = time.time()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lab",
                "submit",
                "windowing",
                "--duration",
                "60",
                "--trigger",
                "5 seconds",
                "--checkpoint",
                str(folder / "ckpt"),
            ],
            cwd=ROOT,
            env=lab_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def percentiles():
        if proc.poll() is not None:
            raise AssertionError(f"windowing exited {proc.returncode} before its duration:\n{tail(log)}")
        return finite(query(lab_up, 'lab:streaming_event_latency_seconds:p99_1m{job="windowing",query="windowing"}'))

    try:
        try:
            wait_for(percentiles, 150, "Prometheus to hold the windowing job's latency percentiles")
        except WaitTimeout as exc:
            raise AssertionError(f"{exc}\nthe job's last lines:\n{tail(log)}") from None
        yield lab_up, start, proc, log
    finally:
        finish(proc, log)


def finish(proc, log, timeout: float = 240) -> None:
    """Wait for the job to end by its duration; if it overruns, stop it (SIGTERM: graceful, then
    killed) so it cannot hold the metrics port into the next test, and fail with its last lines."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise AssertionError(
            f"windowing overran its 60 s duration by {timeout:.0f} s and was stopped; its last lines:\n{tail(log)}"
        ) from None


def documented_metrics() -> list[str]:
    text = (ROOT / "docs" / "metrics.md").read_text().split("## Alerts")[0]
    names = re.findall(r"^\| `((?:streaming|producer)_[a-z_]+|lab:[a-z_:0-9]+)`", text, re.M)
    return names


def test_every_documented_metric_has_a_series(windowing_run):
    settings, *_ = windowing_run
    names = documented_metrics()
    assert len(names) >= 25
    missing = [n for n in names if not query(settings, n if ":" in n else f'{{__name__=~"{n}(_bucket|_count)?"}}')]
    assert not missing, f"documented but absent from Prometheus: {missing}"


def test_every_dashboard_panel_returns_data(windowing_run):
    settings, *_ = windowing_run
    exprs = [
        (d.title, p.title, dashboards.expand(t.expr))
        for d in dashboards.DASHBOARDS
        for p in d.panels
        for t in p.targets
    ]
    assert len(exprs) >= 40

    def empty():
        return [e for e in exprs if not finite(query(settings, e[2]))]

    try:
        wait_for(lambda: not empty(), 90, "every panel's expression to return a finite value")
    except TimeoutError:
        pass
    assert not empty(), "panels without data: " + "; ".join(f"{d} / {p}: {e}" for d, p, e in empty())


def test_report_of_a_run_that_keeps_up(windowing_run, tmp_path):
    settings, start, proc, log = windowing_run
    finish(proc, log)
    assert proc.returncode == 0, f"windowing exited {proc.returncode}:\n{tail(log)}"
    out = build(settings, "windowing", start, time.time(), out_root=tmp_path)
    figures = json.loads((out / "figures.json").read_text())
    assert figures["verdict"] == "keeps up", figures
    assert figures["rows"] > 0 and figures["batches"] >= 5
    md = (out / "report.md").read_text()
    assert "## Verdict: **keeps up**" in md and "## Tuning hints" in md
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 20, "the report should chart the dashboards' panels"
    assert len(list(out.glob("*.png"))) >= 20


def test_report_of_a_run_that_cannot_keep_up(topics, lab_up, tmp_path):
    """basic capped at 200 records per 2-second batch, while page views arrive at about 2,200/s."""
    producer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "producer",
            "--rate",
            "3000",
            "--duration",
            "60",
            "--seed",
            "71",
            "--dimensions-dir",
            "",
        ],
        cwd=ROOT,
        env=topics,
        stderr=subprocess.DEVNULL,
    )
    start = time.time()
    try:
        run.submit(
            "basic",
            "--duration",
            "40",
            "--sink",
            "noop",
            "--trigger",
            "2 seconds",
            "--max-offsets-per-trigger",
            "200",
            "--checkpoint",
            str(tmp_path / "ckpt"),
            environ=topics,
        )
    finally:
        producer.terminate()
        producer.wait(60)
    # The job has exited, so its series are stale at Prometheus' next failed scrape: look back
    # over the run (as the report does) rather than at the instant.
    window = int(time.time() - start) + 5
    wait_for(
        lambda: query(lab_up, f'max_over_time(streaming_batches_total{{job="basic",query="basic"}}[{window}s])'),
        30,
        "Prometheus to hold basic's metrics from the run",
    )
    out = build(lab_up, "basic", start, time.time(), out_root=tmp_path, trigger_seconds=2)
    figures = json.loads((out / "figures.json").read_text())
    assert figures["verdict"] == "falls behind", figures
    assert figures["lag_end"] > figures["lag_start"]
    md = (out / "report.md").read_text()
    assert "raise --max-offsets-per-trigger" in md
