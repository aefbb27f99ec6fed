"""A driver's JVM command (lab.spark.launch): what Spark's own launcher makes of spark-submit's
command line, with the incubator module, and its warning, left out."""

import os
from pathlib import Path

from lab.config.paths import Paths
from lab.config.settings import ROOT, load
from lab.spark import launch, submit


def test_the_launchers_output_is_its_lines_then_the_command():
    said, command = launch.parse("a usage line\n\0\njava\0-cp\0x:y\0org.apache.spark.deploy.SparkSubmit\0")
    assert said == ["a usage line"] and command == ["java", "-cp", "x:y", "org.apache.spark.deploy.SparkSubmit"]
    assert launch.parse("Error: no such option\n") == (["Error: no such option"], [])


def test_a_drivers_jvm_is_spark_submits_without_the_incubator_module(tmp_path):
    settings = load(environ={"LAB_RUN": str(tmp_path)})
    paths = Paths.of(settings)
    job = ROOT / "jobs" / "basic.py"
    cmd = submit.command(
        settings, paths, job, ["--duration", "5"], jars=[Path("/jars/a.jar")], java_options=["-XX:SharedArchiveFile=/x"]
    )
    env = {**os.environ, **submit.spark_env(settings, paths)}
    scala = settings["SCALA_BINARY_VERSION"]
    everything = launch.java_command(cmd, env, scala, drop=())
    assert launch.INCUBATOR in everything, "Spark's launcher no longer adds it: is lab.spark.launch still needed?"
    jvm = launch.java_command(cmd, env, scala)
    assert jvm == [arg for arg in everything if arg != launch.INCUBATOR]
    assert "--add-opens=java.base/java.lang=ALL-UNNAMED" in jvm, "the other module options stay"
    assert "-XX:SharedArchiveFile=/x" in jvm and launch.SUBMIT_CLASS in jvm
    assert jvm[-3:] == [str(job), "--duration", "5"]
