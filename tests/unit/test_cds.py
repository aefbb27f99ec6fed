"""The class-data archive's plumbing (lab.spark.cds): its key, and how spark-submit and the daemons get it.
That the JVMs really map it is checked on the running lab (tests/integration/test_lifecycle.py)."""

import os

from lab.config.paths import JOBS_DIR, SERVICES_DIR, SPARK_DEFAULTS, Paths
from lab.spark import cds, jobs, submit


def test_the_fingerprint_follows_the_jvm_and_every_jar(tmp_path):
    jvm, a, b = (tmp_path / n for n in ("libjvm.so", "a.jar", "b.jar"))
    for f in (jvm, a, b):
        f.write_bytes(b"x")
    first = cds.fingerprint(jvm, [a, b])
    assert first == cds.fingerprint(jvm, [b, a]), "the jars' order must not matter"
    b.write_bytes(b"xy")
    assert cds.fingerprint(jvm, [a, b]) != first, "a changed jar needs another archive"
    os.utime(jvm, ns=(1, 1))
    assert len({first, cds.fingerprint(jvm, [a, b]), cds.fingerprint(jvm, [a])}) == 3
    assert cds.fingerprint(None, [a]) is None and cds.fingerprint(jvm, []) is None


def test_no_archive_no_option(tmp_path, settings):
    paths = Paths(tmp_path)
    assert cds.java_options(paths) == []
    archive = cds.archive(paths)
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"")
    assert cds.java_options(paths) == [f"-XX:SharedArchiveFile={archive}"]


def test_spark_submit_passes_the_options_to_driver_and_executors(tmp_path, settings):
    paths = Paths(tmp_path)
    jars = [tmp_path / "connector.jar"]
    cmd = submit.command(settings, paths, tmp_path / "job.py", [], jars=jars, java_options=["-XX:A", "-XX:B"])
    assert cmd[cmd.index("--driver-java-options") + 1] == "-XX:A -XX:B"
    assert "spark.executor.extraJavaOptions=-XX:A -XX:B" in cmd
    assert cmd[cmd.index("--properties-file") + 1] == str(SPARK_DEFAULTS)
    plain = submit.command(settings, paths, tmp_path / "job.py", [], jars=jars)
    assert "--driver-java-options" not in plain and not any("extraJavaOptions" in a for a in plain)


def test_a_jobs_own_driver_options_go_to_its_driver_alone(tmp_path, settings):
    paths, jars = Paths(tmp_path), [tmp_path / "connector.jar"]
    realtime, windowing = JOBS_DIR / "realtime.py", JOBS_DIR / "windowing.py"
    assert jobs.driver_java_options(realtime) == ["-XX:TieredStopAtLevel=1"]
    assert jobs.driver_java_options(windowing) == [] and jobs.driver_java_options(tmp_path / "gone.py") == []
    broken = tmp_path / "broken.py"
    broken.write_text('DRIVER_JAVA_OPTIONS = "-XX:A"\ndef main(:\n')
    assert jobs.driver_java_options(broken) == [], "a learner's syntax error is the job's to report"
    cmd = submit.command(settings, paths, realtime, [], jars=jars, java_options=["-XX:A"])
    assert cmd[cmd.index("--driver-java-options") + 1] == "-XX:A -XX:TieredStopAtLevel=1"
    assert "spark.executor.extraJavaOptions=-XX:A" in cmd, "executors process the records: the JVM's defaults"
    alone = submit.command(settings, paths, realtime, [], jars=jars)
    assert alone[alone.index("--driver-java-options") + 1] == "-XX:TieredStopAtLevel=1"
    assert not any("extraJavaOptions" in a for a in alone)
    other = submit.command(settings, paths, windowing, [], jars=jars, java_options=["-XX:A"])
    assert other[other.index("--driver-java-options") + 1] == "-XX:A"
    mine = submit.command(
        settings.overridden({"SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=4"}), paths, realtime, [], jars=jars
    )
    assert mine[mine.index("--driver-java-options") + 1] == "-XX:TieredStopAtLevel=1 -XX:TieredStopAtLevel=4", (
        "theirs last"
    )


def test_spark_conf_dir_is_empty_and_the_conf_folder_comes_last(tmp_path, settings):
    env = submit.spark_env(settings, Paths(tmp_path))
    conf = env["SPARK_CONF_DIR"]
    assert os.path.isdir(conf) and os.listdir(conf) == []
    assert env["SPARK_DIST_CLASSPATH"] == str(SERVICES_DIR / "spark")
    assert (SERVICES_DIR / "spark" / "log4j2.properties").exists()


def test_a_container_maps_its_images_archive_only_when_the_image_has_one(tmp_path, monkeypatch):
    from lab.runtimes.docker import container

    jsa = tmp_path / "spark.jsa"
    monkeypatch.setenv("LAB_SPARK_CDS", str(jsa))
    assert container.archive_options() == []
    jsa.write_bytes(b"archive")
    assert container.archive_options() == [f"-XX:SharedArchiveFile={jsa}"]
    monkeypatch.delenv("LAB_SPARK_CDS")
    assert container.archive_options() == []
