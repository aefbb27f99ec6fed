import os
import socket

from lab import ports


def test_free_port_and_taken_port_with_holder():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not ports.is_free("127.0.0.1", port)
        assert ports.holder(port) == f"pid {os.getpid()} ({open('/proc/self/comm').read().strip()})"
        message = ports.describe_taken("127.0.0.1", port, "Kafka")
        assert message.startswith(f"port {port} (Kafka) on 127.0.0.1 is already in use by pid {os.getpid()}")
    assert ports.is_free("127.0.0.1", port)
