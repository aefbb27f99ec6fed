import os
import socket

import psutil
import pytest

from lab.system import ports


def test_free_port_and_taken_port_with_holder():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not ports.is_free("127.0.0.1", port)
        assert ports.holder(port) == f"pid {os.getpid()} ({psutil.Process().name()})"
        message = ports.describe_taken("127.0.0.1", port, "Kafka")
        assert message.startswith(f"port {port} (Kafka) on 127.0.0.1 is already in use by pid {os.getpid()}")
    assert ports.is_free("127.0.0.1", port)
    assert ports.holder(port) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to become another user")
def test_another_users_listener_is_none_not_an_error():
    """holder() run as nobody cannot see whose root's socket is: it says None (and raises nothing)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert ports.holder(port) is not None  # root can tell
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # a copy of this process, which already has psutil loaded, becomes nobody
            try:
                sock.close()
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                os.write(write, repr(ports.holder(port)).encode())
            finally:
                os._exit(0)
        os.close(write)
        answer = os.read(read, 200).decode()
        os.close(read)
        os.waitpid(child, 0)
    assert answer == "None"
