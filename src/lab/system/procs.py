"""The questions the lab asks about processes, answered by psutil. A process that is gone (or
goes while it is read) is an answer, not an error: not alive, no descendants, no CPU time."""

from __future__ import annotations

import psutil


def alive(pid: int) -> bool:
    """Running: it exists and is not a zombie (exited, not yet reaped by its parent)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def tree(pid: int) -> list[int]:
    """The process, then all its descendants (only the process itself once it is gone)."""
    try:
        return [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
    except psutil.NoSuchProcess:
        return [pid]


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time the process has used so far, or None once it is gone."""
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return times.user + times.system


def rss_mib(pid: int) -> float | None:
    """A live process's resident memory in MiB; None if it is gone."""
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def marked(key: str, value: str) -> list[int]:
    """Processes whose environment holds key=value, except this process and its ancestors, which
    may carry the same marker and must not be stopped by the caller. Processes whose environment
    cannot be read (another user's) are not found."""
    me = psutil.Process()
    skip = {me.pid, *(p.pid for p in me.parents())}
    # environ is None where it cannot be read (AccessDenied, a zombie); gone processes are skipped.
    return [
        p.pid
        for p in psutil.process_iter(["environ"])
        if p.pid not in skip and (p.info["environ"] or {}).get(key) == value
    ]
