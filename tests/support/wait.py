"""Tests wait on conditions with lab.wait.wait_for (timeout and clear message), never on sleeps."""

from lab.wait import WaitTimeout, wait_for  # noqa: F401
