import pytest

from streamlab.wait import WaitTimeout, wait_for


def test_returns_the_first_truthy_value():
    values = iter([0, None, "ready"])
    assert wait_for(lambda: next(values), timeout=5, what="x", interval=0.01) == "ready"


def test_timeout_names_what_and_last_error():
    def boom():
        raise ConnectionRefusedError("nobody home")

    with pytest.raises(
        WaitTimeout, match=r"waiting for the broker \(last error: ConnectionRefusedError: nobody home\)"
    ):
        wait_for(boom, timeout=0.2, what="the broker", interval=0.05)
