"""The warm driver (jobs/_warm.py) runs jobs one after another in one session: the SQL confs a job
changes on it are put back before the next job."""

import textwrap

import _warm
from streamlab import runner

JOB = """
from streamlab import runner


def main(argv):
    spark = runner.WARM_SESSION
    spark.conf.set("spark.sql.streaming.stateStore.providerClass", "{rocksdb}")  # as transform_with_state
    spark.conf.set("spark.sql.shuffle.partitions", "7")  # one the session had
    spark.conf.unset("spark.sql.session.timeZone")  # one the session had, gone
    return 3
"""


def test_the_sql_confs_a_job_changes_do_not_reach_the_next_job(spark, tmp_path, monkeypatch):
    (tmp_path / "conf_changing_job.py").write_text(textwrap.dedent(JOB.format(rocksdb="RocksDBStateStoreProvider")))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(runner, "WARM_SESSION", spark)
    before = spark.conf.getAll
    request = {"job": "conf_changing_job", "args": [], "stdout": str(tmp_path / "out"), "stderr": str(tmp_path / "err")}
    assert _warm.run_one(request) == 3
    assert spark.conf.getAll == before
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    assert "HDFSBackedStateStoreProvider" in spark.conf.get("spark.sql.streaming.stateStore.providerClass")
