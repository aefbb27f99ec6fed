"""Install what the local runtime needs, from registries only, and only what is missing.

The Docker runtime needs none of it: its images are built from the same artifacts.

- JVM jars: resolved by Maven from the small poms in services/kafka and services/spark into
  LAB_STATE/jars (the Kafka broker and tools, the Spark Kafka connector, the JMX agent).
- Debian packages: prometheus and postgresql, with apt-get when they are absent (root only).
- Python packages are the Makefile's job (requirements.txt into LAB_STATE/venv), since this
  module runs inside that venv.

A stamp file per jar set records the versions it was resolved for, so a version change in .env
re-resolves and an unchanged one costs nothing.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from lab.config.paths import SERVICES_DIR, Paths
from lab.config.settings import Settings
from lab.errors import InstallError
from lab.spark import cds
from lab.spark.submit import command, spark_env
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")


def _say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def _mvn(args: list[str], what: str) -> None:
    if not shutil.which("mvn"):
        raise InstallError(MESSAGES("install_no_maven"))
    cmd = ["mvn", "-B", "-q", "-ntp", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise InstallError(MESSAGES("install_maven_failed", what=what, tail=tail))


def _resolve(pom_dir: Path, out: Path, props: dict[str, str], what: str) -> None:
    stamp = out / ".versions"
    wanted = " ".join(f"{k}={v}" for k, v in sorted(props.items()))
    if stamp.exists() and stamp.read_text() == wanted and any(out.glob("*.jar")):
        return
    _say(MESSAGES("install_resolving", what=what, versions=wanted))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    _mvn(
        [
            "-f",
            str(pom_dir / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={out}",
            "-DincludeScope=runtime",
            *(f"-D{k}={v}" for k, v in props.items()),
        ],
        what,
    )
    stamp.write_text(wanted)


def jmx_agent_jar(settings: Settings, paths: Paths) -> Path:
    return paths.agent_jars / f"jmx_prometheus_javaagent-{settings['JMX_EXPORTER_VERSION']}.jar"


def _resolve_agent(settings: Settings, paths: Paths) -> None:
    jar = jmx_agent_jar(settings, paths)
    if jar.exists():
        return
    _say(MESSAGES("install_agent", version=settings["JMX_EXPORTER_VERSION"]))
    paths.agent_jars.mkdir(parents=True, exist_ok=True)
    _mvn(
        [
            "dependency:copy",
            f"-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:{settings['JMX_EXPORTER_VERSION']}",
            f"-DoutputDirectory={paths.agent_jars}",
        ],
        MESSAGES("install_agent_what"),
    )


def postgres_bin(settings: Settings) -> Path | None:
    preferred = Path(f"/usr/lib/postgresql/{settings['POSTGRES_VERSION']}/bin")
    if (preferred / "postgres").exists():
        return preferred
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def missing_debs(settings: Settings) -> list[str]:
    missing = []
    if not shutil.which("prometheus") or not shutil.which("promtool"):
        missing.append("prometheus")
    if postgres_bin(settings) is None:
        missing.append("postgresql")
    return missing


def _install_debs(packages: list[str]) -> None:
    if os.geteuid() != 0:
        raise InstallError(MESSAGES("install_missing_debs", packages=", ".join(packages), arguments=" ".join(packages)))
    _say(MESSAGES("install_debs", packages=", ".join(packages)))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise InstallError(
                MESSAGES("install_apt_failed", command=" ".join(cmd), tail=proc.stderr.strip().splitlines()[-1:])
            )


def check_java() -> None:
    if not shutil.which("java"):
        raise InstallError(MESSAGES("install_no_java"))


def install(settings: Settings, paths: Paths) -> None:
    """Everything the local runtime needs on this machine, and only what is missing."""
    check_java()
    _resolve(
        SERVICES_DIR / "kafka",
        paths.kafka_jars,
        {
            "kafka.version": settings["KAFKA_VERSION"],
            "log4j.version": settings["LOG4J_VERSION"],
            "slf4j.version": settings["SLF4J_VERSION"],
        },
        MESSAGES("install_kafka_jars", version=settings["KAFKA_VERSION"]),
    )
    _resolve(
        SERVICES_DIR / "spark",
        paths.spark_jars,
        {"spark.version": settings["SPARK_VERSION"]},
        MESSAGES("install_connector", version=settings["SPARK_VERSION"]),
    )
    _resolve_agent(settings, paths)
    debs = missing_debs(settings)
    if debs:
        _install_debs(debs)
    try:  # after the jars: it runs Spark
        build_cds(settings, paths)
    except InstallError as exc:  # only slower without it: say so, and go on
        print(MESSAGES("install_cds_failed", problem=exc), flush=True)
    print(MESSAGES("install_done"))


def build_cds(settings: Settings, paths: Paths) -> Path | None:
    """Write the class-data archive (lab.spark.cds) for this JVM and these jars, unless it is there,
    from a small local-mode Spark run (cds_workload.py). Returns its path, or None when no archive
    can be made (no java, no pyspark jars). A failure leaves no archive behind and raises
    InstallError with spark-submit's last lines."""
    target = cds.archive(paths)
    if target is None or target.exists():
        return target
    _say(MESSAGES("install_cds"))
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob("spark-*.jsa"):
        old.unlink()
    partial = target.with_suffix(f".{os.getpid()}.partial")
    work = paths.run / "build" / "cds"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    java_options = [f"-XX:ArchiveClassesAtExit={partial}"]
    cmd = command(settings, paths, cds.WORKLOAD, [str(work)], java_options=java_options, master="local[2]")
    env = {**os.environ, **spark_env(settings, paths)}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    shutil.rmtree(work, ignore_errors=True)
    if proc.returncode != 0 or not partial.exists():
        partial.unlink(missing_ok=True)
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise InstallError(MESSAGES("install_cds_not_written", tail=" | ".join(tail)))
    os.replace(partial, target)
    return target
