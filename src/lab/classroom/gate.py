"""The classroom's door to Spark Connect: TLS, one token per learner, each call made the learner's.

Contract:
- `python -m lab.classroom.gate --roster R --listen HOST:PORT --upstream HOST:PORT --cert C --key K`
  serves Spark Connect's gRPC service (spark.connect.SparkConnectService, every method its
  protocol has) over TLS on HOST:PORT, and forwards each call to the server at --upstream (on
  127.0.0.1: the server itself never listens beyond this machine).
- A call must carry a learner's token as a bearer token (the thin client's `;token=` in its
  connection string, which it sends over TLS only). Without one, or with one the roster does not
  hold, the call ends UNAUTHENTICATED with one line, in the learner's language and English.
- The gate writes the token's learner into the request's user context, whatever the client sent:
  Spark Connect keys its sessions by user and session, so a learner reaches only their own
  sessions (their temporary views, their configs, their queries).
- The roster (lab.classroom.roster's file) is read again when it changes: a learner added or
  removed by `make class` is let in or out without a restart.
- Each learner's calls, and the calls refused, are counted in the gate's status file (--status,
  JSON, rewritten every few seconds): what `make class STATUS=1` shows.

Its only dependencies are grpcio and pyspark's Spark Connect protocol classes (both in the Spark
image too), so the same module runs in both runtimes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
from google.protobuf import message_factory
from grpc_status import rpc_status

from lab.classroom import MESSAGES
from lab.classroom.roster import Roster

SERVICE = "spark.connect.SparkConnectService"
# Metadata that is the transport's, not the call's: grpc sets it again on the way up.
NOT_FORWARDED = ("authorization", "user-agent", "te", "content-type", "grpc-", ":")
STATUS_EVERY_SECONDS = 5.0
# The gate does not know a refused client's language: both, Spanish first.
REFUSED = " / ".join(MESSAGES.text("refused", lang) for lang in ("es", "en"))


def _methods() -> dict[str, tuple[bool, bool, type]]:
    """Each method's path -> (client streams, server streams, request class), from the protocol."""
    from pyspark.sql.connect.proto import base_pb2

    service = base_pb2.DESCRIPTOR.services_by_name[SERVICE.rsplit(".", 1)[1]]
    return {
        f"/{SERVICE}/{m.name}": (m.client_streaming, m.server_streaming, message_factory.GetMessageClass(m.input_type))
        for m in service.methods
    }


class Learners:
    """The roster's tokens, read again when its file changes."""

    def __init__(self, path: Path):
        self.path, self._stamp, self._by_token = path, None, {}
        self.calls: dict[str, list] = {}  # learner -> [calls, last call's Unix time]
        self.refused = 0  # calls without a token the roster holds
        self._lock = threading.Lock()

    def learner(self, metadata) -> str | None:
        header = dict(metadata or ()).get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        with self._lock:
            stamp = self.path.stat().st_mtime_ns if self.path.exists() else None
            if stamp != self._stamp:
                roster = Roster.load(self.path) if stamp else None
                self._by_token = {ln.token: ln.name for ln in roster.learners} if roster else {}
                self._stamp = stamp
            name = self._by_token.get(token) if token else None
            if name:
                seen = self.calls.setdefault(name, [0, 0.0])
                seen[0], seen[1] = seen[0] + 1, time.time()
            else:
                self.refused += 1
            return name


class Gate(grpc.GenericRpcHandler):
    def __init__(self, learners: Learners, upstream: grpc.Channel):
        self.learners, self.upstream, self.methods = learners, upstream, _methods()

    def service(self, details):
        method = self.methods.get(details.method)
        if method is None:
            return None  # grpc answers UNIMPLEMENTED
        client_streams, server_streams, request_class = method
        learner = self.learners.learner(details.invocation_metadata)
        metadata = tuple((k, v) for k, v in details.invocation_metadata if not k.startswith(NOT_FORWARDED))

        def theirs(raw: bytes) -> bytes:
            request = request_class.FromString(raw)
            request.user_context.user_id = learner
            return request.SerializeToString()

        def refuse(context):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, REFUSED)

        if client_streams:
            call = self.upstream.stream_unary(details.method)

            def handler(requests, context):
                if learner is None:
                    refuse(context)
                return _unary(call, (theirs(r) for r in requests), metadata, context)

            return grpc.stream_unary_rpc_method_handler(handler)
        if server_streams:
            call = self.upstream.unary_stream(details.method)

            def handler(request, context):
                if learner is None:
                    refuse(context)
                responses = call(theirs(request), metadata=metadata)
                context.add_callback(responses.cancel)
                try:
                    yield from responses
                except grpc.RpcError as e:
                    _relay(e, context)

            return grpc.unary_stream_rpc_method_handler(handler)
        call = self.upstream.unary_unary(details.method)

        def handler(request, context):
            if learner is None:
                refuse(context)
            return _unary(call, theirs(request), metadata, context)

        return grpc.unary_unary_rpc_method_handler(handler)


def _unary(call, request, metadata, context):
    future = call.future(request, metadata=metadata)
    context.add_callback(future.cancel)
    try:
        return future.result()
    except grpc.RpcError as e:
        _relay(e, context)


def _relay(error: grpc.RpcError, context) -> None:
    """The server's error, as it sent it: its status, message and details (Spark's error classes
    travel in the trailing metadata)."""
    if error.code() == grpc.StatusCode.CANCELLED and not context.is_active():
        return
    status = rpc_status.from_call(error)
    if status is not None:
        context.abort_with_status(rpc_status.to_status(status))
    context.abort(error.code(), error.details() or "")


def _write_status(path: Path, learners: Learners) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"written": time.time(), "learners": learners.calls, "refused": learners.refused}))
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lab.classroom.gate", description=__doc__.splitlines()[0])
    p.add_argument("--roster", type=Path, required=True)
    p.add_argument("--listen", required=True, help="HOST:PORT the learners connect to")
    p.add_argument("--upstream", required=True, help="the Spark Connect server's HOST:PORT")
    p.add_argument("--cert", type=Path, required=True)
    p.add_argument("--key", type=Path, required=True)
    p.add_argument("--status", type=Path, default=None, help="where to write each learner's calls")
    p.add_argument("--threads", type=int, default=256, help="calls served at once")
    args = p.parse_args(argv)
    learners = Learners(args.roster)
    # Spark Connect's own limits: a plan or a result batch can be large.
    options = [("grpc.max_receive_message_length", 128 * 1024 * 1024), ("grpc.max_send_message_length", -1)]
    upstream = grpc.insecure_channel(args.upstream, options=options)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.threads), options=options)
    server.add_generic_rpc_handlers((Gate(learners, upstream),))
    credentials = grpc.ssl_server_credentials([(args.key.read_bytes(), args.cert.read_bytes())])
    server.add_secure_port(args.listen, credentials)
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"classroom gate on {args.listen} -> {args.upstream}", flush=True)
    if args.status:
        _write_status(args.status, learners)  # `make class STATUS=1` sees it running at once
    while not stop.wait(STATUS_EVERY_SECONDS if args.status else None):
        _write_status(args.status, learners)
    server.stop(grace=5).wait()
    upstream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
