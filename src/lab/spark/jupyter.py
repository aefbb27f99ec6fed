"""`make notebook`: JupyterLab on the course's notebooks, with a kernel whose `spark` is already on the lab.

Contract:
- The server listens on 127.0.0.1:NOTEBOOK_PORT only, with a token made at each start (printed
  in the URL), and opens the `notebooks/` folder. Its state (settings, workspaces, runtime files)
  lives in the run folder, not in your home.
- Every kernel starts with `spark`: a SparkSession on the lab's cluster, with the Kafka connector
  and streamlab shipped to the executors, in UTC. pyspark builds it from PYSPARK_SUBMIT_ARGS, the
  same spark-submit arguments `make submit` uses (lab.spark.submit.command), so
  `SparkSession.builder.getOrCreate()` returns that same session and the course's code runs as
  written. "Failed to find data source: kafka" cannot happen: the connector is on the classpath.
- A kernel holds its executors for as long as it lives, so it takes a small share of the cluster:
  NOTEBOOK_CORES cores and NOTEBOOK_EXECUTOR_MEMORY per executor. With the default worker (2 cores,
  2g) one kernel and one job (`make submit`) run side by side; a second kernel or job waits for
  resources until one ends (Kernel > Shut Down Kernel). Its application is named after its notebook
  in the master's UI, which shows who holds what.
- The kernel's environment holds what a job's has (lab.config.clients): KAFKA_BOOTSTRAP, TOPIC_*,
  CHECKPOINT_ROOT, OUTPUT_ROOT, ...
- kernel_env() is what the tests give nbclient, so the notebooks run headless exactly as in the
  browser.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from lab.config.clients import client_env
from lab.config.paths import Paths
from lab.config.settings import ROOT, Settings
from lab.errors import RuntimeFailure
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "notebook")

NOTEBOOKS = ROOT / "notebooks"
# Read by IPython at every kernel start (IPYTHONDIR's default profile).
# The application is named after the notebook (JupyterLab tells its kernels; nbclient does not), so
# the master's UI shows which notebook holds which cores.
STARTUP = '''"""Written by `make notebook` (src/lab/spark/jupyter.py): the lab's SparkSession, ready as `spark`."""
import os as _os

from streamlab.session import build as _build

_notebook = _os.path.basename(_os.environ.get("JPY_SESSION_NAME", ""))
spark = _build(f"notebook {_notebook}".strip())
'''


def root() -> Path:
    """The folder JupyterLab opens: notebooks/, or LAB_NOTEBOOKS (the browser test's copy, which
    JupyterLab's autosave may write to)."""
    return Path(os.environ.get("LAB_NOTEBOOKS") or NOTEBOOKS)


def state_dir(paths: Paths) -> Path:
    return paths.run / "notebook"


def kernel_settings(settings: Settings, ui_port: str) -> Settings:
    """The settings a kernel's spark-submit arguments are made from: a job's, with smaller executors
    (NOTEBOOK_EXECUTOR_MEMORY: a kernel holds them while it lives, and a job's must still fit on the
    worker beside them) and the UI on `ui_port`."""
    return settings.overridden(
        {"SPARK_EXECUTOR_MEMORY": settings["NOTEBOOK_EXECUTOR_MEMORY"], "SPARK_DRIVER_UI_PORT": ui_port}
    )


def kernel_env(
    settings: Settings,
    paths: Paths,
    submit_args: list[str] | None = None,
    *,
    spark_env: bool = True,
    remote: str | None = None,
) -> dict[str, str]:
    """The environment of JupyterLab and its kernels. `submit_args`: spark-submit's arguments
    (without the program); by default the local runtime's (lab.spark.submit.command), with the kernel's
    UI on NOTEBOOK_SPARK_UI_PORT. `spark_env`: add the local runtime's Spark environment (the
    notebook container's image has its own). With CONNECT=1, `remote` is the Spark Connect server's
    address as the kernels reach it (default: SPARK_CONNECT_PORT on LAB_HOST)."""
    from lab.spark import cds
    from lab.spark.submit import command
    from lab.spark.submit import spark_env as local_spark_env

    if submit_args is None and not settings.connect:
        # command() ends with the program and its arguments: pyspark's own shell takes their place.
        submit_args = command(
            kernel_settings(settings, settings["NOTEBOOK_SPARK_UI_PORT"]),
            paths,
            Path("notebook"),
            [],
            java_options=cds.java_options(paths),
        )[1:-1]
    state = state_dir(paths)
    ipython = state / "ipython"
    startup = ipython / "profile_default" / "startup" / "00-lab-spark.py"
    startup.parent.mkdir(parents=True, exist_ok=True)
    startup.write_text(STARTUP)
    # JupyterLab's own settings: never ask about (nor fetch) news from the internet.
    settings_dir = state / "settings"
    news = settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}\n')
    # With CONNECT=1 a kernel is a thin client of the lab's Spark Connect server (`remote`): no JVM
    # and no executors of its own. Otherwise it holds its executors while it lives: at most
    # NOTEBOOK_CORES cores, so that a job still gets some of the cluster's.
    spark = (
        {"SPARK_REMOTE": remote or settings.connect_url}
        if settings.connect
        else {
            "PYSPARK_SUBMIT_ARGS": shlex.join(
                [*submit_args, "--conf", f"spark.cores.max={settings['NOTEBOOK_CORES']}", "pyspark-shell"]
            )
        }
    )
    return {
        **(local_spark_env(settings, paths) if spark_env else {}),
        **client_env(settings, paths),
        **spark,
        "IPYTHONDIR": str(ipython),
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
    }


def token() -> str:
    return secrets.token_hex(24)


def server_command(python: str, host: str, port: int | str, token_: str, folder: Path) -> list[str]:
    """JupyterLab's command line: one address, one port (no silent retry on the next one), the
    token, no browser, and nothing fetched from the internet (news, update checks)."""
    return [
        python,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={host}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token_}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # As root (a container, CI), JupyterLab refuses to start unless told.
        *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
    ]


def url(host: str, port: int | str, token_: str, path: str = "lab") -> str:
    return f"http://{host}:{port}/{path}?token={token_}"


def serve(
    cmd: list[str],
    env: dict[str, str],
    settings: Settings,
    token_: str,
    log: Path,
    stop: Callable[[subprocess.Popen], None] | None = None,
) -> int:
    """Run the server in the foreground: print its URL (LAB_HOST:NOTEBOOK_PORT) once it answers,
    stop it on Ctrl-C. Its own session keeps the terminal's Ctrl-C from JupyterLab, which would
    ask to confirm: the lab ends it with `stop(proc)` instead (default: SIGTERM), and so does a
    SIGTERM to this process. Its log goes to `log`."""
    import signal

    from lab.system import httpclient
    from streamlab.wait import WaitTimeout, wait_for

    host, port = settings.host, settings["NOTEBOOK_PORT"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=env, cwd=NOTEBOOKS, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    halt = stop or (lambda p: p.send_signal(signal.SIGTERM))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            wait_for(
                lambda: proc.poll() is not None or httpclient.ok(url(host, port, token_, "api/status"), 2),
                120,
                MESSAGES("waiting"),
                interval=0.5,
            )
        except WaitTimeout:
            halt(proc)
            raise RuntimeFailure(MESSAGES("no_answer", seconds=120, log=log)) from None
        if proc.poll() is not None:
            raise RuntimeFailure(MESSAGES("did_not_start", code=proc.returncode, log=log))
        print(MESSAGES("url", url=url(host, port, token_)))
        print(MESSAGES("kernels"))
        print(MESSAGES("spark_ui", url=f"http://{host}:{settings['NOTEBOOK_SPARK_UI_PORT']}"))
        print(MESSAGES("share", cores=settings["NOTEBOOK_CORES"], memory=settings["NOTEBOOK_EXECUTOR_MEMORY"]))
        print(MESSAGES("log", log=log), flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        halt(proc)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        print(MESSAGES("stopped"))
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
