"""producer.consume without a broker: how a record is printed (text, bytes that are not UTF-8,
truncation, timestamps), the read loop's order, limit and summary against a stand-in consumer
that hands out real confluent_kafka Messages, the options' one-line errors, and `lab consume`'s
topic names."""

import time
from types import SimpleNamespace

import pytest
from confluent_kafka import (
    TIMESTAMP_CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME,
    TIMESTAMP_NOT_AVAILABLE,
    KafkaError,
    Message,
)

from lab import cli
from producer import consume

JAN_1 = 1767225600000  # 2026-01-01T00:00:00Z in milliseconds
CREATED = (TIMESTAMP_CREATE_TIME, JAN_1 + 123)


def test_a_text_record_is_three_lines():
    text = consume.format_record(
        3, 41, CREATED, b"u00042", [("reason", b"malformed_json"), ("source_offset", b"17")], b'{"n": 1}'
    )
    assert text.splitlines() == [
        "partition 3  offset 41  CreateTime 2026-01-01T00:00:00.123Z  key u00042",
        "  headers  reason=malformed_json  source_offset=17",
        '  value    {"n": 1}',
    ]


def test_bytes_that_are_not_utf8_are_shown_as_their_repr():
    text = consume.format_record(0, 0, CREATED, b"\xc3\x28", [("raw", b"\x00\xff"), ("ok", b"yes")], b"\xff\xfeab")
    assert text.splitlines() == [
        r"partition 0  offset 0  CreateTime 2026-01-01T00:00:00.123Z  key b'\xc3('",
        r"  headers  raw=b'\x00\xff'  ok=yes",
        r"  value    b'\xff\xfeab'",
    ]


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (None, "(null)"),
        (b"", "''"),  # empty, not absent
        ("ñandú €".encode(), "ñandú €"),  # UTF-8 beyond ASCII is text
        (b"two\nlines", r"'two\nlines'"),  # one record stays on its lines
        (b"tab\there", r"'tab\there'"),
        (b"\x00", r"'\x00'"),  # valid UTF-8, but not printable
    ],
)
def test_show(data, shown):
    assert consume.show(data) == shown


def test_no_key_no_headers_and_a_tombstone():
    text = consume.format_record(1, 2, (TIMESTAMP_NOT_AVAILABLE, 0), None, None, None)
    assert text.splitlines() == [
        "partition 1  offset 2  no timestamp  key (null)",
        "  headers  (none)",
        "  value    (null)",
    ]
    assert "headers  n=(null)\n" in consume.format_record(1, 2, CREATED, None, [("n", None)], b"v")


def test_log_append_time():
    assert consume.when((TIMESTAMP_LOG_APPEND_TIME, JAN_1 + 86_400_000 + 5)) == "LogAppendTime 2026-01-02T00:00:00.005Z"


def test_long_values_are_cut_with_a_marker():
    long = b"x" * 250
    assert consume.format_record(0, 0, CREATED, None, None, long).endswith(
        "value    " + "x" * 200 + "… (50 more characters)"
    )
    assert consume.format_record(0, 0, CREATED, None, None, long, max_value_chars=0).endswith("x" * 250)
    assert consume.clip("x" * 200, 200) == "x" * 200
    assert consume.clip(repr(b"\xff" * 10), 8) == "b'\\xff\\x… (35 more characters)"


def test_describe_reads_a_confluent_kafka_message():
    msg = Message(
        topic="t",
        partition=2,
        offset=9,
        key=b"k",
        value=b"\xff",
        headers=[("reason", b"wrong_type")],
        timestamp=CREATED,
    )
    assert consume.describe(msg) == consume.format_record(2, 9, CREATED, b"k", [("reason", b"wrong_type")], b"\xff")


# --- the read loop, against a stand-in for confluent_kafka.Consumer --------------------------------


def record(partition: int, offset: int) -> Message:
    return Message(
        topic="t",
        partition=partition,
        offset=offset,
        key=f"k{partition}{offset}".encode(),
        value=f"v{partition}{offset}".encode(),
        timestamp=(TIMESTAMP_CREATE_TIME, JAN_1 + offset),
    )


class FakeConsumer:
    """Just enough of confluent_kafka.Consumer: one topic `t`, each partition a list of records
    from offset 0. A poll returns the assigned partitions' records from the assigned offsets, then
    one end-of-partition event each if the configuration asks for them (enable.partition.eof),
    then nothing."""

    def __init__(self, partitions: dict[int, list[Message]], high: dict[int, int] | None = None):
        self.partitions, self.queue, self.assigned, self.closed = partitions, [], [], False
        self.high = high or {p: len(records) for p, records in partitions.items()}  # the end offsets
        self.config = {}

    def __call__(self, config: dict):  # stands in for the Consumer class: Consumer(config)
        self.config = config
        return self

    def list_topics(self, timeout):
        return SimpleNamespace(topics={"t": SimpleNamespace(partitions=dict.fromkeys(self.partitions), error=None)})

    def get_watermark_offsets(self, tp, timeout):
        return 0, self.high[tp.partition]

    def assign(self, tps):
        self.assigned.append([(tp.partition, tp.offset) for tp in tps])
        self.queue = [m for tp in tps for m in self.partitions[tp.partition][tp.offset :]]
        if self.config["enable.partition.eof"]:
            self.queue += [
                Message(
                    partition=tp.partition,
                    offset=max(self.high[tp.partition], len(self.partitions[tp.partition])),
                    error=EOF,
                )
                for tp in tps
            ]

    def poll(self, timeout):
        if self.queue:
            return self.queue.pop(0)
        time.sleep(0.01)
        return None

    def close(self):
        self.closed = True


EOF = KafkaError(KafkaError._PARTITION_EOF)


@pytest.fixture
def fake(monkeypatch):
    consumer = FakeConsumer({0: [record(0, 0), record(0, 1)], 1: [], 2: [record(2, 0)]})
    monkeypatch.setattr(consume, "Consumer", consumer)
    return consumer


def printed_records(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("partition ")]


def test_from_earliest_reads_partition_by_partition_to_the_end(fake, capsys):
    assert consume.main(["--topic", "t", "--limit", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == "t: 3 partitions, 3 records from the earliest offsets to the end; printing all, partition by partition"
    )
    assert printed_records("\n".join(out)) == [
        "partition 0  offset 0  CreateTime 2026-01-01T00:00:00.000Z  key k00",
        "partition 0  offset 1  CreateTime 2026-01-01T00:00:00.001Z  key k01",
        "partition 2  offset 0  CreateTime 2026-01-01T00:00:00.000Z  key k20",
    ]
    assert out[-1] == "3 records printed: every one up to the end offsets at the start"
    assert fake.assigned == [[(0, 0)], [(2, 0)]]  # one partition at a time; the empty one is skipped
    assert fake.closed
    assert fake.config["enable.auto.commit"] is False


def test_the_limit_stops_it_and_says_how_many_remain(fake, capsys):
    assert consume.main(["--topic", "t", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert len(printed_records(out)) == 2
    assert (
        out.splitlines()[-1]
        == "2 records printed; 1 more up to the end offsets at the start (--limit 0 prints them all)"
    )


def test_records_written_after_the_start_are_left_out(monkeypatch, capsys):
    """The end offsets are taken at the start: partition 0 had 1 record then, and 2 now."""
    monkeypatch.setattr(consume, "Consumer", FakeConsumer({0: [record(0, 0), record(0, 1)]}, high={0: 1}))
    assert consume.main(["--topic", "t"]) == 0
    out = capsys.readouterr().out
    assert printed_records(out) == ["partition 0  offset 0  CreateTime 2026-01-01T00:00:00.000Z  key k00"]
    assert out.splitlines()[-1] == "1 record printed: every one up to the end offsets at the start"


def test_a_partition_may_end_before_its_end_offset(monkeypatch, capsys):
    """Offsets with no record (a transaction marker, a compacted record): the end-of-partition
    event ends it, with no wait for the offsets that never come."""
    monkeypatch.setattr(consume, "Consumer", FakeConsumer({0: [record(0, 0)], 1: [record(1, 0)]}, high={0: 3, 1: 1}))
    assert consume.main(["--topic", "t", "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert [line.split("  CreateTime")[0] for line in printed_records(out)] == [
        "partition 0  offset 0",
        "partition 1  offset 0",
    ]
    assert out.splitlines()[-1] == "2 records printed: every one up to the end offsets at the start"


def test_an_empty_topic_ends_at_once(monkeypatch, capsys):
    monkeypatch.setattr(consume, "Consumer", FakeConsumer({0: [], 1: []}))
    assert consume.main(["--topic", "t", "--timeout", "60"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 records printed: the topic is empty"


def test_from_latest_waits_for_new_records_then_gives_up(fake, capsys):
    assert consume.main(["--topic", "t", "--from", "latest", "--timeout", "0.2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "t: 3 partitions, waiting for new records after the end offsets; printing at most 20, until none arrives "
        "for 0.2 s, or Ctrl-C",
        "0 records printed; no new record for 0.2 s",
    ]
    assert fake.assigned == [[(0, 2), (1, 0), (2, 1)]]


def test_an_unknown_topic_is_one_line_and_exit_2(fake, capsys):
    assert consume.main(["--topic", "nope", "--bootstrap", "k:9092"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "consume: error: topic 'nope' does not exist on k:9092; its topics: t\n"


# --- options and errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: --topic"),
        (["--topic", "t", "--from", "middle"], "invalid choice: 'middle'"),
        (["--topic", "t", "--limit", "-1"], "expected a whole number, 0 or more, not '-1'"),
        (["--topic", "t", "--limit", "ten"], "expected a whole number, 0 or more, not 'ten'"),
        (["--topic", "t", "--timeout", "0"], "expected a number of seconds above 0, not '0'"),
        (["--topic", "t", "--max-value-chars", "x"], "expected a whole number"),
        (["--topic", "t", "--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        consume.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("consume: error:") and message in err, err


def test_an_unreachable_broker_is_one_line_and_exit_1(capsys):
    started = time.monotonic()
    assert consume.main(["--bootstrap", "127.0.0.1:1", "--topic", "t", "--connect-timeout", "1"]) == 1
    assert time.monotonic() - started < 15
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("consume: error: Kafka at 127.0.0.1:1 did not answer within 1 s (")
    assert captured.err.endswith("is it up? `make up` starts the lab's\n")


# --- `lab consume`: the lab's topic names, and Kafka's address from the settings -------------------


@pytest.fixture
def lab_consume(monkeypatch):
    """Runs `lab consume …` in-process; returns the arguments producer.consume was given."""
    calls = []
    monkeypatch.setattr(consume, "main", lambda argv: calls.append(argv) or 0)
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka.example:9092")
    monkeypatch.setenv("TOPIC_QUARANTINE", "quarantine_copy")

    def run(*argv: str) -> list[str]:
        assert cli.main(["consume", *argv]) == 0
        return calls.pop()

    return run


def test_lab_consume_maps_a_lab_topic_to_its_name_in_kafka(lab_consume):
    assert lab_consume("quarantine", "--from", "latest", "--limit", "5") == [
        "--bootstrap",
        "kafka.example:9092",
        "--topic",
        "quarantine_copy",
        "--from",
        "latest",
        "--limit",
        "5",
    ]


def test_lab_consume_passes_any_other_name_through(lab_consume):
    assert lab_consume("my_topic") == ["--bootstrap", "kafka.example:9092", "--topic", "my_topic"]


def test_lab_consume_without_a_topic_is_bad_usage(capsys):
    assert cli.main(["consume", ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lab consume: name a topic: make consume TOPIC=quarantine")


def test_lab_consume_on_a_lab_that_is_not_up(monkeypatch, capsys):
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "127.0.0.1:1")
    assert cli.main(["consume", "quarantine", "--connect-timeout", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "`make up`" in err
