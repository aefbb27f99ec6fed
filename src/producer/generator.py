"""Deterministic online-shop events: page views, orders and the payments that follow them.

Contract:
- `EventGenerator(config).events()` yields `Event`s forever. The same config (including the
  seed and the start time) gives the same sequence, byte for byte: ids, values and event times.
- Every payment references an order produced earlier in the sequence, and has a later event time.
- `config.unpaid_share` of orders never get a payment.
- Injections are marked on each Event (`late`, `malformed`, `duplicate`), so callers can count them.
- A duplicate is a valid event sent again, byte for byte (same key, same event_id), a few events
  later: what an at-least-once producer does when an acknowledgement times out. Malformed records
  are never duplicated.
- A malformed record is an extra record, derived from a fresh event of a randomly chosen topic.
  It is never an order that a payment will reference.

Speed: calling Faker for every event manages 5k-20k events/s per core. So Faker fills pools of
values once, from the seed, and events are composed from pre-escaped JSON fragments with string
formatting, not json.dumps: each topic's composer comes from its schema (streamlab.schemas).

Not for: the Kafka side (producer.cli), or the dimension files (producer.dimensions).
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import json
import random
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime

from streamlab.schemas import ORDERS, PAGE_VIEWS, PAYMENTS

CATEGORIES = ("electronics", "books", "home", "garden", "toys", "fashion", "sports", "beauty", "grocery", "music")
METHODS = ("card", "card", "card", "paypal", "bank_transfer", "gift_card")
CURRENCY = "EUR"
# Each topic's JSON, field names and order from its schema (streamlab.schemas): one definition.
# The fields named here take text that needs no escaping (ids, times, fixed words), quoted by the
# composer itself: cheaper than quoting each value.
page_view_json = PAGE_VIEWS.json_composer(quoted=("event_id", "event_time", "session_id"))
order_json = ORDERS.json_composer(quoted=("event_id", "order_id", "event_time", "currency"))
payment_json = PAYMENTS.json_composer(quoted=("event_id", "payment_id", "order_id", "event_time", "method", "status"))
PAGES = ("/", "/search", "/cart", "/checkout", "/account", "/deals")
MALFORMED_KINDS = ("bad_json", "missing_field", "wrong_type")
RESEND_WITHIN = 100  # a duplicate follows its event within this many events


@dataclass
class Config:
    seed: int = 42
    start_time: float | None = None  # Unix seconds of the first event; None: now
    event_rate: float = 1000.0  # events per second of event time (the event-time clock's pace)
    users: int = 1000
    products: int = 200
    mix: tuple[float, float] = (0.75, 0.25)  # page_views, orders (payments follow orders)
    unpaid_share: float = 0.1
    payment_delay: float = 30.0  # seconds of event time; each payment waits delay * U(0.5, 1.5)
    jitter_ms: int = 0  # out-of-order: each event time moves by U(-jitter, +jitter)
    late_share: float = 0.0
    late_by: float = 900.0  # seconds; beyond the lab's watermarks (1 to 10 minutes)
    malformed_share: float = 0.0  # any kind: bad_json, missing_field or wrong_type
    mismatch_share: float = 0.0  # schema mismatches only: missing_field or wrong_type
    duplicate_share: float = 0.0  # valid events sent twice (the second time marked `duplicate`)
    key_skew: str = "uniform"  # or "zipf"
    zipf_s: float = 1.1
    topics: dict[str, str] = field(
        default_factory=lambda: {"page_views": "page_views", "orders": "orders", "payments": "payments"}
    )


@dataclass
class Event:
    topic_key: str  # page_views | orders | payments
    key: bytes
    value: bytes
    event_time_ms: int
    late: bool = False
    malformed: str | None = None  # one of MALFORMED_KINDS
    duplicate: bool = False  # a resend of an event already yielded


def _q(text: str) -> str:
    """A JSON string literal, escaped once at pool-building time."""
    return json.dumps(text, ensure_ascii=False)


class _Clock:
    """Formats event times as 2026-11-25T08:00:00.123Z, caching the per-second prefix."""

    def __init__(self):
        self._sec = None
        self._prefix = ""

    def iso(self, ms: int) -> str:
        sec, milli = divmod(ms, 1000)
        if sec != self._sec:
            self._sec = sec
            self._prefix = datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._prefix}.{milli:03d}Z"


class Pools:
    """Faker values made once from the seed: users, products, user agents, referrers."""

    def __init__(self, seed: int, n_users: int, n_products: int):
        from faker import Faker

        fake = Faker(["en_US", "es_ES", "de_DE", "fr_FR", "it_IT"])
        fake.seed_instance(seed)
        rng = random.Random(seed)
        self.users = []
        for i in range(n_users):
            locale = fake.random_element(fake.locales)
            person = fake[locale]
            self.users.append(
                {
                    "user_id": f"u{i:05d}",
                    "name": person.name(),
                    "email": person.free_email(),
                    "country": locale[-2:],
                    "signup_date": fake.date_between("-3y", "-1d").isoformat(),
                }
            )
        self.products = []
        for i in range(n_products):
            category = CATEGORIES[i % len(CATEGORIES)]
            self.products.append(
                {
                    "product_id": f"p{i:04d}",
                    "name": fake.catch_phrase(),
                    "category": category,
                    "price": round(rng.uniform(2, 400), 2),
                    "brand": fake.company(),
                }
            )
        self.user_agents = [_q(fake.user_agent()) for _ in range(200)]
        self.referrers = ["null"] * 4 + [_q(f"https://{fake.domain_name()}/") for _ in range(40)]


class EventGenerator:
    def __init__(self, config: Config, pools: Pools | None = None):
        self.c = config
        self.rng = random.Random(config.seed)
        self.pools = pools or Pools(config.seed, config.users, config.products)
        self.clock = _Clock()
        self.start_ms = int((config.start_time if config.start_time is not None else time.time()) * 1000)
        self.step_ms = 1000.0 / config.event_rate
        self._user_weights = self._cum_weights(len(self.pools.users))
        self._product_weights = self._cum_weights(len(self.pools.products))
        p = self.pools
        self._user_frag = [(u["user_id"].encode(), _q(u["user_id"]), _q(u["country"])) for u in p.users]
        self._product_frag = [
            (_q(x["product_id"]), _q(x["category"]), x["price"], _q(f"/product/{x['product_id']}")) for x in p.products
        ]
        self._page_frag = [_q(page) for page in PAGES]
        self._pending: list[tuple[int, int, tuple]] = []  # (due_ms, seq, payment fields) heap
        self._order_seq = itertools.count(1)
        self._payment_seq = itertools.count(1)
        self._heap_seq = itertools.count()
        self._resend: list = []  # (due event index, seq, duplicate Event)

    def _cum_weights(self, n: int) -> list[float]:
        if self.c.key_skew == "zipf":
            weights = [1.0 / (rank**self.c.zipf_s) for rank in range(1, n + 1)]
        elif self.c.key_skew == "uniform":
            weights = [1.0] * n
        else:
            raise ValueError(f"key skew must be uniform or zipf, not {self.c.key_skew!r}")
        return list(itertools.accumulate(weights))

    def _pick(self, cum: list[float]) -> int:
        return bisect_left(cum, self.rng.random() * cum[-1])

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        variant = "89ab"[int(h[16], 16) & 3]  # RFC 4122: version 4, variant 10xx
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"

    def _time(self, nominal_ms: int) -> tuple[int, bool]:
        ms = nominal_ms
        if self.c.jitter_ms:
            ms += self.rng.randint(-self.c.jitter_ms, self.c.jitter_ms)
        late = self.c.late_share > 0 and self.rng.random() < self.c.late_share
        if late:
            ms -= int(self.c.late_by * 1000)
        return ms, late

    def anchor(self, now: float) -> None:
        """Without a --start-time, start the event-time clock at `now` (Unix seconds): when the
        first event is sent, not when the generator was made. Otherwise every event_time would
        lag its send by the producer's start-up (connecting to Kafka), which reads as latency."""
        if self.c.start_time is None:
            self.start_ms = int(now * 1000)

    def events(self):
        rng = self.rng
        c = self.c
        for i in itertools.count():
            nominal = self.start_ms + int(i * self.step_ms)
            if self._resend and self._resend[0][0] <= i:
                yield heapq.heappop(self._resend)[2]
                continue
            if self._pending and self._pending[0][0] <= nominal:
                _, _, fields = heapq.heappop(self._pending)
                event = self._payment(nominal, *fields)
            elif c.malformed_share and rng.random() < c.malformed_share:
                yield self._malformed(nominal)
                continue
            elif c.mismatch_share and rng.random() < c.mismatch_share:
                yield self._malformed(nominal, MALFORMED_KINDS[1 + rng.randrange(2)])
                continue
            elif rng.random() < c.mix[0] / (c.mix[0] + c.mix[1]):
                event = self._page_view(nominal)
            else:
                event = self._order(nominal, schedule_payment=True)
            if c.duplicate_share and rng.random() < c.duplicate_share:
                due = i + 1 + rng.randrange(RESEND_WITHIN)
                heapq.heappush(self._resend, (due, next(self._heap_seq), dataclasses.replace(event, duplicate=True)))
            yield event

    # --- one method per topic -----------------------------------------------------------------

    def _page_view(self, nominal: int) -> Event:
        rng = self.rng
        key, user_q, country_q = self._user_frag[self._pick(self._user_weights)]
        ms, late = self._time(nominal)
        if rng.random() < 0.6:
            pid_q, cat_q, _, page_q = self._product_frag[self._pick(self._product_weights)]
        else:
            pid_q = cat_q = "null"
            page_q = self._page_frag[rng.randrange(len(PAGES))]
        session = f"s{rng.getrandbits(48):012x}"
        value = page_view_json(
            self._uuid(),
            self.clock.iso(ms),
            user_q,
            session,
            page_q,
            pid_q,
            cat_q,
            self.pools.referrers[rng.randrange(len(self.pools.referrers))],
            self.pools.user_agents[rng.randrange(len(self.pools.user_agents))],
            country_q,
        )
        return Event("page_views", key, value.encode(), ms, late)

    def _order(self, nominal: int, schedule_payment: bool) -> Event:
        rng = self.rng
        _, user_q, country_q = self._user_frag[self._pick(self._user_weights)]
        pid_q, _, price, _ = self._product_frag[self._pick(self._product_weights)]
        quantity = 1 + int(rng.expovariate(1.2))
        amount = round(quantity * price, 2)
        order_id = f"o{self.c.seed}-{next(self._order_seq):07d}"  # the seed keeps runs apart
        ms, late = self._time(nominal)
        value = order_json(
            self._uuid(),
            order_id,
            self.clock.iso(ms),
            user_q,
            pid_q,
            quantity,
            price,
            amount,
            CURRENCY,
            country_q,
        )
        if schedule_payment and rng.random() >= self.c.unpaid_share:
            # Due in event time after the order's *nominal* time, so it is produced after the order.
            due = nominal + int(self.c.payment_delay * 1000 * rng.uniform(0.5, 1.5)) + 1
            heapq.heappush(self._pending, (due, next(self._heap_seq), (order_id, amount, max(ms, nominal) + 1)))
        return Event("orders", order_id.encode(), value.encode(), ms, late)

    def _payment(self, nominal: int, order_id: str, amount: float, not_before: int) -> Event:
        rng = self.rng
        ms, late = self._time(nominal)
        if not late:
            ms = max(ms, not_before)  # jitter never moves a payment before its order
        value = payment_json(
            self._uuid(),
            f"y{self.c.seed}-{next(self._payment_seq):07d}",
            order_id,
            self.clock.iso(ms),
            amount,
            METHODS[rng.randrange(len(METHODS))],
            "captured" if rng.random() < 0.8 else "authorized",
        )
        return Event("payments", order_id.encode(), value.encode(), ms, late)

    def _malformed(self, nominal: int, kind: str | None = None) -> Event:
        rng = self.rng
        kind = kind or MALFORMED_KINDS[rng.randrange(len(MALFORMED_KINDS))]
        base = self._page_view(nominal) if rng.random() < 0.5 else self._order(nominal, schedule_payment=False)
        text = base.value.decode()
        if kind == "bad_json":
            text = text[: max(1, len(text) // 2)]  # truncated mid-record
        elif kind == "missing_field":
            obj = json.loads(text)
            del obj["event_time"]
            text = json.dumps(obj, separators=(",", ":"))
        else:  # wrong_type: a timestamp Spark cannot parse
            obj = json.loads(text)
            obj["event_time"] = "yesterday at noon"
            text = json.dumps(obj, separators=(",", ":"))
        return Event(base.topic_key, base.key, text.encode(), base.event_time_ms, False, kind)
