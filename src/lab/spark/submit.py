"""Submit a job with spark-submit, in client mode, against the lab's Spark master.

Contract:
- An unknown job lists the available ones and returns 2.
- Bad common options are caught by the job's own option parser before the JVM starts, and
  also return 2.
- A lab that is not up gets one line pointing to `make up`, and returns 1.
- Otherwise spark-submit runs in the foreground, and its exit code is returned.
- Ctrl-C (or SIGTERM) is passed to the job's Python driver alone, which stops its queries
  gracefully and leaves the checkpoint intact. If the driver is still there after a grace
  period, the whole submission is killed.

Client mode because Spark standalone cannot run Python drivers in cluster mode. The connector
jars (`--jars`) and the shared `streamlab` package (`--py-files`) are shipped to the executors.
The driver's JVM is started as spark-submit would start it, without the JVM's warning about an
incubator module (lab.spark.launch).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import psutil

from lab.config.clients import client_env
from lab.config.paths import SERVICES_DIR, SPARK_DEFAULTS, STREAMLAB_DIR, Paths
from lab.config.settings import Settings
from lab.spark import cds, jobs, launch
from lab.spark.home import connector_jars, spark_home
from lab.system import health, procs
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")

STOP_GRACE_SECONDS = 45
# Every process the lab starts carries LAB_INSTANCE=<run folder> in its environment: how
# `make down` finds stragglers (executors, drivers) without pid files of its own.
MARKER = "LAB_INSTANCE"


def spark_env(settings: Settings, paths: Paths) -> dict[str, str]:
    """Environment for anything Spark the lab runs: daemons and spark-submit alike."""
    return {
        "SPARK_HOME": str(spark_home()),
        # Empty, with the lab's conf folder last on the class path and its spark-defaults.conf
        # passed as --properties-file: the class-data archive needs it (lab.spark.cds).
        "SPARK_CONF_DIR": str(cds.empty_conf_dir(paths)),
        "SPARK_DIST_CLASSPATH": str(SERVICES_DIR / "spark"),
        "SPARK_DAEMON_JAVA_OPTS": " ".join(cds.java_options(paths)),
        "SPARK_LOCAL_IP": settings.host,
        "SPARK_DAEMON_MEMORY": "512m",
        "PYSPARK_PYTHON": str(paths.python),
        "PYSPARK_DRIVER_PYTHON": str(paths.python),
    }


def build_pyfiles(paths: Paths) -> Path:
    """Zip src/streamlab for the executors (rebuilt every submit: it is small and may change): its
    modules and its message catalogues (streamlab.i18n)."""
    out = paths.run / "build" / "streamlab.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: another job starting at the same moment reads a whole zip.
    partial = out.with_name(f"streamlab.{os.getpid()}.zip")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted([*STREAMLAB_DIR.rglob("*.py"), *STREAMLAB_DIR.rglob("*.toml")]):
            zf.write(path, path.relative_to(STREAMLAB_DIR.parent))
    os.replace(partial, out)
    return out


def command(
    settings: Settings,
    paths: Paths,
    job_path: Path,
    job_args: list[str],
    *,
    jars: list[Path] | None = None,
    driver_host: str | None = None,
    bind_host: str | None = None,
    python: str | None = None,
    java_options: list[str] | None = None,
    master: str | None = None,
    main_class: str | None = None,
    extra_conf: dict[str, str] | None = None,
) -> list[str]:
    """The spark-submit command line. The keyword arguments are what differs in a container
    (lab.runtimes.docker.container): where the jars are, the host name executors reach the driver
    by, and the address the driver binds; the local runtime's JVM options for its driver and
    executors (lab.spark.cds); and the master, the lab's unless given (`local[2]` for the class-data
    archive's run). A `main_class` (the Spark Connect server's) runs instead of a Python job: then
    `job_path` only names the application; `extra_conf` adds or replaces Spark settings. A job's
    own DRIVER_JAVA_OPTIONS (lab.spark.jobs.driver_java_options) go to its driver alone."""
    jar_list = ",".join(str(j) for j in (jars or connector_jars(paths)))
    python = python or str(paths.python)
    conf = {
        "spark.driver.host": driver_host or settings.host,
        "spark.driver.bindAddress": bind_host or settings.host,
        "spark.ui.port": settings["SPARK_DRIVER_UI_PORT"],
        "spark.executor.memory": settings["SPARK_EXECUTOR_MEMORY"],
        "spark.sql.shuffle.partitions": settings["SPARK_SHUFFLE_PARTITIONS"],
        # Driver and executors must run the same Python: the lab's venv.
        "spark.pyspark.python": python,
        "spark.pyspark.driver.python": python,
        "spark.executorEnv.LAB_INSTANCE": str(paths.run),
        # The Python that runs on executors (data sources, sinks) speaks the learner's language too.
        "spark.executorEnv.LAB_LANG": settings.language(),
    }
    conf.update(extra_conf or {})
    cmd = [
        str(spark_home() / "bin" / "spark-submit"),
        *(["--class", main_class] if main_class else []),
        *("--master", master or settings.spark_master, "--deploy-mode", "client", "--name", job_path.stem),
        *("--driver-memory", settings["SPARK_DRIVER_MEMORY"], "--properties-file", str(SPARK_DEFAULTS)),
        *("--jars", jar_list),
        # A server (main_class) runs no job: its Python workers import the job library installed.
        *([] if main_class else ["--py-files", str(build_pyfiles(paths))]),
    ]
    base, user = list(java_options or []), settings["SPARK_JAVA_OPTIONS"].split()
    # The learner's SPARK_JAVA_OPTIONS come last: where a job's own option differs, theirs wins.
    driver = [*base, *([] if main_class else jobs.driver_java_options(job_path)), *user]
    if driver:
        cmd += ["--driver-java-options", " ".join(driver)]
    if base or user:
        conf["spark.executor.extraJavaOptions"] = " ".join([*base, *user])
    for key, value in conf.items():
        cmd += ["--conf", f"{key}={value}"]
    return [*cmd, *([] if main_class else [str(job_path)]), *job_args]


def spawn(
    settings: Settings, paths: Paths, job_path: Path, job_args: list[str], env: dict[str, str], **popen
) -> subprocess.Popen:
    """Start spark-submit for a job and return at once. Its own process group lets the caller stop
    the whole driver (and keeps a terminal's Ctrl-C for the caller); the lab's marker lets
    `make down` find it if the caller dies first. `popen` goes to Popen (cwd, stdout, ...).
    The job's configuration (lab.config.clients) follows `env`'s settings: a drill's own topics, say."""
    env = {**env, **spark_env(settings, paths), **client_env(settings.overridden(env), paths), MARKER: str(paths.run)}
    cmd = command(settings, paths, job_path, job_args, java_options=cds.java_options(paths))
    jvm = launch.java_command(cmd, env, settings["SCALA_BINARY_VERSION"])
    return subprocess.Popen(jvm, env=env, start_new_session=True, **popen)


def _python_driver(proc: subprocess.Popen, job_path: Path) -> int | None:
    """The job's Python driver, or None: under spark-submit, the descendant whose command line holds
    the job's path and does not name org.apache.spark.deploy.SparkSubmit (spark-submit's own
    processes, whose command lines hold the path too); a Spark Connect client is its own driver."""
    for pid in procs.tree(proc.pid):
        try:
            cmdline = psutil.Process(pid).cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if str(job_path) in cmdline and "org.apache.spark.deploy.SparkSubmit" not in cmdline:
            return pid
    return None


def _stop_gracefully(proc: subprocess.Popen, job_path: Path) -> int:
    driver = _python_driver(proc, job_path)
    if driver:
        os.kill(driver, signal.SIGINT)
        try:
            return proc.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            print(MESSAGES("job_would_not_stop", seconds=STOP_GRACE_SECONDS), file=sys.stderr)
    os.killpg(proc.pid, signal.SIGKILL)
    return proc.wait()


def preflight(settings: Settings, job: str, job_args: list[str], lab_up) -> Path | int:
    """The job's file, if it can run now; else the exit code (2: unknown job or bad options; 1: the
    lab is not up, or Kafka does not answer), its one line printed."""
    job_path = jobs.checked(job, job_args)
    if job_path is None:
        return 2
    if not lab_up():
        print(MESSAGES("not_up"), file=sys.stderr)
        return 1
    from confluent_kafka import KafkaException

    try:
        health.kafka_ready(settings)
    except (KafkaException, OSError) as exc:  # the broker is unusable: say so before any JVM starts
        reason = exc.args[0].str() if exc.args and hasattr(exc.args[0], "str") else str(exc)
        print(MESSAGES("kafka_does_not_answer", bootstrap=settings.kafka_bootstrap, reason=reason), file=sys.stderr)
        return 1
    return job_path


def submit(settings: Settings, paths: Paths, job: str, job_args: list[str], lab_up=lambda: True) -> int:
    job_path = preflight(settings, job, job_args, lab_up)
    if isinstance(job_path, int):
        return job_path
    print(MESSAGES("submitting", job=job, master=settings.spark_master), flush=True)
    return foreground(spawn(settings, paths, job_path, job_args, dict(os.environ)), job_path)


def foreground(proc: subprocess.Popen, job_path: Path) -> int:
    """Wait for a spawned spark-submit (or Spark Connect client) and return its exit code. SIGINT or
    SIGTERM meanwhile stops the job gracefully (see the module's contract). Used by both runtimes:
    here for the local one, in lab.runtimes.docker.container inside the Docker runtime's driver
    container."""
    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                return proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if stopping:
                    return _stop_gracefully(proc, job_path)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def reset(settings: Settings, paths: Paths, job: str) -> int:
    """Delete a job's checkpoints and its default Parquet output. The two go together: a Parquet
    sink's _spark_metadata log would make a fresh query skip batch ids it has already seen."""
    import shutil

    if jobs.path_of(job) is None:
        print(jobs.unknown(job), file=sys.stderr)
        return 2
    removed = []
    for folder in (paths.checkpoints / job, paths.outputs / job):
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(str(folder))
    print(
        MESSAGES("reset_done", job=job, folders=", ".join(removed)) if removed else MESSAGES("reset_nothing", job=job)
    )
    return 0
