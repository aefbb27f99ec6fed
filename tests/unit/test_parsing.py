"""The quarantine split on static DataFrames shaped like the Kafka source's output."""

from datetime import datetime

import pytest

from streamlab import parsing
from tests.support.kafka import kafka_rows

GOOD = (
    '{"event_id":"e1","order_id":"o1","event_time":"2026-01-01T00:00:01.500Z","user_id":"u1",'
    '"product_id":"p1","quantity":2,"unit_price":1.25,"amount":2.5,"currency":"EUR","country":"ES"}'
)


CASES = [
    (GOOD, None),
    (None, "null_value"),
    ("", "null_value"),
    ('{"event_id":"e2", "order_id":', "malformed_json"),
    ("not json at all", "malformed_json"),
    ("[1, 2, 3]", "not_a_json_object"),
    (GOOD.replace('"quantity":2', '"quantity":"two"'), "wrong_type"),
    (GOOD.replace('"2026-01-01T00:00:01.500Z"', '"yesterday at noon"'), "wrong_type"),
    (GOOD.replace('"user_id":"u1",', ""), "missing_field:user_id"),
    (
        GOOD.replace('"user_id":"u1",', '"user_id":null,').replace('"country":"ES"', '"country":null'),
        "missing_field:user_id,country",
    ),
    (GOOD + " and trailing text", None),  # lenient, like Spark's JSON reader
    (GOOD.replace('"quantity":2', '"quantity":1,"quantity":2'), None),
]


def test_every_row_lands_in_exactly_one_side_with_the_right_reason(spark):
    raw = kafka_rows(spark, [v for v, _ in CASES])
    valid, bad = parsing.split(raw, "orders")
    valid_rows = valid.collect()
    bad_rows = {r.source_offset: r for r in bad.collect()}
    assert len(valid_rows) + len(bad_rows) == len(CASES)
    for offset, (value, reason) in enumerate(CASES):
        if reason is None:
            assert offset not in bad_rows
        else:
            assert bad_rows[offset].reason == reason, (value, bad_rows[offset].reason)
            expected = None if value is None else value.encode()
            assert bad_rows[offset].value == expected, "the raw bytes must be kept untouched"
            assert (bad_rows[offset].source_topic, bad_rows[offset].source_partition) == ("orders", 0)


def test_a_repeated_key_keeps_its_last_value(spark):
    valid, _ = parsing.split(kafka_rows(spark, [GOOD.replace('"quantity":2', '"quantity":1,"quantity":2')]), "orders")
    assert [r.quantity for r in valid.collect()] == [2]


@pytest.mark.parametrize("side", [0, 1], ids=["valid", "quarantine"])
def test_each_record_is_parsed_once(spark, side):
    """Without the fence, the optimizer copies from_json into every field check (about ten parses),
    and the timestamp conversion into the filter."""
    df = parsing.split(kafka_rows(spark, [GOOD]), "orders")[side]
    plan = df._jdf.queryExecution().optimizedPlan().toString()
    assert plan.count("from_json(") == 1, plan
    assert plan.count("RLIKE(") == 2, "event_time must be converted once (one CASE, two branches): " + plan


ACCEPTED_TIMES = [  # every RFC 3339 form -> the instant, in UTC
    ("2026-01-01T00:05:00Z", datetime(2026, 1, 1, 0, 5)),
    ("2026-01-01T00:05:00.5Z", datetime(2026, 1, 1, 0, 5, 0, 500000)),
    ("2026-01-01T00:05:00.123Z", datetime(2026, 1, 1, 0, 5, 0, 123000)),
    ("2026-01-01T00:05:00.123456Z", datetime(2026, 1, 1, 0, 5, 0, 123456)),  # Python's isoformat()
    ("2026-01-01T00:05:00.123456789Z", datetime(2026, 1, 1, 0, 5, 0, 123456)),  # Spark keeps microseconds
    ("2026-01-01T00:05:00.123456+00:00", datetime(2026, 1, 1, 0, 5, 0, 123456)),
    ("2026-01-01T01:05:00+01:00", datetime(2026, 1, 1, 0, 5)),
    ("2025-12-31T19:35:00.25-04:30", datetime(2026, 1, 1, 0, 5, 0, 250000)),
    ("2026-01-01t00:05:00z", datetime(2026, 1, 1, 0, 5)),  # RFC 3339 allows lower case
]

REJECTED_TIMES = [  # raw JSON for event_time -> wrong_type, never a guess
    "12345",  # a number: Spark's JSON reader alone would read 1970-01-01T03:25:45Z
    "1767225900.5",
    "true",
    '{"seconds": 1}',
    '["2026-01-01T00:05:00Z"]',
    '"2026-01-01T00:05:00.123456"',  # no Z or offset: not an instant
    '"2026-01-01"',
    '"2026-01-01T00:05Z"',
    '"2026-01-01T00:05:00+0100"',
    '"2026-01-01T00:05:00.Z"',
    '"2026-02-30T00:05:00Z"',
    '"12345"',
    '"2026-01-01 00:05:00Z"',
]


def test_every_rfc3339_time_is_accepted(spark):
    values = [GOOD.replace('"2026-01-01T00:00:01.500Z"', f'"{text}"') for text, _ in ACCEPTED_TIMES]
    valid, bad = parsing.split(kafka_rows(spark, values), "orders")
    assert bad.count() == 0, bad.select("value").collect()
    got = {r.kafka_offset: r.event_time for r in valid.collect()}
    assert got == {i: expected for i, (_, expected) in enumerate(ACCEPTED_TIMES)}


def test_a_time_that_is_not_an_rfc3339_string_is_the_wrong_type(spark):
    values = [GOOD.replace('"2026-01-01T00:00:01.500Z"', raw) for raw in REJECTED_TIMES]
    valid, bad = parsing.split(kafka_rows(spark, values), "orders")
    assert valid.count() == 0, valid.select("event_time").collect()
    reasons = {r.source_offset: r.reason for r in bad.collect()}
    assert reasons == {i: "wrong_type" for i in range(len(REJECTED_TIMES))}, {
        REJECTED_TIMES[i]: r for i, r in reasons.items()
    }


def test_valid_rows_are_typed(spark):
    valid, _ = parsing.split(kafka_rows(spark, [GOOD]), "orders")
    (row,) = valid.collect()
    assert row.event_time == datetime(2026, 1, 1, 0, 0, 1, 500000)
    assert (row.quantity, row.unit_price, row.amount, row.kafka_offset) == (2, 1.25, 2.5, 0)


@pytest.mark.parametrize("topic", ["page_views", "orders", "payments"])
def test_producer_events_parse_cleanly(spark, topic):
    from producer.generator import Config, EventGenerator

    gen = EventGenerator(Config(seed=11, start_time=1767225600.0, payment_delay=1)).events()
    values = [e.value.decode() for e in (next(gen) for _ in range(3000)) if e.topic_key == topic][:200]
    valid, bad = parsing.split(kafka_rows(spark, values), topic)
    assert bad.count() == 0, bad.select("reason").collect()[:3]
    assert valid.count() == len(values)
