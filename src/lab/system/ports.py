"""Is a TCP port free, and who holds it?

`holder(port)` names the listening process ("pid 123 (java)"), or None where it cannot tell
(another user's process, or a system that shows sockets to root only, as macOS does). Used so
that a taken port is a clear error.
"""

from __future__ import annotations

import errno
import socket

import psutil

from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")


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


def holder(port: int) -> str | None:
    try:
        conns = psutil.net_connections("tcp")
    except psutil.AccessDenied:  # macOS shows other processes' sockets to root only
        return None
    for conn in conns:
        # pid is None for another user's socket: psutil cannot tell whose.
        if conn.status != psutil.CONN_LISTEN or conn.laddr.port != port or conn.pid is None:
            continue
        try:
            return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return None


def describe_taken(host: str, port: int, purpose: str) -> str:
    who = holder(port)
    if who:
        return MESSAGES("port_taken_by", port=port, purpose=purpose, host=host, holder=who)
    return MESSAGES("port_taken", port=port, purpose=purpose, host=host)
