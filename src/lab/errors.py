"""The lab's errors: one base, three kinds, and the one map from an exception to an exit code.

A LabError's message is one line for the user, already in the lab's language. Its kind says whose
problem it is, and so how `python -m lab` and `python -m lab.runtimes` exit (`exit_code`):
- UsageError (2): the command asked for something that does not exist or cannot be (an unknown
  job, service, exercise or setting, a malformed .env line);
- InstallError (1): something the lab needs is missing on this machine (java, Maven, a jar);
- RuntimeFailure (1): a service, a job, a stage or the engine failed while doing its work.
Ctrl-C exits 130. Any other exception is a bug of the lab's: it is raised, with its traceback.

Stdlib only: the Makefile's first commands run before the venv exists.
"""

from __future__ import annotations

import sys

from streamlab.i18n import Catalogue

INTERRUPTED = 130


class LabError(Exception):
    """A failure with a one-line, user-facing message."""

    exit_code = 1


class UsageError(LabError):
    """The command was asked for something that does not exist or cannot be."""

    exit_code = 2


class InstallError(LabError):
    """Something the lab needs is missing on this machine."""


class RuntimeFailure(LabError):
    """A service, a job, a stage or the engine failed."""


def first_line(exc: BaseException) -> str:
    """An exception's first line, or its type's name when it says nothing: how a command that
    stopped on it names it in one line (the rest is in the output it printed)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def exit_code(exc: BaseException) -> int | None:
    """The exit code for `exc`, or None when it is not the user's to read (a bug: re-raise it)."""
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, LabError):
        return exc.exit_code
    return None


def report(exc: BaseException) -> int:
    """Say `exc` in one line on stderr and return its exit code; re-raise what is a bug."""
    code = exit_code(exc)
    if code is None:
        raise exc
    if code == INTERRUPTED:
        print(Catalogue.load("lab", "commands")("interrupted"), file=sys.stderr)
    else:
        print(f"error: {exc}", file=sys.stderr)
    return code
