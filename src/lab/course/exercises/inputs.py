"""The checks' inputs and their ground truth, computed here from the records read back from Kafka
(lab.course.truth), never from Spark.

- Exercises 1-3: a fresh one-partition topic, filled from fixed seeds with page views from a
  fixed past day (2024-03-01, 10:00-10:45 UTC), read in micro-batches of BATCH records
  (`maxOffsetsPerTrigger` on one partition cuts them the same way every time):
  - batches 0 and 1: 40 minutes of page views (10:00-10:40), and a few malformed records;
  - batch 2: page views from 10:00-10:02, late, then on-time ones from 10:40-10:45.
  Spark drops an event whose window ended before the watermark of the batch before (the one it
  evicts state with; SPARK-40925). Batch 2's late events are behind both batch 1's watermark
  (10:10) and batch 2's (10:30), so the drop does not hang on that detail; truth_of asserts it.
- The capstone: 40 minutes of orders and their payments, then a burst three hours later whose
  watermarks close every earlier window.
- Exercise 4 (the whole pipeline): live page views, timed now, written at LIVE_RATE while the
  learner's pipeline runs, some malformed and some late. Its console sink is in complete mode,
  which keeps every window and counts late events too (the watermark drops nothing there), so the
  truth is every valid page view, whatever the micro-batches were.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lab.course.truth import count_in_batches, micros, paid_in_time, payment_times, valid_events, window_start

DAY = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)
WATERMARK = timedelta(minutes=10)
# (seed, first event's time, records, malformed share) of each part, in the topic's order; 0.2
# page views per second of event time.
PARTS = ((501, DAY, 480, 0.04), (503, DAY, 24, 0.0), (502, DAY + timedelta(minutes=40), 60, 0.0))
EVENT_RATE = 0.2
BATCH = 240
# The capstone: 40 minutes of orders and their payments (0.5 events/s: about 520 orders), then a
# burst three hours later whose watermarks close every earlier window.
CAPSTONE_PARTS = ((601, DAY, 1200, 0.02), (602, DAY + timedelta(hours=3), 60, 0.0))
CAPSTONE_RATE = 0.5
CAPSTONE_BATCH = 200  # records per source per micro-batch
PAID_WITHIN = timedelta(minutes=10)
# Exercise 4: page views written live for about 15 s, 3% malformed, 5% late by 15 minutes.
LIVE_SEED, LIVE_RECORDS, LIVE_RATE = 701, 1500, 100.0
LIVE_MALFORMED, LIVE_LATE = 0.03, 0.05


def window_of(t: datetime) -> tuple[int, int, datetime]:
    """The 5-minute window holding `t`: its ends in µs, and its start."""
    start = window_start(t, 5)
    return micros(start), micros(start + WINDOW), start


@dataclass
class Truth:
    """What a right answer gives, from the records in Kafka (independent of Spark)."""

    records: int
    events: dict[str, dict]  # event_id -> the page view's fields (event_time in µs since 1970)
    malformed: int
    counts: Counter  # (window start µs, window end µs, country) -> page views, late ones left out
    late: int  # page views more than the watermark behind part A's latest: dropped
    late_ids: frozenset[str] = frozenset()  # their event_ids


def truth_of(records, batch: int = BATCH) -> Truth:
    """The right answers for these records (read back from Kafka, in offset order), read in
    micro-batches of `batch` records (see the module's docstring): the late page views are those
    the watermark that drops rows (of two batches before) has closed, and the one that evicts state
    (of the batch before) must close the same ones."""
    delay = int(WATERMARK / timedelta(minutes=1))
    dropped = count_in_batches(records, "country", 5, None, delay, batch)
    evicted = count_in_batches(records, "country", 5, None, delay, batch, lag=1)
    assert dropped.late_ids == evicted.late_ids, "the check's input must not straddle the watermark"
    events = {e["event_id"]: {**e, "event_time": micros(e["event_time"])} for e in valid_events(records, "page_views")}
    late = dropped.late_ids
    return Truth(len(records), events, len(records) - len(events), dropped.counts, len(late), late)


def _generated(parts, rate: float, mix: tuple[float, float], **config) -> list:
    from producer.generator import Config, EventGenerator, Pools

    pools = Pools(parts[0][0], 1000, 200)
    events = []
    for seed, start, count, malformed in parts:
        settings = Config(
            seed=seed, start_time=start.timestamp(), event_rate=rate, mix=mix, malformed_share=malformed, **config
        )
        events += itertools.islice(EventGenerator(settings, pools).events(), count)
    return events


def input_events() -> list:
    """Exercises 1-3's input, as producer.generator Events in the topic's order (the module's docstring)."""
    return _generated(PARTS, EVENT_RATE, (1.0, 0.0))


@dataclass
class CapstoneTruth:
    """The capstone's right answer, from the orders and payments in Kafka."""

    records: int  # in both topics
    malformed: int
    orders: int  # valid orders before the burst
    rows: dict[tuple[int, int, str], tuple[int, float]]  # (window start µs, end µs, country) -> (paid, revenue)


def capstone_events() -> list:
    return _generated(CAPSTONE_PARTS, CAPSTONE_RATE, (0.0, 1.0))


def capstone_truth_of(orders, payments) -> CapstoneTruth:
    """Paid orders and their revenue per (5-minute window of the order's time, country), for the
    orders before the burst (the burst's own windows stay open). An order is paid by a payment
    with its order_id between its time and PAID_WITHIN later."""
    valid_orders = valid_events(orders, "orders")
    paid_at = payment_times(valid_events(payments, "payments"))
    rows: dict[tuple, list] = {}
    main = [o for o in valid_orders if o["event_time"] < _burst()]
    for o in main:
        if paid_in_time(o, paid_at, PAID_WITHIN):
            w_start, w_end, _ = window_of(o["event_time"])
            row = rows.setdefault((w_start, w_end, o["country"]), [0, 0.0])
            row[0] += 1
            row[1] += o["amount"]
    valid = len(valid_orders) + sum(len(v) for v in paid_at.values())
    return CapstoneTruth(
        len(orders) + len(payments),
        len(orders) + len(payments) - valid,
        len(main),
        {k: (n, round(r, 2)) for k, (n, r) in rows.items()},
    )


def _burst() -> datetime:
    """When the capstone's burst starts (naive UTC, as valid_events' times)."""
    return CAPSTONE_PARTS[1][1].replace(tzinfo=None)


def paid_and_unpaid(orders, payments, within: int) -> tuple[int, int]:
    """A left-outer join of the capstone's valid `orders` with their `payments` (a payment of the
    order between its time and `within` minutes later), as Spark emits it once the burst's
    watermark has passed: (paid orders, unpaid orders from before the burst). The burst's own
    unpaid orders still wait for their payment."""
    paid_at, burst = payment_times(payments), _burst()
    paid = unpaid = 0
    for o in orders:
        if paid_in_time(o, paid_at, timedelta(minutes=within)):
            paid += 1
        elif o["event_time"] < burst:
            unpaid += 1
    return paid, unpaid


def live_events(now: float | None = None) -> list:
    """Exercise 4's page views: event times from `now` on, at the pace they are written."""
    start = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return _generated(
        ((LIVE_SEED, start, LIVE_RECORDS, LIVE_MALFORMED),),
        LIVE_RATE,
        (1.0, 0.0),
        late_share=LIVE_LATE,
        late_by=900.0,
    )


@dataclass
class PipelineTruth:
    """Exercise 4's right answer: every valid page view counted in its window (complete mode)."""

    records: int
    malformed: int
    late: int  # page views whose event time is behind the watermark when written: counted anyway
    counts: Counter  # (window start µs, window end µs, country) -> page views


def pipeline_truth_of(records, late: int = 0) -> PipelineTruth:
    """The counts for these records (read back from Kafka); `late`: how many of them the producer
    wrote late (it knows; the records do not say)."""
    events = valid_events(records, "page_views")
    counts: Counter = Counter()
    for e in events:
        w_start, w_end, _ = window_of(e["event_time"])
        counts[(w_start, w_end, e["country"])] += 1
    return PipelineTruth(len(records), len(records) - len(events), late, counts)


def create_topic(bootstrap: str, name: str) -> None:
    """A one-partition topic: one partition keeps the records in the order they were sent."""
    from lab.kafka.admin import create_topics

    create_topics(bootstrap, [name], partitions=1)


def delete_topic(bootstrap: str, name: str) -> None:
    from lab.kafka.admin import delete_topics

    delete_topics(bootstrap, [name])


def _producer(bootstrap: str):
    from confluent_kafka import Producer

    # Idempotence keeps the records in the order they are sent: the batches depend on it.
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "log_level": 3})


def produce(bootstrap: str, topics: dict[str, str], events) -> None:
    """Send `events` (producer.generator Events) to the topic of each one's kind; a malformed one
    (made from an event of any kind) to the first topic."""
    producer = _producer(bootstrap)
    for event in events:
        topic = topics[event.topic_key] if not event.malformed else next(iter(topics.values()))
        producer.produce(topic, key=event.key, value=event.value)
        producer.poll(0)
    if producer.flush(30):
        raise RuntimeError(f"the check's input did not reach Kafka at {bootstrap} within 30 s")


class LiveProducer(threading.Thread):
    """Writes `events` to `topic` at `rate` per second, in the background, as the lab's producer
    writes its topics: exercise 4's live input. `join()` then `error` says whether all arrived."""

    def __init__(self, bootstrap: str, topic: str, events: list, rate: float):
        super().__init__(name="live producer", daemon=True)
        self.bootstrap, self.topic, self.events, self.rate = bootstrap, topic, events, rate
        self.error: str | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        producer = _producer(self.bootstrap)
        started = time.monotonic()
        for i, event in enumerate(self.events):
            wait = started + i / self.rate - time.monotonic()
            if wait > 0 and self.stopping.wait(wait):
                break
            producer.produce(self.topic, key=event.key, value=event.value)
            producer.poll(0)
        if producer.flush(30):
            self.error = f"the check's live input did not reach Kafka at {self.bootstrap} within 30 s"
