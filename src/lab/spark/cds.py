"""Class-data sharing (CDS) for the local runtime's Spark drivers and executors: a faster JVM start.

A Spark JVM loads and verifies about 10,000 classes from pyspark's jars before a job's first
batch; on 2 cores that is seconds of CPU at every `make submit`, every notebook kernel and every
executor. JDK 17 can map them from an archive instead: one run with -XX:ArchiveClassesAtExit
writes it, every later JVM reads it with -XX:SharedArchiveFile (what it saves: docs/performance.md,
lesson 14).

Contract:
- lab.runtimes.local.install writes the archive once (`make install`), from a small
  local-mode Spark run (cds_workload.py): a streaming window with state, JSON, foreachBatch and a
  listener, so it holds what the lab's jobs load at start.
- `java_options(paths)` is the JVM option that uses it, or nothing when there is no archive for
  this JVM and these jars. An archive is named after a fingerprint of both (the JVM library's and
  every jar's size and time), since the JVM refuses an archive made by another JVM or from other
  jars: a new pyspark or JDK gets a new archive at its `make install`, and runs without one until
  then, only slower.
- `SPARK_CONF_DIR` is an empty folder (`empty_conf_dir`). CDS refuses a class path with a
  non-empty folder before the last jar it reads, and Spark's launcher puts SPARK_CONF_DIR first.
  So the lab's Spark settings are passed as --properties-file (services/spark/spark-defaults.conf),
  and services/spark sits at the end of the class path (SPARK_DIST_CLASSPATH) for log4j2.properties.

The Docker runtime's Spark image makes its own archive when it is built, in the same way and with
the same empty-conf layout (services/spark/Dockerfile), and lab.runtimes.docker.container passes it to drivers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from lab.config.paths import Paths
from lab.spark.home import spark_home
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")

WORKLOAD = Path(__file__).with_name("cds_workload.py")


def empty_conf_dir(paths: Paths) -> Path:
    """SPARK_CONF_DIR for the local runtime: empty, so that CDS accepts the class path."""
    folder = paths.jars / "spark-conf-dir"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _libjvm() -> Path | None:
    java = shutil.which("java")
    if not java:
        return None
    home = Path(os.path.realpath(java)).parent.parent
    found = sorted(home.glob("lib/server/libjvm.so"))
    return found[0] if found else None


def fingerprint(jvm: Path | None, jars: list[Path]) -> str | None:
    """What an archive is valid for: the JVM library and the jars (path, size, time), or None
    without either."""
    if jvm is None or not jars:
        return None
    h = hashlib.sha256()
    for f in [jvm, *sorted(jars)]:
        st = f.stat()
        h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def archive(paths: Paths) -> Path | None:
    """Where this JVM's archive of pyspark's jars is (or would be)."""
    key = fingerprint(_libjvm(), list((spark_home() / "jars").glob("*.jar")))
    return paths.jars / "cds" / f"spark-{key}.jsa" if key else None


def mapping(path: Path | None) -> list[str]:
    """The JVM option that maps the archive at `path`, or [] when there is none there."""
    return [f"-XX:SharedArchiveFile={path}"] if path and path.is_file() else []


def java_options(paths: Paths) -> list[str]:
    """The JVM option that maps the archive, or [] when there is none for this JVM and these jars."""
    return mapping(archive(paths))
