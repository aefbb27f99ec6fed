"""Rate control for the send loop: how many events to compose now.

`Pacer(rate_at).take(now)` is a token bucket: it returns how many events may go now (at most
MAX_CHUNK, at most one second of catch-up), or 0 after a short sleep when none may. A rate of 0
means as fast as possible: a full chunk every time. `rate_at(elapsed)` gives the rate at a
moment, which is how bursts work (`bursty_rate`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_CHUNK = 2000  # events composed between two poll(0) calls


def bursty_rate(
    rate: float, every: float = 0.0, duration: float = 0.0, factor: float = 1.0
) -> Callable[[float], float]:
    """`rate`, times `factor` for `duration` seconds after every `every` seconds (every=0: no bursts)."""

    def rate_at(elapsed: float) -> float:
        if every and (elapsed % (every + duration)) >= every:
            return rate * factor
        return rate

    return rate_at


class Pacer:
    def __init__(self, rate_at: Callable[[float], float], start: float):
        self.rate_at = rate_at
        self.start = self.last = start
        self.tokens = 0.0

    def take(self, now: float) -> int:
        rate = self.rate_at(now - self.start)
        if rate <= 0:
            return MAX_CHUNK
        self.tokens = min(self.tokens + (now - self.last) * rate, max(rate, 1.0))  # at most 1 s of catch-up
        self.last = now
        if self.tokens < 1.0:
            time.sleep(min(0.005, (1.0 - self.tokens) / rate))
            return 0
        n = min(int(self.tokens), MAX_CHUNK)
        self.tokens -= n
        return n
