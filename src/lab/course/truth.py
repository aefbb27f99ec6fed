"""Ground truth computed from what is really in Kafka, independently of Spark: what drills and
exact-answer tests compare the jobs' output with."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from streamlab.schemas import SCHEMAS


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


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
