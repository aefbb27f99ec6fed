"""A check's time limit per file: `Deadline(seconds)` counts down from its creation, and
`check()` raises `FileTimeout` once it has run out. `POLL` is how often every wait of the check
looks again, so a deadline is noticed within that much of its end."""

from __future__ import annotations

import time

POLL = 0.2  # seconds


class FileTimeout(Exception):
    """The file's time is up."""


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self) -> None:
        if not self.left():
            raise FileTimeout()
