"""Wait on a condition with a timeout and a clear failure message; never a fixed sleep.

`wait_for(check, timeout, what)` polls `check()` until it returns a truthy value and returns it.
On timeout it raises `WaitTimeout` naming `what` and the last error or value seen, so a failure
says what was awaited and why it never came, in the process's language (streamlab.i18n; `what`
is the caller's). The poll interval is the only sleep.

Not for: waiting on a subprocess to exit (use `Popen.wait(timeout)`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from streamlab.i18n import Catalogue

T = TypeVar("T")
MESSAGES = Catalogue.load("streamlab", "wait")


class WaitTimeout(TimeoutError):
    pass


def wait_for(
    check: Callable[[], T],
    timeout: float,
    what: str,
    interval: float = 0.25,
    on_poll: Callable[[float], None] | None = None,
) -> T:
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = check()
            if value:
                return value
            last = MESSAGES("last_value", value=repr(value))
        except Exception as exc:  # noqa: BLE001 - the condition may raise anything until the service is up
            last = MESSAGES("last_error", error=f"{type(exc).__name__}: {exc}")
        now = time.monotonic()
        if now >= deadline:
            raise WaitTimeout(MESSAGES("timed_out", seconds=f"{timeout:.0f}", what=what, last=last))
        if on_poll:
            on_poll(timeout - (deadline - now))
        time.sleep(min(interval, max(0.0, deadline - now)))
