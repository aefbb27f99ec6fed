"""Finding a job's Python driver under spark-submit, on a tree of real processes shaped like it."""

import os
import shlex
import signal
import subprocess
import sys

from lab.spark import submit
from streamlab.wait import wait_for


def test_python_driver_is_the_descendant_running_the_job_and_not_spark_submit(tmp_path):
    job = tmp_path / "job.py"
    sleep = [sys.executable, "-c", "import time; time.sleep(30)"]
    jvm = shlex.join([*sleep, "org.apache.spark.deploy.SparkSubmit", str(job)])  # holds the job's path too
    driver = shlex.join(["sh", "-c", f"{shlex.join([*sleep, str(job)])} & echo $!; wait"])  # a grandchild
    proc = subprocess.Popen(
        ["sh", "-c", f"{jvm} & {driver}; wait"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        expected = int(proc.stdout.readline())
        assert wait_for(lambda: submit._python_driver(proc, job), 20, "the driver to be found") == expected
        assert submit._python_driver(proc, tmp_path / "other.py") is None
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert submit._python_driver(proc, job) is None
