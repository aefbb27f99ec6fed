from types import SimpleNamespace

from streamlab.runner import describe_failure, first_batch_line


def test_failure_is_one_line_naming_job_and_query():
    line = describe_failure("basic", "basic_quarantine", "org.apache.kafka.common.errors.TimeoutException: x\n\tat a.b")
    assert line == "basic: query basic_quarantine failed: org.apache.kafka.common.errors.TimeoutException: x"
    assert "\n" not in line


def test_state_mismatch_gets_the_reset_hint():
    line = describe_failure("windowing", "windowing", "[STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE] Provided key schema ...")
    assert line.endswith("run `make reset JOB=windowing` to start over")


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
