"""Is a TCP port free, and who holds it?

`holder(port)` reads /proc to name the listening process ("pid 123 (java)"), or None where it
cannot tell (another user's process, or no /proc). Used so that a taken port is a clear error.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path


def is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: connections in TIME_WAIT from a previous run must not count as taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    # A listener on 0.0.0.0 or another local address also blocks a later bind by the service.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) != 0


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(inode)
    return inodes


def holder(port: int) -> str | None:
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    name = Path(f"/proc/{pid}/comm").read_text().strip()
                    return f"pid {pid} ({name})"
        except OSError:
            continue
    return None


def describe_taken(host: str, port: int, purpose: str) -> str:
    who = holder(port)
    return f"port {port} ({purpose}) on {host} is already in use" + (f" by {who}" if who else "")
