"""The Docker lab for real: images built, the stack started and checked end to end.

Runs wherever a Docker engine can run, CI included (tests/support/dockerhost.py starts one where
none answers). `make test` runs it in one of its two processes, while the other runs local lab
tests (tests/conftest.py): the engine it starts has a network namespace of its own, so the labs
share no port. In order:
1. build every image but Grafana's (its official image can't be pulled here; the static checks
   cover its provisioning), and start the lab with `make demo`, as a learner does, from a PATH
   with no java, mvn or apt-get, and with a Python environment that holds only the control code's
   packages; two workers;
2. while the demo's windowing job runs: every Prometheus target up, workers and driver included,
   and every dashboard panel's query returning data; then `make report` of that run;
3. exact results: `basic` (every event once, bad ones quarantined), windowing's window counts,
   `make state`; `make check` and `make consume` from the same Java-less host (the drills run
   from it in the cluster profile's module, test_docker_cluster.py); Spark Connect: its server's
   container, a thin client on the host running windowing exactly, and `make check` over it;
4. `make notebook`: a real browser runs exercise 2's notebook in the notebook container's JupyterLab;
5. beside a running job, what lab.runtimes.docker.runtime asks the engine through the Docker SDK: the project's
   containers, the bench's CPU and executor probes, and the job's SIGKILL;
6. `make down` leaves no container, no volume in use and no process behind.
The figures (images, seconds to healthy, rows checked) are printed in the test summary. The
engine (`docker_engine`) is tests/docker/conftest.py's, shared with the cluster profile's module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest

from lab.config.paths import Paths
from lab.config.settings import ROOT, load
from lab.course.truth import closed_windows, output_window_counts, parse_time, valid_events, window_counts
from lab.kafka.admin import fresh_topics
from lab.kafka.reading import consume_all
from lab.observe import dashboards
from lab.spark.connect import thin_python
from lab.spark.jupyter import NOTEBOOKS
from lab.system import procs
from lab.system.httpclient import get_json
from streamlab.wait import WaitTimeout, wait_for
from tests.docker.conftest import PROJECT, figure
from tests.docker.labhost import RUN, STATE, Lab, lab_env, learner_host, running
from tests.support import jupyter, netns
from tests.support.lab import trace_lines

# A cold machine builds the images and Compose first: more than the suite's 900 s per test.
pytestmark = [pytest.mark.docker, pytest.mark.timeout(2700)]
START = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def docker_lab(docker_engine):
    lab = Lab(lab_env(*docker_engine), docker_engine[1])
    try:
        yield lab
    finally:
        lab.lab("down", check=False, timeout=300)
        lab.lab("clean", check=False, timeout=300)  # volumes and run folder: the next run starts afresh


@pytest.fixture(scope="module")
def demo(docker_lab, request, tmp_path_factory):
    """`make demo` as a learner without Java runs it: the lab comes up, then windowing runs 110 s.
    Yields while the job runs; the test that uses it checks what can be seen meanwhile."""
    lab = docker_lab
    folder = tmp_path_factory.mktemp("docker-demo")
    lab.host_env = learner_host(lab.env, folder)  # the learner-like host, for `make check` and more below
    env = lab.host_env
    log = folder / "demo.log"
    t0 = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(
            netns.command(lab.ns, ["make", "demo", "DURATION=110"]),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        healthy = wait_for(
            lambda: proc.poll() is not None or re.search(r"==> healthy in (\d+)s", log.read_text()),
            900,
            "make demo to bring the lab up",
        )
        if proc.poll() is not None and not hasattr(healthy, "group"):
            raise AssertionError(
                f"make demo exited {proc.returncode} before the lab was up:\n{log.read_text()[-4000:]}"
            )
        figure(
            f"make up: healthy {healthy.group(1)}s after `compose up`, "
            f"{time.monotonic() - t0:.0f}s after `make demo` started (2 workers)",
        )
        yield lab, proc, log
    finally:
        try:
            proc.wait(timeout=400)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(60)
            raise AssertionError(f"make demo overran:\n{log.read_text()[-3000:]}") from None


def test_demo_prometheus_and_dashboards(demo, request):
    lab, proc, log = demo

    def streaming():
        if proc.poll() is not None:
            raise AssertionError(f"make demo exited {proc.returncode} early:\n{log.read_text()[-4000:]}")
        return any(
            float(r["value"][1])
            for r in lab.query('lab:streaming_event_latency_seconds:p99_1m{job="windowing",query="windowing"}')
        )

    wait_for(streaming, 240, "the demo's windowing job to report latency percentiles to Prometheus")

    # Every target Prometheus is configured with is up: both workers, the driver and its executors too.
    def down():
        return [
            f"{t['labels']['job']} {t['scrapeUrl']}: {t['lastError']}" for t in lab.targets() if t["health"] != "up"
        ]

    try:
        wait_for(lambda: not down(), 60, "every Prometheus target to be up")
    except WaitTimeout:
        pass
    targets = lab.targets()
    assert not down(), f"targets down: {down()}"
    jobs = Counter(t["labels"]["job"] for t in targets)
    assert jobs["spark-worker"] == 2, jobs
    assert set(jobs) == {
        "prometheus",
        "kafka",
        "producer",
        "spark-master",
        "spark-applications",
        "spark-worker",
        "spark-driver",
        "spark-executors",
        "streaming",
    }, jobs
    # Every dashboard panel's query returns data (Grafana can't run here; its queries can).
    exprs = [
        (d.title, p.title, dashboards.expand(t.expr))
        for d in dashboards.DASHBOARDS
        for p in d.panels
        for t in p.targets
    ]

    def empty():
        return [e for e in exprs if not any(v == v for r in lab.query(e[2]) for v in [float(r["value"][1])])]

    try:
        wait_for(lambda: not empty(), 120, "every panel's expression to return a finite value")
    except WaitTimeout:
        pass
    assert not empty(), "panels without data: " + "; ".join(f"{d} / {p}: {e}" for d, p, e in empty())
    figure(f"Prometheus: {len(targets)} targets up ({dict(jobs)}); {len(exprs)} panel queries return data")
    assert proc.wait(timeout=400) == 0, log.read_text()[-3000:]
    text = log.read_text()
    assert "|window_start       |window_end         |key|events|" in text
    rows = re.findall(r"^\|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\|", text, re.M)
    assert rows, "the demo printed no window rows"
    figure(f"make demo: {text.count('Batch: ')} batches, {len(rows)} window rows printed")
    traces = trace_lines(text)
    assert not traces, f"{len(traces)} stack-trace or ERROR lines in the demo, first: {traces[:3]}"
    first = re.search(r"\] windowing: first batch took ([\d.]+) s", text)
    assert first, text[-3000:]
    figure(
        f"make demo: first batch {first.group(1)} s with a 10 s trigger; "
        f"'falling behind' warnings: {text.count('is falling behind')}",
    )
    # The performance report of that run, from the Docker lab's Prometheus.
    report = lab.lab("report", "--job", "windowing", "--since", "10m", "--trigger-seconds", "10")
    page = Path(re.search(r"Report written: (\S+report\.html)", report.stdout).group(1))
    assert page.exists() and page.read_text().count("data:image/png;base64,") >= 10, report.stdout[-2000:]


def _mapping_archive(lab, container: str, java_main: str) -> list[str]:
    """The pids of `container`'s JVMs running `java_main` that map the image's class-data archive."""
    script = (
        f"for p in $(pgrep -f {java_main}); do grep -qs /opt/lab/cds/spark.jsa /proc/$p/maps && echo $p; done; true"
    )
    out = subprocess.run(["docker", "exec", container, "sh", "-c", script], env=lab.env, capture_output=True, text=True)
    return out.stdout.split()


@pytest.fixture
def topics(docker_lab, request):
    prefix = request.node.name.replace("test_", "dk_")[:30]
    return docker_lab.call(fresh_topics, docker_lab.settings.kafka_bootstrap, prefix)


def test_basic_every_event_once_bad_ones_quarantined(demo, docker_lab, topics, request):
    lab = docker_lab
    lab.produce(topics, "--count", "600", "--rate", "0", "--seed", "101", "--malformed-share", "0.05")
    views = lab.call(consume_all, lab.settings.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"])
    expected = {e["event_id"] for e in valid_events(views, "page_views")}
    out = RUN / "e2e" / "basic"
    lab.lab(
        "submit",
        "basic",
        "--trigger",
        "availableNow",
        "--sink",
        "parquet",
        "--output",
        str(out),
        "--checkpoint",
        str(RUN / "e2e" / "basic-ckpt"),
        "--metrics-port",
        "0",
        **topics,
    )
    ids = pq.read_table(out).column("event_id").to_pylist()
    duplicated = len(ids) - len(set(ids))
    lost = len(expected - set(ids))
    assert (lost, duplicated) == (0, 0) and set(ids) == expected
    quarantined = lab.call(consume_all, lab.settings.kafka_bootstrap, topics["TOPIC_QUARANTINE"])
    assert len(quarantined) == len(views) - len(expected) > 0
    raw = {(r.partition, r.offset): r.value for r in views}
    assert all(
        raw[(int(q.headers["source_partition"]), int(q.headers["source_offset"]))] == q.value for q in quarantined
    ), "the quarantine must keep the raw bytes"
    figure(
        f"basic: {len(expected)} rows checked, {len(quarantined)} quarantined, lost {lost}, duplicated {duplicated}",
    )


def test_windowing_exact_window_counts(demo, docker_lab, topics, request):
    lab = docker_lab
    lab.produce(
        topics,
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
    )
    lab.produce(topics, "--count", "20", "--rate", "0", "--seed", "32", "--start-time", "2026-01-01T01:00:00Z")
    events = valid_events(lab.call(consume_all, lab.settings.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"]), "page_views")
    watermark = max(e["event_time"] for e in events) - timedelta(minutes=10)
    expected = window_counts(events, "country", 5, closed_before=watermark)
    out = RUN / "e2e" / "windowing"
    lab.lab(
        "submit",
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
        str(RUN / "e2e" / "windowing-ckpt"),
        "--metrics-port",
        "0",
        **topics,
    )
    got, repeated = output_window_counts(pq.read_table(out).to_pylist())
    assert repeated == 0, "a window was emitted twice"
    assert len(expected) > 20 and got == expected
    # make state, in a driver container: the windows still open are exactly the state's.
    report = RUN / "e2e" / "windowing-state.json"
    shown = lab.lab(
        "state", "windowing", "--checkpoint", str(RUN / "e2e" / "windowing-ckpt"), "--limit", "0", "--json", str(report)
    )
    (op,) = json.loads(report.read_text())["queries"]["windowing"]
    held = Counter(
        {(parse_time(r["window_start"]), parse_time(r["window_end"]), r["country"]): r["count"] for r in op["rows"]}
    )
    live = window_counts(events, "country", 5) - expected
    assert live and held == live, f"state {dict(held)} != open windows {dict(live)}"
    assert f"{len(live)} key(s) in state after batch {op['batch']}" in shown.stdout
    figure(
        f"windowing: {len(expected)} windows, {sum(expected.values())} events checked exactly; "
        f"make state: the {len(live)} open windows",
    )


def test_check_an_exercise_and_consume_a_topic(demo, docker_lab, request):
    """`make check` and `make consume` from the host without Java: the checker's driver runs in a
    driver container, on the learner's files as the project folder mounts them."""
    files = "instructors/solutions/ex2_windowing.py instructors/wrong-answers/ex2_no_watermark.py"
    proc = subprocess.run(
        netns.command(docker_lab.ns, ["make", "check", "EXERCISE=2", f"FILE={files}"]),
        cwd=ROOT,
        env={**docker_lab.host_env, "LAB_LANG": "en"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout
    assert proc.returncode != 0 and "instructors/solutions/ex2_windowing.py: PASS" in out, out + proc.stderr[-2000:]
    assert "instructors/wrong-answers/ex2_no_watermark.py: FAIL\n  Hint (missing_watermark)" in out, out
    proc = subprocess.run(
        netns.command(docker_lab.ns, ["make", "consume", "TOPIC=page_views", "LIMIT=2"]),
        cwd=ROOT,
        env=docker_lab.host_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and out.count("PASS") == 1, proc.stdout + proc.stderr
    assert proc.stdout.count('  value    {"event_id":') == 2, proc.stdout
    figure("make check EXERCISE=2: the solution passes, no_watermark fails with its hint; make consume")


def test_a_class_over_spark_connect_a_learners_thin_client_on_the_host_and_a_check_as_another(
    demo, docker_lab, topics, request
):
    """`make class` adds the Spark Connect server's and the gate's containers. Learner ana's thin
    client on the host (pyspark-client only, no Java on its PATH), set up from nothing but the
    connection file `make class` wrote for her, runs the windowing job through the gate, with the
    server's paths and Kafka's address in the lab's network, and gets exactly the window counts,
    its checkpoint in her folder; a wrong token is refused; `make check` of exercise 2 as learner
    bruno runs through the gate too (its client in a driver container)."""
    lab = docker_lab
    up = lab.lab("class", "--names", "ana,bruno", LAB_LANG="en", timeout=600)
    assert "class-gate    running (healthy)" in up.stdout and "spark-connect running (healthy)" in up.stdout, up.stdout
    try:
        # The project's thin client (.lab/thin, as `make submit CONNECT=1` makes it), made here: pip needs the internet.
        python = thin_python(lab.settings, Paths.of(load(environ={})))
        lab.produce(
            topics,
            *("--count", "2400", "--rate", "0", "--seed", "31", "--start-time", START),
            *("--event-rate", "2", "--jitter-ms", "20000", "--malformed-share", "0.03"),
        )
        lab.produce(topics, "--count", "20", "--rate", "0", "--seed", "32", "--start-time", "2026-01-01T01:00:00Z")
        records = lab.call(consume_all, lab.settings.kafka_bootstrap, topics["TOPIC_PAGE_VIEWS"])
        expected = closed_windows(valid_events(records, "page_views"), "country", 5, timedelta(minutes=10))
        lines = (RUN / "class" / "connections" / "ana.env").read_text().splitlines()
        ana = dict(
            line.removeprefix("export ").replace("'", "").split("=", 1) for line in lines if line.startswith("export ")
        )
        client_env = {
            **ana,
            "TOPIC_PAGE_VIEWS": topics["TOPIC_PAGE_VIEWS"],
            # What the teacher hands out: the connection file and, beside it, the class's authority.
            "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(
                RUN / "class" / "connections" / ana["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"]
            ),
            "PATH": f"{python.parent}{os.pathsep}{lab.host_env['PATH']}",  # the Java-less host's, for nsenter
            "PYTHONPATH": str(ROOT / "src"),
            "LAB_LANG": "en",
        }
        assert shutil.which("java", path=client_env["PATH"]) is None
        assert ana["KAFKA_BOOTSTRAP"] == "kafka:19092" and ana["PATHS_ON_SERVER"] == "1"
        args = ["--sink", "parquet", "--output", "/lab-state/e2e/class-windowing", "--output-mode", "append"]
        args += ["--trigger", "availableNow", "--metrics-port", "0"]
        job = [str(python), str(ROOT / "jobs" / "windowing.py"), *args]
        proc = subprocess.run(
            netns.command(lab.ns, job), cwd=ROOT, env=client_env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        got, repeated = output_window_counts(pq.read_table(RUN / "e2e" / "class-windowing").to_pylist())
        assert repeated == 0, "a window was emitted twice"
        assert len(expected) > 20 and got == expected
        assert (RUN / "class" / "learners" / "ana" / "checkpoints" / "windowing" / "windowing" / "offsets").is_dir()
        wrong = {**client_env, "SPARK_REMOTE": client_env["SPARK_REMOTE"].replace("token=", "token=not-")}
        refused = subprocess.run(
            netns.command(lab.ns, job), cwd=ROOT, env=wrong, capture_output=True, text=True, timeout=300
        )
        assert refused.returncode != 0 and "your connection's token is missing or not valid" in refused.stderr
        check = lab.lab(
            "check",
            "2",
            "instructors/solutions/ex2_windowing.py",
            LEARNER="bruno",
            LAB_LANG="en",
            check=False,
            timeout=600,
        )
        assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
        assert "instructors/solutions/ex2_windowing.py: PASS\n  45 (window, country) counts exact" in check.stdout
        assert "bruno" in json.loads((RUN / "class" / "gate-status.json").read_text())["learners"]
    finally:
        lab.lab("class", "--stop", check=False, timeout=300)
        lab.lab("stop", "spark-connect", CONNECT="1", check=False, timeout=300)
    figure(f"Classroom mode: ana's thin client through the gate, {len(expected)} windows exact; bruno's check PASS")


@pytest.mark.skipif(jupyter.CHROMIUM is None, reason="no Chromium: apt-get install chromium-headless-shell")
def test_make_notebook_runs_an_exercise_notebook_in_a_browser(demo, docker_lab, tmp_path, request):
    """`make notebook` in the Docker runtime, from the host without Java or pyspark: JupyterLab in
    its container, and a real browser runs exercise 2's notebook with Run > Run All Cells. The
    notebook reads Kafka with the kernel's `spark` (the connector is there), windows it, and asserts
    its own counts; every cell must run without an error, on the lab's cluster. Then the kernel's
    Spark UI answers on NOTEBOOK_SPARK_UI_PORT, and Ctrl-C stops JupyterLab and its container."""
    lab = docker_lab
    folder = tmp_path / "notebooks"  # JupyterLab saves what it runs: a copy
    shutil.copytree(NOTEBOOKS, folder)
    if os.geteuid() == 0:  # the container runs as uid 10001 when the host user is root
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 10001, 10001)
    name = "es/ejercicio-2.ipynb"
    shot = RUN / "notebook" / "jupyterlab-docker.png"
    control_python = str(STATE / "venv" / "bin" / "python")  # the learner-like host's: no pyspark
    cmd = netns.command(lab.ns, [control_python, "-m", "lab", "notebook"])
    t0 = time.monotonic()
    with jupyter.lab_notebook(cmd, {**lab.host_env, "LAB_NOTEBOOKS": str(folder)}, ROOT, timeout=600) as url:
        started = time.monotonic() - t0

        def run_all():
            with jupyter.notebook_page(url, name, shot) as page:
                t1 = time.monotonic()
                jupyter.run_all_cells(page, url, 600)
                s = lab.settings
                ui = get_json(f"http://{s.host}:{s['NOTEBOOK_SPARK_UI_PORT']}/api/v1/applications", 10)
                master = get_json(f"http://{s.host}:{s['SPARK_MASTER_UI_PORT']}/json/", 10)
                return time.monotonic() - t1, ui, master["activeapps"]

        ran, apps, active = lab.call(run_all)
        nb = jupyter.saved_run(folder / name)
    problems = jupyter.errors(nb)
    assert not problems, f"{name} in the Docker runtime's JupyterLab: {problems}; screenshot: {shot}"
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "spark://spark-master:7077" in "".join(o.get("text", "") for o in first.outputs), first.outputs
    # The kernel's application, named after its notebook, holds NOTEBOOK_CORES cores and small executors.
    assert [a["name"] for a in apps] == ["notebook ejercicio-2.ipynb"], apps
    assert jupyter.kernel_apps(active) == [jupyter.kernel_share(lab.settings, "ejercicio-2.ipynb")], active
    assert lab.notebook_gone(), "the notebook's container outlived Ctrl-C"
    cells = sum(c.cell_type == "code" for c in nb.cells)
    figure(
        f"make notebook: JupyterLab answered {started:.0f}s after start; {name}: {cells} cells run in a browser in "
        f"{ran:.0f}s, 0 errors; screenshot {shot}",
    )


def test_probes_and_kill_of_a_running_job(demo, docker_lab, request):
    """What lab.runtimes.docker.runtime asks the engine (Docker SDK) beside a running job: the project's containers,
    as `docker ps` lists them; each part's CPU seconds and the executors' times (what `make bench`
    reads); that its driver, its executor, the worker and the master map the image's class-data
    archive; then the job's SIGKILL, and a second kill of the gone container, which is no error."""
    from lab.runtimes.docker.runtime import Docker

    lab = docker_lab
    rt = Docker(lab.settings, environ=lab.env)
    job = rt.spawn_job(
        "basic",
        [
            "--duration",
            "600",
            "--sink",
            "noop",
            "--metrics-port",
            "0",
            "--checkpoint",
            str(RUN / "e2e" / "probes-ckpt"),
        ],
        lab.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: job.poll() is None and job.name in running(lab), 180, "the job's driver container to run")
        ps = subprocess.run(
            ["docker", "ps", "--all", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}"],
            env=lab.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert sorted(rt.leftovers()) == sorted(f"container {c}" for c in ps) and ps
        # The lab's own producer service stands in for the bench's producer run: the probe reads only its --name.
        cpu = rt.cpu_probe(job, SimpleNamespace(args=["--name", f"{PROJECT}-producer-1"]))
        first = cpu()
        assert all(seconds > 0 for seconds in first.values()), first
        gc_ms, task_ms = wait_for(
            lambda: (t := rt.executor_times(job)) and t[1] > 0 and t,
            180,
            "the driver's REST API to report the executors' task time",
        )
        later = cpu()
        assert all(later[part] >= first[part] for part in first), (first, later)
        # Every Spark JVM maps the image's class-data archive (services/spark/Dockerfile): none would without it.
        jvms = {
            "driver": (job.name, "org.apache.spark.deploy.SparkSubmit"),
            "executor": (f"{PROJECT}-spark-worker-1", "CoarseGrainedExecutorBackend"),
            "worker": (f"{PROJECT}-spark-worker-1", "org.apache.spark.deploy.worker.Worker"),
            "master": (f"{PROJECT}-spark-master-1", "org.apache.spark.deploy.master.Master"),
        }
        unmapped = [role for role, (container, main) in jvms.items() if not _mapping_archive(lab, container, main)]
        assert not unmapped, f"these JVMs do not map the class-data archive: {unmapped}"
        # The master reads the lab's settings (--properties-file, SPARK_CONF_DIR being empty): no REST submission.
        probe = "import socket; print(socket.socket().connect_ex(('spark-master', 6066)))"
        rest = subprocess.run(
            ["docker", "exec", f"{PROJECT}-spark-master-1", "python", "-c", probe],
            env=lab.env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert rest.stdout.strip() != "0", "Spark's REST submission port must stay closed"
        t0 = time.monotonic()
        job.kill()
        killed = time.monotonic() - t0
        assert job.name not in running(lab), "the killed driver's container still runs"
        job._kill()  # the kill function once more: its container is gone, which is no error
    finally:
        job.kill()
    figure(
        f"probes: CPU seconds {', '.join(f'{k} {v:.1f}' for k, v in later.items())}; executors "
        f"{task_ms:.0f} ms of tasks, {gc_ms:.0f} ms GC; driver container killed in {killed:.1f}s",
    )


def test_down_leaves_nothing_behind(docker_lab, request):
    """Even with a job running whose caller is gone: its driver container goes too."""
    from lab.runtimes.docker.runtime import Docker

    lab = docker_lab
    rt = Docker(lab.settings, environ=lab.env)
    job = rt.spawn_job(
        "basic",
        ["--duration", "600", "--sink", "noop", "--metrics-port", "0", "--checkpoint", str(RUN / "e2e" / "down-ckpt")],
        lab.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(
            lambda: job.poll() is None and any(c.endswith(job.name) or job.name in c for c in running(lab)),
            180,
            "the job's driver container to run",
        )
        proc = lab.lab("down")
        assert "The lab is down." in proc.stdout
        assert job.wait(timeout=60) is not None, "the job's `docker compose run` outlived make down"
    finally:
        job.kill()
    assert rt.leftovers() == [], "containers left after make down"
    volumes = subprocess.run(
        ["docker", "volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}"],
        env=lab.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for volume in volumes:
        users = subprocess.run(
            ["docker", "ps", "--all", "--quiet", "--filter", f"volume={volume}"],
            env=lab.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert not users, f"volume {volume} is still in use by {users}"
    clients = procs.marked("COMPOSE_PROJECT_NAME", PROJECT)
    assert not clients, f"processes of the Docker lab left running: {clients}"
    again = lab.lab("down")
    assert "not running" in again.stdout
    figure(f"make down: 0 containers, {len(volumes)} volumes kept and unused, 0 processes")
