"""Metrics, dashboards and the performance report, against the real Prometheus during real runs."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.config.settings import ROOT
from lab.observe import dashboards, report
from lab.observe.report import build
from lab.system.httpclient import get_json
from streamlab.wait import WaitTimeout, wait_for
from tests.support import browser
from tests.support import lab as run
from tests.support.lab import tail
from tests.support.language import english_lines


def query(settings, expr):
    body = get_json(f"http://{settings.host}:{settings['PROMETHEUS_PORT']}/api/v1/query", 10, {"query": expr})
    assert body["status"] == "success", body
    return body["data"]["result"]


def finite(result) -> bool:
    return any(math.isfinite(float(r["value"][1])) for r in result)


@pytest.fixture(scope="module")
def report_env(lab_env):
    """The lab's environment with a job's wait for Prometheus' last scrape back on, as a learner has
    it: the report's row counts are then exact."""
    return {**lab_env, "JOB_FINAL_SCRAPE_SECONDS": "6"}


@pytest.fixture(scope="module")
def windowing_run(lab_up, report_env, tmp_path_factory):
    """The windowing job on the lab's live topics (the background producer feeds them), with its
    --summary: (settings, start, process, log, summary file).

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
                "--summary",
                str(folder / "summary.json"),
            ],
            cwd=ROOT,
            env=report_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def percentiles():
        if proc.poll() is not None:
            raise AssertionError(f"windowing exited {proc.returncode} before its duration:\n{tail(log)}")
        # Three batches of this run (its fresh checkpoint's ids 0-2: a watermark set, rates to
        # compute), not an earlier windowing run's (`make demo`'s, a minute before), whose series
        # the recording rules' 1-minute rates still hold after they went stale.
        ours = '{job="windowing",query="windowing"}'
        return all(
            finite(query(lab_up, expr))
            for expr in (
                f"streaming_query_started_timestamp_seconds{ours} >= {start:.0f}",
                f"streaming_batch_id{ours} >= 2",
                f"lab:streaming_event_latency_seconds:p99_1m{ours}",
            )
        )

    try:
        try:
            wait_for(percentiles, 150, "Prometheus to hold the windowing job's latency percentiles")
        except WaitTimeout as exc:
            raise AssertionError(f"{exc}\nthe job's last lines:\n{tail(log)}") from None
        yield lab_up, start, proc, log, folder / "summary.json"
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


def rows_of(summary) -> int:
    return json.loads(summary.read_text())["queries"]["windowing"]["input_rows"]


def test_report_of_a_run_that_keeps_up(windowing_run, report_env, tmp_path):
    settings, start, proc, log, summary = windowing_run
    finish(proc, log)
    assert proc.returncode == 0, f"windowing exited {proc.returncode}:\n{tail(log)}"
    end = time.time()
    out = build(settings, "windowing", start, end, out_root=tmp_path, lang="en")
    figures = json.loads((out / "figures.json").read_text())
    assert figures["verdict"] == "keeps up", figures
    assert figures["runs_in_window"] == 1 and figures["batches"] >= 5
    assert figures["rows"] == rows_of(summary) > 0, "the report counts every row the run read, its last batches too"
    # A fresh checkpoint: the first batch is batch 0, and the steady state is every row after it.
    assert figures["first_batch_id"] == 0 and figures["first_batch_rows"] > 0, figures
    assert figures["steady_rows"] == figures["rows"] - figures["first_batch_rows"], figures
    md = (out / "report.md").read_text()
    assert "## Verdict: **keeps up**" in md and "## Tuning hints" in md
    assert "## First batch\n\nBatch 0 read " in md and "the query started without a checkpoint" in md
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 20, "the report should chart the dashboards' panels"
    assert len(list(out.glob("*.png"))) >= 20
    # The same run's report in Spanish, as `LAB_LANG=es make report` writes it and prints it.
    spanish = run.lab(
        "report",
        "--job",
        "windowing",
        "--start",
        str(start),
        "--end",
        str(end),
        environ={**report_env, "LAB_LANG": "es"},
    )
    assert spanish.returncode == 0, spanish.stdout + spanish.stderr
    assert english_lines(spanish.stdout + spanish.stderr) == [], spanish.stdout
    folder = Path(re.search(r"^Reporte escrito: (\S+)report\.html ", spanish.stdout, re.M).group(1))
    try:
        es_md = (folder / "report.md").read_text()
        assert english_lines(es_md) == [], english_lines(es_md)
        assert "## Veredicto: **da abasto**" in es_md and "## El primer batch\n\nEl batch 0 leyó " in es_md
        es_figures = json.loads((folder / "figures.json").read_text())
        assert (es_figures["verdict"], es_figures["language"], es_figures["rows"]) == (
            "keeps up",
            "es",
            figures["rows"],
        )
        if browser.CHROMIUM is None:
            pytest.skip("no Chromium: apt-get install chromium-headless-shell (.ci/run does)")
        with browser.opened(folder / "report.html", tmp_path / "report.es.png") as shown:
            assert browser.raw_markdown(shown) == []
            assert browser.above_the_fold(shown, "h2:has-text('Veredicto')"), (
                "the verdict should be on the first screen"
            )
            assert english_lines(shown.inner_text("body")) == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # As a person sees it: in a real browser, rendered, every chart loaded, the verdict on the first screen.
    with browser.opened(out / "report.html", tmp_path / "report.png") as shown:
        assert browser.raw_markdown(shown) == [], "Markdown syntax survived into the rendered page"
        charts = browser.images(shown)
        assert len(charts) >= 20 and all(i["width"] > 0 for i in charts), [i for i in charts if not i["width"]]
        assert browser.above_the_fold(shown, "h2:has-text('Verdict')"), "the verdict should be on the first screen"
        assert shown.locator("table tr").count() >= 11 and shown.locator("ul li").count() >= 3
    assert (tmp_path / "report.png").stat().st_size > 20_000


def test_two_runs_the_report_covers_the_latest_and_lists_both(windowing_run, report_env, tmp_path):
    """windowing a second time, a pause after the first: the report of a time range holding both covers
    the second alone, and the list shows both, each with the rows its own --summary counted."""
    settings, start, proc, log, first = windowing_run
    finish(proc, log)
    second = tmp_path / "summary.json"
    run.submit(
        "windowing",
        "--duration",
        "25",
        "--trigger",
        "5 seconds",
        "--sink",
        "noop",
        "--checkpoint",
        str(tmp_path / "ckpt"),
        "--summary",
        str(second),
        environ=report_env,
    )
    end = time.time()
    found = report.runs(report.Prometheus.of(settings), "windowing", start, end)
    assert [r.rows for r in found] == [rows_of(first), rows_of(second)], found
    assert found[0].end < found[1].start and len({r.run_id for r in found}) == 2
    out = build(settings, "windowing", start, end, out_root=tmp_path, lang="en")
    figures = json.loads((out / "figures.json").read_text())
    assert (figures["run_id"], figures["runs_in_window"], figures["rows"]) == (found[1].run_id, 2, rows_of(second))
    assert (
        "The time range held 2 runs of windowing; this report covers run 2 (the latest)"
        in (out / "report.md").read_text()
    )
    earlier = build(settings, "windowing", start, end, out_root=tmp_path / "first", run="1", lang="en")
    assert json.loads((earlier / "figures.json").read_text())["rows"] == rows_of(first)
    # make report LIST=1: both runs, with their rows.
    listed = run.lab(
        "report", "--job", "windowing", "--start", str(start), "--list", environ={**report_env, "LAB_LANG": "en"}
    )
    assert listed.returncode == 0, listed.stderr
    lines = [line.split() for line in listed.stdout.splitlines()[1:3]]
    assert [(ln[0], ln[1], ln[-1]) for ln in lines] == [
        ("1", found[0].short_id, f"{rows_of(first):,}"),
        ("2", found[1].short_id, f"{rows_of(second):,}"),
    ], listed.stdout


def test_report_of_a_run_that_cannot_keep_up(topics, lab_up, tmp_path):
    """basic capped at 200 records per 2-second batch, while page views arrive at about 600/s. The
    producer runs until the job has ended (it is stopped then): on a loaded machine the job's start
    and first batch alone can outlast a fixed minute of producing, and a lag that stopped growing
    before the first batch would read as keeping up."""
    producer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "producer",
            "--rate",
            "800",
            "--duration",
            "600",
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
    out = build(lab_up, "basic", start, time.time(), out_root=tmp_path, trigger_seconds=2, lang="en")
    figures = json.loads((out / "figures.json").read_text())
    assert figures["verdict"] == "falls behind", figures
    assert figures["lag_end"] > figures["lag_start"]
    md = (out / "report.md").read_text()
    assert "raise --max-offsets-per-trigger" in md
