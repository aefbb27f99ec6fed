from types import SimpleNamespace

from streamlab.runner import describe_failure, first_batch_line


def test_failure_is_one_line_naming_job_and_query():
    line = describe_failure("basic", "basic_quarantine", "org.apache.kafka.common.errors.TimeoutException: x\n\tat a.b")
    assert line == "basic: query basic_quarantine failed: org.apache.kafka.common.errors.TimeoutException: x"
    assert "\n" not in line


def test_state_mismatch_gets_the_reset_hint():
    line = describe_failure("windowing", "windowing", "[STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE] Provided key schema ...")
    assert line.endswith("run `make reset JOB=windowing` to start over")


def test_a_python_workers_error_is_the_line_and_a_changed_source_gets_the_reset_hint():
    text = (
        "[STREAM_FAILED] Query [id = 1] terminated with exception: [PYTHON_STREAMING_DATA_SOURCE_RUNTIME_ERROR] "
        "Failed when Python streaming data source perform latestOffset: Traceback (most recent call last):\n"
        '  File "/x/eventsource.py", line 294, in latestOffset\n    self.o.check(start)\n'
        "streamlab.eventsource.OptionError: lab_events: the checkpoint's events were made with other options: "
        "seed=2 (checkpoint: 1). Drop the option, or reset the query's checkpoint to start over\n"
        " SQLSTATE: 38000\n\tat org.apache.spark.sql.execution.Foo(Foo.scala:1)"
    )
    line = describe_failure("python_source", "python_source", text)
    assert line.startswith("python_source: query python_source failed: lab_events: the checkpoint's events were made")
    assert line.endswith("run `make reset JOB=python_source` to start over")
    assert "\n" not in line


def test_first_batch_line_says_where_the_time_went():
    progress = SimpleNamespace(
        name="windowing",
        numInputRows=16677,
        timestamp="2026-11-26T21:11:10.675Z",
        durationMs={
            "triggerExecution": 6620,
            "queryPlanning": 513,
            "getBatch": 9,
            "latestOffset": 380,
            "addBatch": 5622,
            "walCommit": 41,
        },
    )
    assert first_batch_line(progress) == (
        "windowing: first batch took 6.6 s (16,677 rows; 5.6 s processing, "
        "0.5 s planning, 0.4 s reading offsets; started 21:11:10.675 UTC)"
    )

    longer = first_batch_line(progress, trigger_seconds=5.0)
    assert longer.endswith("longer than the 5 s trigger: hence Spark's 'Current batch is falling behind'")
    assert first_batch_line(progress, trigger_seconds=10.0) == first_batch_line(progress)
