from streamlab.runner import describe_failure


def test_failure_is_one_line_naming_job_and_query():
    line = describe_failure("basic", "basic_quarantine", "org.apache.kafka.common.errors.TimeoutException: x\n\tat a.b")
    assert line == "basic: query basic_quarantine failed: org.apache.kafka.common.errors.TimeoutException: x"
    assert "\n" not in line


def test_state_mismatch_gets_the_reset_hint():
    line = describe_failure("windowing", "windowing", "[STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE] Provided key schema ...")
    assert line.endswith("run `make reset JOB=windowing` to start over")
