"""Job submission inside the Docker runtime's driver container (the `spark-driver` service).

`docker compose run --rm spark-driver <job> [options]` runs this module. It validates the job and
its options the way `lab submit` does, then runs spark-submit in the foreground and stops it as
`lab submit` does: SIGINT or SIGTERM (Ctrl-C, `docker stop`) stops the job's queries gracefully
and keeps the checkpoint. What differs from the local runtime is only addresses and paths:
- executors reach the driver at this container's own address, so that several drivers (a job and
  a drill, say) can run at once without sharing a name;
- the driver's UI listens on 4040 inside the container (Compose publishes SPARK_DRIVER_UI_PORT),
  and its metrics on JOB_METRICS_PORT, on every interface of the container;
- the connector jars are the image's (LAB_SPARK_JARS), and Python is the image's;
- the class-data archive is the image's (LAB_SPARK_CDS), made when the image was built.

`python -m lab.runtimes.docker.container --notebook` is the notebook service's JupyterLab (`make notebook`), whose
kernels are drivers made the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from lab.config.clients import client_env
from lab.config.paths import Paths
from lab.config.postgres import dsn
from lab.config.settings import Settings, load
from lab.errors import LabError, report
from lab.spark import cds, jobs, launch
from lab.spark.submit import MARKER, command, foreground
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")

CONTAINER_UI_PORT = "4040"
NOTEBOOK_FOLDER = "/lab/notebooks"  # where the notebook service mounts the notebooks (compose.yml)
NOTEBOOK_CONTAINER_PORT = "8888"
POSTGRES_SERVICE = "postgres"  # the database as the drivers reach it in the lab's network (compose.yml)
CONNECT_SERVICE, CONNECT_CONTAINER_PORT = "spark-connect", "15002"  # the Connect server in it
CONNECT_REMOTE = f"sc://{CONNECT_SERVICE}:{CONNECT_CONTAINER_PORT}"  # as its clients here reach it
GATE = ("class-gate", "15443")  # the classroom's gate (compose.yml), as the drivers reach it


def driver_command(settings: Settings, paths: Paths, job_path: Path, job_args: list[str]) -> list[str]:
    """spark-submit's command line in this container: the image's jars and Python, reached by the
    executors at this container's own address, bound on every interface."""
    jars = sorted(Path(os.environ["LAB_SPARK_JARS"]).glob("*.jar"))
    address = socket.gethostbyname(socket.gethostname())
    return command(
        settings,
        paths,
        job_path,
        job_args,
        jars=jars,
        driver_host=address,
        bind_host="0.0.0.0",
        python=sys.executable,
        java_options=archive_options(),
    )


def archive_options() -> list[str]:
    """The JVM option that maps the image's class-data archive (LAB_SPARK_CDS, made at image build:
    services/spark/Dockerfile), for the driver and its executors (the workers run the same image),
    or [] in an image without one."""
    path = os.environ.get("LAB_SPARK_CDS")
    return cds.mapping(Path(path) if path else None)


def main(argv: list[str]) -> int:
    """A driver, or the notebook service; a LabError is one line and its exit code (lab.errors)."""
    try:
        return _main(argv)
    except (LabError, KeyboardInterrupt) as exc:
        return report(exc)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--notebook"]:
        return notebook()
    if argv[:1] == ["--connect-server"]:
        return connect_server()
    if not argv or argv[0].startswith("-"):
        print(MESSAGES("driver_usage", jobs=", ".join(jobs.available())), file=sys.stderr)
        return 2
    job, job_args = argv[0], argv[1:]
    job_path = jobs.checked(job, job_args, private=True)  # the bench runs its own stages too
    if job_path is None:
        return 2
    settings = load(environ={**os.environ, "SPARK_DRIVER_UI_PORT": CONTAINER_UI_PORT})
    paths = Paths.of(settings)
    env = driver_env(settings, paths)
    if settings.connect:  # `make submit CONNECT=1`: this container's Python is the server's client
        return connect_client(settings, paths, job, job_path, job_args, env)
    cmd = driver_command(settings, paths, job_path, job_args)
    jvm = launch.java_command(cmd, env, settings["SCALA_BINARY_VERSION"])
    return foreground(subprocess.Popen(jvm, env=env, start_new_session=True), job_path)


def driver_env(settings: Settings, paths: Paths) -> dict[str, str]:
    """A driver's environment here: the lab's client settings, its metrics on every interface, and
    PostgreSQL at its service's name (not the host's published port)."""
    env = {**os.environ, **client_env(settings, paths, metrics_host="0.0.0.0"), MARKER: str(paths.run)}
    env["POSTGRES_DSN"] = dsn(settings, host=POSTGRES_SERVICE, port=5432)
    return env


def connect_server() -> int:
    """The spark-connect service: the Spark Connect server's JVM, which replaces this process (so that
    tini's SIGTERM reaches it), on every interface of the container, with the drivers' jars and
    class-data archive, reached by the executors at this container's address."""
    from lab.spark.connect import server_command

    settings = load(
        environ={**os.environ, "SPARK_CONNECT_PORT": CONNECT_CONTAINER_PORT, "SPARK_CONNECT_UI_PORT": CONTAINER_UI_PORT}
    )
    paths = Paths.of(settings)
    cmd = server_command(
        settings,
        paths,
        bind_host="0.0.0.0",
        jars=sorted(Path(os.environ["LAB_SPARK_JARS"]).glob("*.jar")),
        driver_host=socket.gethostbyname(socket.gethostname()),
        python=sys.executable,
        java_options=archive_options(),
    )
    env = driver_env(settings, paths)
    jvm = launch.java_command(cmd, env, settings["SCALA_BINARY_VERSION"])
    os.execve(jvm[0], jvm, env)


def connect_client(settings: Settings, paths: Paths, job: str, job_path: Path, job_args: list[str], env) -> int:
    """A job as a client of the spark-connect service, in this container's Python (as a learner of
    the class: through the classroom's gate); one line if the server does not answer."""
    server, url = (CONNECT_SERVICE, CONNECT_CONTAINER_PORT), settings.connect_url
    env = {**env, "SPARK_REMOTE": CONNECT_REMOTE}
    if settings.learner:
        from lab import classroom

        server, url = GATE, f"sc://{settings.class_address}:{settings['CLASS_PORT']}"
        env.update(classroom.learner_environment(settings, paths, settings.learner, GATE))
    try:
        socket.create_connection((server[0], int(server[1])), timeout=3).close()
    except OSError:
        print(MESSAGES("connect_not_up", url=url), file=sys.stderr)
        return 1
    print(MESSAGES("submitting_connect", job=job, url=url), flush=True)
    proc = subprocess.Popen([sys.executable, str(job_path), *job_args], env=env, start_new_session=True)
    return foreground(proc, job_path)


def notebook() -> int:
    """The notebook service (`make notebook`): JupyterLab on every interface of this container, with
    the token the host made (LAB_NOTEBOOK_TOKEN); its kernels' `spark` is a driver like a job's
    (driver_command), with its UI on 4040 inside. JupyterLab replaces this process, so that tini's
    SIGTERM (`docker stop`) reaches it."""
    from lab.spark import jupyter

    settings = load()
    paths = Paths.of(settings)
    submit_args = driver_command(jupyter.kernel_settings(settings, CONTAINER_UI_PORT), paths, Path("notebook"), [])[
        1:-1
    ]
    kernels = jupyter.kernel_env(settings, paths, submit_args, spark_env=False, remote=CONNECT_REMOTE)
    env = {**os.environ, **kernels, MARKER: str(paths.run)}
    token = os.environ.get("LAB_NOTEBOOK_TOKEN") or jupyter.token()
    cmd = jupyter.server_command(sys.executable, "0.0.0.0", NOTEBOOK_CONTAINER_PORT, token, Path(NOTEBOOK_FOLDER))
    os.chdir(NOTEBOOK_FOLDER)
    os.execve(cmd[0], cmd, env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
