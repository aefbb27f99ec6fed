"""The control plane's HTTP client, with requests: GETs to the lab's own endpoints (Spark's UIs,
Prometheus, the producer's metrics), each bounded by a timeout.

Contract:
- `get_json(url, timeout, params=None)` returns the decoded JSON of a 2xx answer. Anything else
  raises HttpError, an OSError whose message is one short line saying why: the connection failed
  ("[Errno 111] Connection refused"), no answer within the timeout, an error status ("HTTP Error
  404: Not Found"), or a body that is not JSON. The URL is the caller's to name.
- `ok(url, timeout)` is True when the URL answers 200, and False on any failure.

Each call opens its own connection, with no Session kept between calls: the tests call these from
threads inside other network namespaces, where a pooled connection would reach another lab.
requests is imported in the functions, not at the top: lab.runtimes.docker.container, which runs
inside the Spark image (no requests), imports lab.spark.submit, which imports lab.system.health and
so this module (tests/static/test_lint.py checks it).
"""

from __future__ import annotations

from typing import Any

from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")


class HttpError(OSError):
    pass


def get_json(url: str, timeout: float, params: dict | None = None) -> Any:
    import requests

    try:
        resp = requests.get(url, params=params, timeout=timeout)
    except requests.Timeout:
        raise HttpError(MESSAGES("http_no_answer", seconds=f"{timeout:g}")) from None
    except requests.RequestException as exc:
        raise HttpError(_innermost(exc)) from None
    if not 200 <= resp.status_code < 300:
        raise HttpError(MESSAGES("http_error", code=resp.status_code, reason=resp.reason))
    try:
        return resp.json()
    except requests.JSONDecodeError:
        kind = resp.headers.get("Content-Type", MESSAGES("http_no_type"))
        raise HttpError(MESSAGES("http_not_json", type=kind)) from None


def ok(url: str, timeout: float) -> bool:
    import requests

    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def _innermost(exc: BaseException) -> str:
    """The innermost cause's words ("[Errno 111] Connection refused"): requests wraps the socket's
    error in two or three exceptions, each repeating the host and the URL."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or getattr(exc, "reason", None) or (exc.args[0] if exc.args else None)
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return str(exc)
