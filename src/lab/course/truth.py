"""Ground truth computed from what is really in Kafka, independently of Spark: what drills,
`make check`, the notebooks and the exact-answer tests compare the jobs' output with.

- Records in, truths out: `valid_events` keeps the records the lab's parser accepts (event_time
  as a naive UTC datetime); every other function works on those events and returns Counters keyed
  by window and key, so a truth and a job's result compare with `==`.
- Two clocks: drills and tests key windows by datetimes (`window_counts`, `closed_windows`,
  `state_window_counts`); the notebooks and `make check` key them by µs since 1970, as Spark's
  `unix_micros` reads a window (`window_truth`, `session_truth`, `windows_of`).
- Spark's documented semantics on fixed micro-batches (`window_truth`): the watermark is the
  latest event time seen minus the delay, in ms; a row is late, and dropped, when its window ended
  at or before the watermark of two batches before (SPARK-40925: the watermark for late rows lags
  the one that evicts state by a batch); append mode emits the windows the final watermark closed.
- An order is paid by a payment with its order_id between its time and `within` later
  (`payment_times`, `paid_in_time`): the capstone's join and block 3's.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from streamlab.schemas import SCHEMAS

US = 1_000_000
MINUTE = 60 * US


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def micros(t: datetime) -> int:
    """µs since 1970 of a UTC time (this module's times are naive UTC)."""
    return int(t.replace(tzinfo=UTC).timestamp() * 1_000_000)


def valid_events(records, topic_key: str) -> list[dict]:
    """The records the lab's parser accepts (same rules as streamlab.parsing)."""
    required = SCHEMAS[topic_key].required
    out = []
    for r in records:
        try:
            obj = json.loads(r.value)
            if not isinstance(obj, dict) or any(obj.get(f) is None for f in required):
                continue
            obj["event_time"] = parse_time(obj["event_time"])
        except (ValueError, TypeError):
            continue
        out.append(obj)
    return out


# --- windows keyed by datetimes: the drills' and the tests' -----------------------------------------


def window_start(t: datetime, minutes: int) -> datetime:
    """The start of the tumbling window of `minutes` that holds `t` (windows aligned on the hour)."""
    return t - timedelta(minutes=t.minute % minutes, seconds=t.second, microseconds=t.microsecond)


def window_counts(events: list[dict], key: str, minutes: int = 5, closed_before: datetime | None = None) -> Counter:
    """(window_start, window_end, key) -> count, for tumbling windows; only windows that end at or
    before `closed_before` (what append mode has emitted once the watermark reached it)."""
    size = timedelta(minutes=minutes)
    counts: Counter = Counter()
    for e in events:
        start = window_start(e["event_time"], minutes)
        if closed_before is None or start + size <= closed_before:
            counts[(start, start + size, e[key])] += 1
    return counts


def closed_windows(events: list[dict], key: str, minutes: int, delay: timedelta) -> Counter:
    """The windows an append-mode window count has emitted once it has read all of `events`: those
    the final watermark (the latest event time minus `delay`) has closed. The others are still in
    its state: `window_counts(events, key, minutes) - closed_windows(...)`."""
    watermark = max(e["event_time"] for e in events) - delay
    return window_counts(events, key, minutes, closed_before=watermark)


def output_window_counts(rows: list[dict]) -> tuple[Counter, int]:
    """A windowing job's output rows -> ((window_start, window_end, key) -> events, and how many
    rows repeat a (window, key) already seen: an append-mode window emitted twice)."""
    got: Counter = Counter()
    seen: Counter = Counter()
    for r in rows:
        key = (r["window_start"], r["window_end"], r["key"])
        got[key] += r["events"]
        seen[key] += 1
    return got, sum(n - 1 for n in seen.values() if n > 1)


def state_window_counts(rows: list[dict], key: str = "country") -> Counter:
    """The windowing job's state rows as `make state --json` writes them -> (window_start,
    window_end, key) -> count so far: comparable with `window_counts`."""
    return Counter({(parse_time(r["window_start"]), parse_time(r["window_end"]), r[key]): r["count"] for r in rows})


# --- windows keyed by µs on fixed micro-batches: the notebooks' and make check's -------------------


@dataclass
class Windows:
    """The truth of a window count (window_truth): what Spark must give, and why."""

    counts: Counter  # (window start µs, window end µs, key) -> rows counted: complete and update mode's result
    closed: Counter  # those of the windows the final watermark closed: what append mode emits, each once
    open: int  # (window, key) rows still in the state at the end, in append mode: not emitted yet
    late: int  # page views left out of a window because it had closed (one per page view and window)
    dropped: int  # rows Spark reports as dropped (numRowsDroppedByWatermark): late (window, key) groups per batch
    watermark: str | None  # the final watermark as a query's progress writes it; None without one


class Batched(NamedTuple):
    """A window count over fixed micro-batches (count_in_batches)."""

    counts: Counter  # (window start µs, window end µs, key) -> valid page views counted
    late: int  # page views left out of a window because it had closed (one per page view and window)
    dropped: int  # late (window, key) groups, summed over the batches
    late_ids: frozenset[str]  # the event_ids of the late page views
    latest: list[int]  # each batch's latest event time, in ms


def spark_time(us: int) -> str:
    """A time in µs since 1970 as a query's progress writes its watermark: ISO, in ms, in UTC."""
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def windows_of(t: int, minutes: int, slide: int | None = None) -> list[tuple[int, int]]:
    """The windows (start µs, end µs) of `minutes` every `slide` minutes (tumbling without) that
    hold the time `t` (µs); windows are aligned on 1970-01-01 00:00, as Spark's `window`."""
    size, step = minutes * MINUTE, (slide or minutes) * MINUTE
    last = t - t % step
    return [(s, s + size) for s in range(last - size + step, last + 1, step) if s <= t < s + size]


def count_in_batches(
    records, key: str, minutes: int, slide: int | None, watermark: int | None, per_batch: int, lag: int = 2
) -> Batched:
    """Count the valid page views of `records` (one partition, in offset order) per (window, `key`),
    read in micro-batches of `per_batch` records. In batch k a page view's window that ended at or
    before the watermark (`watermark` minutes; none without) after batch k-`lag` is closed: the
    page view is late. `lag` 2 is how Spark drops late rows (SPARK-40925), 1 how it evicts state."""
    counts: Counter = Counter()
    late, dropped, late_ids, latest = 0, 0, set(), []
    for k in range(0, len(records), per_batch):
        events = valid_events(records[k : k + per_batch], "page_views")
        drop_by = max(latest[: len(latest) - (lag - 1)], default=None)
        closed_by = None if watermark is None or drop_by is None else (drop_by - watermark * MINUTE // 1000) * 1000
        groups = set()
        for e in events:
            t = micros(e["event_time"])
            for start, end in windows_of(t, minutes, slide):
                if closed_by is not None and end <= closed_by:
                    late += 1
                    late_ids.add(e["event_id"])
                    groups.add((start, end, e[key]))
                else:
                    counts[(start, end, e[key])] += 1
        dropped += len(groups)
        latest.append(max((micros(e["event_time"]) // 1000 for e in events), default=max(latest, default=0)))
    return Batched(counts, late, dropped, frozenset(late_ids), latest)


def window_truth(
    records, key: str, minutes: int, slide: int | None = None, watermark: int | None = None, per_batch: int = 240
) -> Windows:
    """The truth of `groupBy(window(event_time, minutes, slide), key).count()` over the valid page
    views in `records` (one partition, in offset order), read in micro-batches of `per_batch`
    records, with `withWatermark("event_time", watermark minutes)` if `watermark`:

    - the watermark after batch k: the latest event time of batches 0..k (in ms) minus the delay;
    - in batch k, a page view's window that ended at or before the watermark after batch k-2 is
      closed: the page view does not count in it (Spark drops late rows by the watermark of the
      batch before the one that evicts state: SPARK-40925), and each such (window, key) of the
      batch is one row dropped;
    - append mode emits the windows that ended at or before the final watermark (its last batch,
      without data, runs once the watermark has moved); the others stay in the state."""
    counted = count_in_batches(records, key, minutes, slide, watermark, per_batch)
    if watermark is None:
        return Windows(counted.counts, Counter(), 0, 0, 0, None)
    final = (max(counted.latest) - watermark * MINUTE // 1000) * 1000
    closed = Counter({w: n for w, n in counted.counts.items() if w[1] <= final})
    return Windows(
        counted.counts, closed, len(counted.counts) - len(closed), counted.late, counted.dropped, spark_time(final)
    )


def session_truth(events, gap: int, key: str = "user_id") -> Counter:
    """Session windows of `gap` minutes per `key` over `events` (event_time in µs): a session
    goes on while the next event of its key comes at most `gap` after the one before, and ends
    `gap` after its last event. (start µs, end µs, key) -> events."""
    times: dict[str, list[int]] = {}
    for e in events:
        times.setdefault(e[key], []).append(e["event_time"])
    sessions: Counter = Counter()
    for k, ts in times.items():
        ts.sort()
        start = previous = ts[0]
        n = 0
        for t in ts:
            if t - previous > gap * MINUTE:
                sessions[(start, previous + gap * MINUTE, k)] = n
                start, n = t, 0
            previous, n = t, n + 1
        sessions[(start, previous + gap * MINUTE, k)] = n
    return sessions


# --- orders and their payments ---------------------------------------------------------------------


def payment_times(payments) -> dict[str, list[datetime]]:
    """order_id -> the times of its valid `payments`."""
    paid_at: dict[str, list[datetime]] = {}
    for p in payments:
        paid_at.setdefault(p["order_id"], []).append(p["event_time"])
    return paid_at


def paid_in_time(order: dict, paid_at: dict[str, list[datetime]], within: timedelta) -> bool:
    """The order has a payment between its time and `within` later (`paid_at`: payment_times)."""
    t = order["event_time"]
    return any(t <= p <= t + within for p in paid_at.get(order["order_id"], []))
