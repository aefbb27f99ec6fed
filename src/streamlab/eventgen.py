"""The lab's events computed from their sequence number: any range, in any order, on any machine.

Contract of `columns(kind, first, stop, params)`:
- It returns the events with sequence numbers first, first + 1, ..., stop - 1 of one kind
  (page_views, orders or payments), as one list per field of the topic's schema
  (streamlab.schemas), in schema order. `event_time` is microseconds since 1970 (UTC).
- Event n depends only on (kind, n, params): the seed, the event time of event 0 (`start_ms`) and
  the event-time pace (`events_per_second`). The same range gives the same events, whoever computes
  it and however the range is split: the Python data source's partitions and a replayed batch
  rely on it.
- Event n's nominal time is `start_ms + int(n * 1000 / events_per_second)`; page views and orders
  have exactly that time. Payments: offset n is order n's payment, at its order's time plus
  15 to 45 seconds; about 10% of orders are never paid, and their offsets hold no payment. So a
  range of payments has fewer rows than offsets, and an orders stream and a payments stream with
  the same params join on order_id like the producer's.
- Costs about 2 microseconds per event on one core (one BLAKE2b hash gives each event's random
  bits), so two cores generate a few hundred thousand events per second.

Why not producer.generator: its events come from one random stream, one after another (payments
wait in a heap for their due time), so event n needs every event before it; and its pools come
from Faker, which the Spark image does not have (requirements/jobs.in) and executors do not get
(`--py-files` ships streamlab only). What is the same as the producer's: the ids' shapes, the
page, category and method choices, the currency, and the products (ids, categories and prices
come from random.Random(seed) as in producer.generator.Pools, so the products dimension of the same
seed matches). What differs: the users' countries, user agents and referrers (no Faker), and
there are no late, malformed or duplicate events.

Stdlib only: it runs on executors and in tests without Spark.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from functools import lru_cache

KINDS = ("page_views", "orders", "payments")
USERS = 1000
PRODUCTS = 200
# As in producer.generator.
CATEGORIES = ("electronics", "books", "home", "garden", "toys", "fashion", "sports", "beauty", "grocery", "music")
PAGES = ("/", "/search", "/cart", "/checkout", "/account", "/deals")
METHODS = ("card", "card", "card", "paypal", "bank_transfer", "gift_card")
CURRENCY = "EUR"
# The producer's users come from Faker's locales en_US, es_ES, de_DE, fr_FR and it_IT.
COUNTRIES = ("US", "ES", "DE", "FR", "IT")
REFERRERS = (
    None,
    None,
    "https://www.google.com/",
    "https://duckduckgo.com/",
    "https://www.bing.com/",
    "https://news.ycombinator.com/",
    "https://www.reddit.com/",
    "https://twitter.com/",
    "https://www.facebook.com/",
    "https://www.instagram.com/",
    "https://www.youtube.com/",
    "https://newsletter.example.com/",
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
)
UNPAID_SHARE = 0.1
PAYMENT_DELAY_MS = 30_000  # each payment waits this times U(0.5, 1.5), as the producer's default
_MASK128 = (1 << 128) - 1


@dataclass(frozen=True)
class Params:
    """What, besides the kind and the sequence number, decides an event."""

    seed: int = 42
    start_ms: int = 0  # event time of event 0, in milliseconds since 1970 (UTC)
    events_per_second: float = 1000.0  # the event-time pace

    def nominal_ms(self, n: int) -> int:
        return self.start_ms + int(n * 1000.0 / self.events_per_second)


@lru_cache(maxsize=8)
def _pools(seed: int) -> tuple[tuple[str, ...], tuple[tuple[str, str, float], ...]]:
    """(each user's country, each product's (id, category, price)) for a seed."""
    countries = tuple(COUNTRIES[int.from_bytes(_hash(seed, "users", i)[:4], "little") % 5] for i in range(USERS))
    rng = random.Random(seed)  # producer.generator.Pools draws the prices from this stream, in this order
    products = tuple(
        (f"p{i:04d}", CATEGORIES[i % len(CATEGORIES)], round(rng.uniform(2, 400), 2)) for i in range(PRODUCTS)
    )
    return countries, products


def _hasher(seed: int, kind: str):
    return hashlib.blake2b(digest_size=32, person=kind.encode()[:16], salt=(seed % (1 << 128)).to_bytes(16, "little"))


def _hash(seed: int, kind: str, n: int) -> bytes:
    h = _hasher(seed, kind)
    h.update(n.to_bytes(8, "little"))
    return h.digest()


def _uuid(bits: int) -> str:
    """128 random bits -> a version 4 UUID, as producer.generator writes them."""
    h = f"{bits & _MASK128:032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def _unit(bits: int, width: int) -> float:
    """`width` random bits -> a float in (0, 1]."""
    return ((bits & ((1 << width) - 1)) + 1) / (1 << width)


def page_views(first: int, stop: int, p: Params) -> list[list]:
    countries, products = _pools(p.seed)
    base = _hasher(p.seed, "page_views")
    cols: list[list] = [[] for _ in range(10)]
    (event_id, event_time, user_id, session_id, page, product_id, category, referrer, user_agent, country) = cols
    for n in range(first, stop):
        h = base.copy()
        h.update(n.to_bytes(8, "little"))
        x = int.from_bytes(h.digest(), "little")
        event_id.append(_uuid(x))
        x >>= 128
        user = (x & 0xFFFF) % USERS
        on_product = (x >> 16) & 0xFF < 154  # 60%, as the producer
        pid, cat, _ = products[((x >> 24) & 0xFFFF) % PRODUCTS]
        event_time.append(p.nominal_ms(n) * 1000)
        user_id.append(f"u{user:05d}")
        session_id.append(f"s{(x >> 40) & 0xFFFFFFFFFFFF:012x}")
        if on_product:
            page.append(f"/product/{pid}")
            product_id.append(pid)
            category.append(cat)
        else:
            page.append(PAGES[((x >> 88) & 0xFF) % len(PAGES)])
            product_id.append(None)
            category.append(None)
        referrer.append(REFERRERS[((x >> 96) & 0xFF) % len(REFERRERS)])
        user_agent.append(USER_AGENTS[((x >> 104) & 0xFF) % len(USER_AGENTS)])
        country.append(countries[user])
    return cols


def _order(n: int, x: int, p: Params, countries, products) -> tuple:
    """Order n from its 256 hash bits: (event_id, order_id, ms, user_id, product_id, quantity,
    unit_price, amount, country)."""
    user = ((x >> 128) & 0xFFFF) % USERS
    pid, _, price = products[((x >> 144) & 0xFFFF) % PRODUCTS]
    quantity = 1 + int(-math.log(_unit(x >> 160, 24)) / 1.2)  # 1 + expovariate(1.2), as the producer
    return (
        _uuid(x),
        f"o{p.seed}-{n + 1:07d}",
        p.nominal_ms(n),
        f"u{user:05d}",
        pid,
        quantity,
        price,
        round(quantity * price, 2),
        countries[user],
    )


def orders(first: int, stop: int, p: Params) -> list[list]:
    countries, products = _pools(p.seed)
    base = _hasher(p.seed, "orders")
    cols: list[list] = [[] for _ in range(10)]
    for n in range(first, stop):
        h = base.copy()
        h.update(n.to_bytes(8, "little"))
        eid, oid, ms, uid, pid, qty, price, amount, country = _order(
            n, int.from_bytes(h.digest(), "little"), p, countries, products
        )
        for col, value in zip(
            cols, (eid, oid, ms * 1000, uid, pid, qty, price, amount, CURRENCY, country), strict=True
        ):
            col.append(value)
    return cols


def payments(first: int, stop: int, p: Params) -> list[list]:
    """Offset n: the payment of order n, if it is paid."""
    countries, products = _pools(p.seed)
    order_base, base = _hasher(p.seed, "orders"), _hasher(p.seed, "payments")
    cols: list[list] = [[] for _ in range(7)]
    for n in range(first, stop):
        h = base.copy()
        h.update(n.to_bytes(8, "little"))
        y = int.from_bytes(h.digest(), "little")
        if _unit(y >> 128, 16) <= UNPAID_SHARE:
            continue
        h = order_base.copy()
        h.update(n.to_bytes(8, "little"))
        _, order_id, order_ms, _, _, _, _, amount, _ = _order(
            n, int.from_bytes(h.digest(), "little"), p, countries, products
        )
        delay = int(PAYMENT_DELAY_MS * (0.5 + _unit(y >> 144, 16))) + 1
        row = (
            _uuid(y),
            f"y{p.seed}-{n + 1:07d}",
            order_id,
            (order_ms + delay) * 1000,
            amount,
            METHODS[((y >> 160) & 0xFF) % len(METHODS)],
            "captured" if _unit(y >> 168, 16) <= 0.8 else "authorized",
        )
        for col, value in zip(cols, row, strict=True):
            col.append(value)
    return cols


GENERATORS = {"page_views": page_views, "orders": orders, "payments": payments}


def columns(kind: str, first: int, stop: int, params: Params) -> list[list]:
    """Events first..stop-1 of `kind`, one list per schema field (see the module's contract)."""
    if kind not in GENERATORS:
        raise ValueError(f"no such kind of event: {kind!r} (one of {', '.join(KINDS)})")
    return GENERATORS[kind](first, stop, params)
