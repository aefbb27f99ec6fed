"""Which Docker engine lab.runtimes.docker.engine's SDK client talks to, and what it asks: against a fake engine
(just the Engine API calls used) on a unix socket, and against a fake CLI config's contexts.
tests/docker/test_docker_lab.py checks the same calls against a real engine."""

from __future__ import annotations

import gc
import hashlib
import json
import socketserver
import tempfile
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lab.config.settings import load
from lab.runtimes.docker.engine import engine_args
from lab.runtimes.docker.runtime import Docker
from streamlab.wait import wait_for

CONTAINER_ID = "0123456789ab" + "c" * 52


class FakeEngine(BaseHTTPRequestHandler):
    """The Engine API's version and container list; every request and closed connection recorded."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the real engine: a connection ends when the client closes it

    def do_GET(self):
        self.server.requests.append(self.path)
        path = urlsplit(self.path).path
        if path == "/version":
            self._answer(200, {"ApiVersion": "1.44", "Version": "fake"})
        elif path.endswith("/containers/json"):
            self._answer(200, [{"Id": CONTAINER_ID, "Names": ["/streaming-lab-x-kafka-1"]}])
        else:
            self._answer(404, {"message": "not faked"})

    def _answer(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def finish(self):
        super().finish()
        self.server.closed += 1

    def log_message(self, *args):  # the unix socket has no client address to log
        pass


@pytest.fixture
def fake_engine():
    """A fake engine's socket URL and server; a short folder, for the unix socket's path limit."""
    with tempfile.TemporaryDirectory(prefix="eng", dir="/tmp") as folder:
        sock = Path(folder) / "docker.sock"
        server = socketserver.ThreadingUnixStreamServer(str(sock), FakeEngine)
        server.daemon_threads = True
        server.requests, server.closed = [], 0
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        try:
            yield f"unix://{sock}", server
        finally:
            server.shutdown()
            server.server_close()


def test_the_client_is_the_runtimes_environments_made_once_and_closed(fake_engine, monkeypatch, tmp_path):
    url, server = fake_engine
    monkeypatch.setenv("DOCKER_HOST", "unix:///nowhere/docker.sock")  # this process's: not the one to use
    environ = {"DOCKER_HOST": url, "COMPOSE_PROJECT_NAME": "streaming-lab-x"}
    rt = Docker(load(environ={"LAB_RUN": str(tmp_path)}), environ=environ)
    assert rt.leftovers() == ["container 0123456789ab"]
    assert rt.leftovers() == ["container 0123456789ab"]
    listed = [r for r in server.requests if "/containers/json" in r]
    assert [urlsplit(r).path for r in server.requests].count("/version") == 1, server.requests
    assert len(listed) == 2
    query = parse_qs(urlsplit(listed[0]).query)
    assert query["all"] == ["1"] and json.loads(query["filters"][0]) == {
        "label": ["com.docker.compose.project=streaming-lab-x"]
    }
    client = rt._engine()  # held on, so that only the runtime's finalizer can close its connection
    assert server.closed == 0
    del rt
    gc.collect()
    wait_for(lambda: server.closed >= 1, 10, "the collected runtime's client to close its connection")
    assert client is not None


def test_no_engine_means_no_leftovers(tmp_path):
    environ = {"DOCKER_HOST": f"unix://{tmp_path}/none.sock"}
    assert Docker(load(environ={"LAB_RUN": str(tmp_path)}), environ=environ).leftovers() == []


def _context(config: Path, name: str, host: str) -> None:
    meta = config / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest() / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host}}}))


def test_without_docker_host_the_clis_context_is_used(tmp_path, monkeypatch):
    """As the CLI: DOCKER_HOST first, then DOCKER_CONTEXT, then the config's current context
    (Docker Desktop's and colima's), then the default socket."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    _context(tmp_path, "desktop-linux", "unix:///home/me/.docker/desktop/docker.sock")
    _context(tmp_path, "colima", "unix:///home/me/.colima/default/docker.sock")
    assert engine_args({})["base_url"] == "unix:///var/run/docker.sock"
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "desktop-linux"}))
    assert engine_args({})["base_url"] == "unix:///home/me/.docker/desktop/docker.sock"
    assert engine_args({"DOCKER_CONTEXT": "colima"})["base_url"] == "unix:///home/me/.colima/default/docker.sock"
    assert engine_args({"DOCKER_CONTEXT": "colima", "DOCKER_HOST": "tcp://10.0.0.5:2375"}) == {
        "base_url": "tcp://10.0.0.5:2375"
    }
