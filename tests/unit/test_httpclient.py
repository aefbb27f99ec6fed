"""lab.system.httpclient against a real HTTP server on a free loopback port: what counts as an answer,
and the one short line each failure gives."""

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lab.system.httpclient import HttpError, get_json, ok


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/json"):
            self._answer(200, "application/json", json.dumps({"path": self.path}))
        elif self.path == "/page":
            self._answer(200, "text/html", "<html>not JSON</html>")
        else:
            self._answer(404, "text/plain", "no")

    def _answer(self, status: int, kind: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:  # a free port, closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_get_json_decodes_a_2xx_answer_and_encodes_params(base):
    assert get_json(f"{base}/json", 5, {"query": 'up{job="a b"}'}) == {"path": "/json?query=up%7Bjob%3D%22a+b%22%7D"}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "HTTP Error 404: Not Found"),
        ("/page", "the answer is not JSON (text/html)"),
    ],
)
def test_get_json_refuses_an_error_status_or_a_body_that_is_not_json(base, path, message):
    with pytest.raises(HttpError) as caught:
        get_json(f"{base}{path}", 5)
    assert str(caught.value) == message


def test_a_refused_connection_is_one_short_line_and_an_oserror():
    with pytest.raises(OSError) as caught:
        get_json(f"http://127.0.0.1:{closed_port()}/", 5)
    assert isinstance(caught.value, HttpError)
    assert re.fullmatch(r"\[Errno \d+\] Connection refused", str(caught.value)), caught.value


def test_a_silent_server_times_out_with_the_timeout_named():
    with socket.socket() as silent:  # accepts connections (the backlog does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(HttpError, match=r"^no answer within 0\.2 s$"):
            get_json(f"http://127.0.0.1:{silent.getsockname()[1]}/", 0.2)


def test_ok_is_a_200_answer_and_false_on_any_failure(base):
    assert ok(f"{base}/json", 5)
    assert not ok(f"{base}/missing", 5)
    assert not ok(f"http://127.0.0.1:{closed_port()}/", 5)
