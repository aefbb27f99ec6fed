"""A driver's JVM command, as bin/spark-class makes it, without the incubator module's warning.

Spark 4's launcher adds `--add-modules=jdk.incubator.vector` to every JVM it builds
(org.apache.spark.launcher.JavaModuleOptions), and a JVM started with an incubator module prints
"WARNING: Using incubator modules: jdk.incubator.vector" on stderr as it boots, before any code
of Spark's runs: no JVM option turns that line off. In pyspark's jars only MLlib's BLAS
(dev.ludovic.netlib's VectorBLAS, blas-*.jar) uses the module, and without it that BLAS falls
back to its Java implementation; no job or notebook of the lab uses MLlib. So a driver, whose
stderr is the learner's screen, runs without it; executors keep it (their output goes to the
worker's logs).

Contract: `java_command(submit_cmd, env, scala)` turns a spark-submit command line
(lab.spark.submit.command) into the JVM command spark-class would exec, asked of Spark's own launcher
(org.apache.spark.launcher.Main) as spark-class asks it, minus INCUBATOR. Nothing else changes:
the same class path, options and arguments. A launcher that fails (bad arguments) raises
LaunchError with its last lines. spark-class also sources SPARK_CONF_DIR/spark-env.sh: the lab's
SPARK_CONF_DIR is empty (lab.spark.cds), so there is nothing to source.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from lab.errors import RuntimeFailure
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")
INCUBATOR = "--add-modules=jdk.incubator.vector"
LAUNCHER = "org.apache.spark.launcher.Main"
SUBMIT_CLASS = "org.apache.spark.deploy.SparkSubmit"


class LaunchError(RuntimeFailure):
    """Spark's launcher refused the arguments: its own lines say why."""


def java(env: dict[str, str]) -> str:
    """The java spark-class runs: JAVA_HOME's, else the one on PATH."""
    return str(Path(env["JAVA_HOME"]) / "bin" / "java") if env.get("JAVA_HOME") else "java"


def parse(output: str) -> tuple[list[str], list[str]]:
    """The launcher's stdout -> (lines it printed for the user, the command). It prints its own
    lines (usage, say), then a NUL and a newline, then the command's arguments, each ended by a NUL
    (Main.main on a POSIX system)."""
    said, sep, command = output.partition("\0\n")
    if not sep:
        return said.splitlines(), []
    return said.splitlines(), command.split("\0")[:-1]


def java_command(
    submit_cmd: list[str], env: dict[str, str], scala: str, drop: tuple[str, ...] = (INCUBATOR,)
) -> list[str]:
    """The driver's JVM command for `submit_cmd` (`.../bin/spark-submit [args]`), without the
    arguments in `drop` (INCUBATOR)."""
    home = Path(submit_cmd[0]).resolve().parent.parent
    launcher = [java(env), "-Xmx128m", "-cp", str(home / "jars" / "*"), LAUNCHER, SUBMIT_CLASS, *submit_cmd[1:]]
    proc = subprocess.run(
        launcher,
        env={**env, "SPARK_HOME": str(home), "SPARK_SCALA_VERSION": scala},
        capture_output=True,
        text=True,
        timeout=120,
    )
    said, command = parse(proc.stdout)
    if proc.returncode != 0 or not command:
        tail = " | ".join([*said, *proc.stderr.strip().splitlines()][-5:])
        raise LaunchError(MESSAGES("launcher_failed", code=proc.returncode, tail=tail))
    return [arg for arg in command if arg not in drop]
