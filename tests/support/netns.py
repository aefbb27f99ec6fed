"""Run a function inside a network namespace, for tests whose lab publishes its ports there.

`call(netns, fn, *args)` runs `fn` on a thread of its own that has joined the namespace (setns
applies to the calling thread only, and threads it starts, such as librdkafka's, inherit it), and
returns its result or raises its exception. With `netns` None it just calls `fn`.
"""

from __future__ import annotations

import ctypes
import os
import threading

CLONE_NEWNET = 0x40000000


def call(netns: str | None, fn, *args, **kwargs):
    if netns is None:
        return fn(*args, **kwargs)
    out: dict = {}

    def target():
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/var/run/netns/{netns}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {netns} failed")
        finally:
            os.close(fd)
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who re-raises it
            out["error"] = exc

    thread = threading.Thread(target=target, name=f"netns-{netns}")
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


def command(netns: str | None, cmd: list[str]) -> list[str]:
    """A command line run inside the namespace."""
    return ["nsenter", f"--net=/var/run/netns/{netns}", *cmd] if netns else cmd
