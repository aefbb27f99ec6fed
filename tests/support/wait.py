"""Tests wait on conditions with streamlab.wait.wait_for (timeout and clear message), never on sleeps."""

from streamlab.wait import WaitTimeout, wait_for  # noqa: F401
