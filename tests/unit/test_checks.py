"""streamlab.checks on a local SparkSession: a learner's function that waits in awaitTermination()
is caught as such, and no learner code makes a check wait past its time limit."""

import time
from types import SimpleNamespace

import pytest

from streamlab import checks


def rate(spark):
    return spark.readStream.format("rate").option("rowsPerSecond", 5).load()


def test_a_function_waiting_in_await_termination_is_seen_and_its_query_stopped(spark, tmp_path):
    def start_output(df):
        query = df.writeStream.format("noop").option("checkpointLocation", str(tmp_path / "cp")).start()
        query.awaitTermination()  # the course's line, inside a function that must return the query
        return query

    stopped = []

    def stop_it():
        query = checks.the_query(spark, checks.Deadline(30))
        stopped.append(query.id)
        query.stop()

    call = checks.finish(checks.start(start_output, rate(spark)), checks.Deadline(60), on_await=stop_it)
    assert call.blocked and call.error is None and len(stopped) == 1
    assert not spark.streams.active


def test_a_wait_with_a_timeout_is_not_taken_for_one_that_never_ends(spark, tmp_path):
    def start_output(df):
        query = df.writeStream.format("noop").option("checkpointLocation", str(tmp_path / "cp")).start()
        query.awaitTermination(1)
        return query

    call = checks.finish(checks.start(start_output, rate(spark)), checks.Deadline(60))
    assert not call.blocked and call.value.isActive
    call.value.stop()


def test_no_learner_code_makes_the_check_wait_past_its_limit(spark, tmp_path):
    def read_page_views(spark, bootstrap, topic):
        while True:  # a learner's loop that never ends
            time.sleep(0.05)

    inp = checks.Input("127.0.0.1:1", {"page_views": "t"}, 10, 10)
    started = time.monotonic()
    seen = checks.observe("1", spark, SimpleNamespace(read_page_views=read_page_views), inp, tmp_path, seconds=2)
    assert seen == {"timeout": 2}
    assert time.monotonic() - started < 30, "the limit was not kept"  # a wide bound: the limit is 2 s


def test_a_missing_function_is_said_before_anything_runs(spark, tmp_path):
    inp = checks.Input("127.0.0.1:1", {"page_views": "t"}, 10, 10)
    assert checks.observe("2", spark, SimpleNamespace(), inp, tmp_path, seconds=5) == {
        "missing_function": "windowed_counts"
    }


@pytest.mark.parametrize("name", ["ex1_read_kafka", "ex2_windowing", "ex3_output"])
def test_exercise_4_imports_the_learners_own_files_from_its_folder(tmp_path, name):
    for sibling in checks.SIBLINGS:
        (tmp_path / f"{sibling}.py").write_text(f"WHO = {str(tmp_path)!r}\n")
    (tmp_path / "ex4_pipeline.py").write_text(f"from {name} import WHO\n")
    module = checks.load(tmp_path / "ex4_pipeline.py", "exercise_0")
    assert module.WHO == str(tmp_path)
