"""The producer's event generator: deterministic, correlated, and honest about what it injects."""

import itertools
import json
from collections import Counter
from datetime import datetime

import pytest

from producer.generator import MALFORMED_KINDS, RESEND_WITHIN, Config, EventGenerator, Pools
from streamlab.schemas import SCHEMAS

START = datetime.fromisoformat("2026-01-01T00:00:00+00:00").timestamp()


@pytest.fixture(scope="module")
def pools():
    return Pools(42, 1000, 200)


def take(config, pools, n):
    gen = EventGenerator(config, pools).events()
    return [next(gen) for _ in range(n)]


def test_same_seed_same_events_byte_for_byte(pools):
    a = take(Config(seed=7, start_time=START, jitter_ms=500, late_share=0.05, malformed_share=0.05), pools, 3000)
    b = take(Config(seed=7, start_time=START, jitter_ms=500, late_share=0.05, malformed_share=0.05), pools, 3000)
    assert [(e.topic_key, e.key, e.value) for e in a] == [(e.topic_key, e.key, e.value) for e in b]
    c = take(Config(seed=8, start_time=START), pools, 50)
    assert [e.value for e in a[:50]] != [e.value for e in c]


def test_same_seed_other_start_shifts_only_event_times(pools):
    a = take(Config(seed=3, start_time=START), pools, 500)
    b = take(Config(seed=3, start_time=START + 3600), pools, 500)
    for x, y in zip(a, b, strict=True):
        assert y.event_time_ms - x.event_time_ms == 3_600_000
        ja, jb = json.loads(x.value), json.loads(y.value)
        ja.pop("event_time"), jb.pop("event_time")
        assert ja == jb


def test_without_a_start_time_the_event_clock_starts_when_sending_starts(pools):
    gen = EventGenerator(Config(seed=3), pools)
    gen.anchor(START + 60)  # the send loop starts a minute after the generator was made
    first = next(gen.events())
    assert first.event_time_ms == (START + 60) * 1000
    given = EventGenerator(Config(seed=3, start_time=START), pools)
    given.anchor(START + 60)  # a given --start-time is kept
    assert next(given.events()).event_time_ms == START * 1000


def test_valid_events_match_their_schema(pools):
    for event in take(Config(seed=1, start_time=START), pools, 2000):
        obj = json.loads(event.value)
        schema = SCHEMAS[event.topic_key]
        assert list(obj) == schema.names
        for field in schema.fields:
            if field.required:
                assert obj[field.name] is not None, field.name
        assert obj["event_time"].endswith("Z") and len(obj["event_time"]) == 24
        assert event.key.decode() == obj[schema.key_field]


def test_payments_follow_real_earlier_orders(pools):
    events = take(Config(seed=5, start_time=START, unpaid_share=0.2, payment_delay=10, event_rate=100), pools, 20000)
    orders, order_ms = {}, {}
    paid = set()
    for e in events:
        obj = json.loads(e.value)
        if e.topic_key == "orders":
            orders[obj["order_id"]] = obj
            order_ms[obj["order_id"]] = e.event_time_ms
        elif e.topic_key == "payments":
            order = orders.get(obj["order_id"])
            assert order is not None, f"payment {obj['payment_id']} references an order not produced before it"
            assert obj["amount"] == order["amount"]
            assert e.event_time_ms > order_ms[obj["order_id"]]
            assert obj["order_id"] not in paid, "an order was paid twice"
            paid.add(obj["order_id"])
    # Only orders whose payment was due before the last event count (delay is at most 1.5 x 10 s).
    settled = {o for o, ms in order_ms.items() if ms < events[-1].event_time_ms - 15_000}
    unpaid_share = 1 - len(paid & settled) / len(settled)
    assert 0.17 < unpaid_share < 0.23, unpaid_share
    ids = [json.loads(e.value)["event_id"] for e in events]
    assert len(ids) == len(set(ids))


def test_injections_are_marked_and_within_tolerance(pools):
    n = 20000
    events = take(Config(seed=9, start_time=START, late_share=0.02, late_by=900, malformed_share=0.05), pools, n)
    late = [e for e in events if e.late]
    malformed = [e for e in events if e.malformed]
    assert abs(len(late) / n - 0.02 * 0.95) < 0.004  # late applies to the 95% that are not malformed
    assert abs(len(malformed) / n - 0.05) < 0.005
    assert set(Counter(e.malformed for e in malformed)) == set(MALFORMED_KINDS)
    for e in malformed:
        if e.malformed == "bad_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(e.value)
        elif e.malformed == "missing_field":
            assert "event_time" not in json.loads(e.value)
        else:
            assert json.loads(e.value)["event_time"] == "yesterday at noon"
    for e in late:
        nominal = START * 1000 + events.index(e) * 1.0  # event_rate 1000: 1 ms per event
        assert e.event_time_ms < nominal - 899_000


def test_zipf_skews_keys(pools):
    uniform = Counter(
        e.key for e in take(Config(seed=2, start_time=START), pools, 20000) if e.topic_key == "page_views"
    )
    zipf = Counter(
        e.key
        for e in take(Config(seed=2, start_time=START, key_skew="zipf"), pools, 20000)
        if e.topic_key == "page_views"
    )
    assert zipf.most_common(1)[0][1] > 10 * uniform.most_common(1)[0][1]
    assert zipf.most_common(1)[0][0] == b"u00000"


def test_jitter_moves_event_times_out_of_order(pools):
    events = take(Config(seed=4, start_time=START, jitter_ms=2000), pools, 2000)
    times = [e.event_time_ms for e in events]
    assert any(b < a for a, b in itertools.pairwise(times))
    assert all(
        abs(t - (START * 1000 + i)) <= 2000 or e.topic_key == "payments"
        for i, (t, e) in enumerate(zip(times, events, strict=True))
    )


def test_the_mix_sets_the_share_of_page_views(pools):
    only_views = Counter(e.topic_key for e in take(Config(seed=3, start_time=START, mix=(1.0, 0.0)), pools, 2000))
    assert only_views == {"page_views": 2000}
    default = Counter(e.topic_key for e in take(Config(seed=3, start_time=START), pools, 4000))
    new_events = default["page_views"] + default["orders"]
    assert abs(default["page_views"] / new_events - 0.75) < 0.03


def test_duplicates_resend_valid_events_byte_for_byte_a_little_later(pools):
    """As an at-least-once producer resends after a timeout: the same record again, soon after;
    never a malformed one, never twice; and the events that are not resends stay unique."""
    n = 20000
    events = take(Config(seed=11, start_time=START, duplicate_share=0.05, malformed_share=0.02), pools, n)
    first_seen = {}
    resent = Counter()
    for i, e in enumerate(events):
        record = (e.topic_key, e.key, e.value)
        if e.duplicate:
            assert record in first_seen, f"event {i} resends nothing sent before"
            assert i - first_seen[record] <= RESEND_WITHIN, "a resend comes a few events later"
            assert not e.malformed
            resent[record] += 1
        else:
            assert record not in first_seen or events[first_seen[record]].malformed, f"event {i} repeats by itself"
            first_seen.setdefault(record, i)
    assert max(resent.values()) == 1, "an event is resent once at most"
    originals = sum(1 for e in events if not e.duplicate and not e.malformed)
    assert abs(len(resent) / originals - 0.05) < 0.006
    assert {e.topic_key for e in events if e.duplicate} == {"page_views", "orders", "payments"}
