from types import SimpleNamespace

from streamlab.runner import SlowBatches, _Stop, _wait, describe_failure, first_batch_line


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
    assert longer == first_batch_line(progress) + ", longer than the 5 s trigger"
    assert first_batch_line(progress, trigger_seconds=10.0) == first_batch_line(progress)

    assert first_batch_line(progress, 5.0, "es") == (
        "windowing: el primer batch tardó 6,6 s (16.677 filas; 5,6 s de procesamiento, 0,5 s de planificación, "
        "0,4 s de lectura de offsets; empezó a las 21:11:10.675 UTC), más que el trigger de 5 s"
    )


def batch(name: str, batch_id: int, seconds: float) -> SimpleNamespace:
    return SimpleNamespace(name=name, id="x", batchId=batch_id, durationMs={"triggerExecution": seconds * 1000})


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_batches_longer_than_the_trigger_get_a_line_at_first_then_one_a_minute():
    """Spark's own "falling behind" warning, once per slow batch, is hidden: the runner says it in
    one line for the first slow batch after the first, then at most once per minute per query,
    counting those in between, and tells what is left at the end."""
    clock, said = Clock(), []
    slow = SlowBatches("windowing", 10.0, every=60.0, clock=clock, say=said.append)
    slow(batch("windowing", 0, 14.6))  # the first batch: first_batch_line's
    slow(batch("windowing", 1, 2.0))
    clock.now = 5
    slow(batch("windowing", 2, 12.3))
    assert said == [
        "windowing: batch 2 took 12.3 s, longer than the 10 s trigger: the query falls behind, "
        "and its next batch starts at once"
    ]
    for i, (at, seconds) in enumerate([(15, 11.0), (30, 13.5), (50, 10.5)], start=3):
        clock.now = at
        slow(batch("windowing", i, seconds))
    assert len(said) == 1, "no line per slow batch"
    clock.now = 66
    slow(batch("windowing", 6, 10.2))
    assert said[1] == (
        "windowing: 4 more batches took longer than the 10 s trigger in the last 61 s "
        "(the longest: batch 4, 13.5 s): the query falls behind"
    )
    clock.now = 70
    slow(batch("windowing", 7, 11.0))
    slow(batch("windowing_quarantine", 0, 30.0))  # another query's first batch
    slow.flush()
    assert said[2:] == [
        "windowing: batch 7 took 11.0 s, longer than the 10 s trigger: the query falls behind, "
        "and its next batch starts at once"
    ]
    slow.flush()
    assert len(said) == 3, "nothing left to tell"


def test_the_slow_batch_lines_speak_spanish(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    clock, said = Clock(), []
    slow = SlowBatches("windowing", 10.0, clock=clock, say=said.append)
    slow(batch("windowing", 0, 14.6))
    slow(batch("windowing", 1, 12.25))
    clock.now = 20
    slow(batch("windowing", 2, 12.0))
    slow(batch("windowing", 3, 11.0))
    slow.flush()
    assert said == [
        "windowing: el batch 1 tardó 12,2 s, más que el trigger de 10 s: la consulta se queda atrás, "
        "y su siguiente batch empieza en seguida",
        "windowing: 2 batches más tardaron más que el trigger de 10 s en los últimos 20 s "
        "(el más largo: el batch 2, 12,0 s): la consulta se queda atrás",
    ]


def test_a_failure_is_one_spanish_line_and_a_changed_source_gets_the_reset_hint_in_spanish(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    from streamlab.eventsource import EVENTS
    from streamlab.i18n import Catalogue

    refused = Catalogue.load("streamlab", "sources")("events_changed", source=EVENTS, wrong="seed=2 (checkpoint: 1)")
    text = f"[STREAM_FAILED] Query: Traceback (most recent call last):\nstreamlab.eventsource.OptionError: {refused}"
    line = describe_failure("python_source", "python_source", text)
    assert line.startswith("python_source: la consulta python_source falló: lab_events: los eventos del checkpoint")
    assert line.endswith("ejecuta `make reset JOB=python_source` para empezar de cero")


class _EndsBetweenChecks:
    """A query whose isActive is True at the loop's "still running?" checks and False when the loop
    looks for one to wait on: it ended in between, as a query racing to its end does."""

    name, id, recentProgress = "q", "id-q", []

    def __init__(self):
        self.reads = 0

    @property
    def isActive(self):
        self.reads += 1
        return self.reads <= 2  # the failure check and the all-finished check see it running

    def exception(self):
        return None

    def awaitTermination(self, timeout):
        raise AssertionError("nothing to wait on: the query had ended")


def test_a_query_that_ends_between_the_loops_checks_is_reported_as_finished(capsys):
    assert _wait("job", [_EndsBetweenChecks()], _Stop(), None, None) == 0
    assert "all queries finished" in capsys.readouterr().err
