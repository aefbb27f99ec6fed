"""Running a learner's code: its file loaded as a module of its own, its functions called in a
thread of their own within a deadline, and what it raised described as JSON-able facts.

- `load(path, name)` imports a learner's file (and exercise 4's sibling files beside it) and
  registers it with cloudpickle by value, so that the executors can run its functions.
- `start(fn, *args)` calls `fn` in a daemon thread; `finish(call, deadline, on_await)` waits for
  it, noting (`Call.blocked`) a wait in pyspark's awaitTermination() with no timeout and running
  `on_await()` then; past the deadline it raises FileTimeout, leaving the thread behind.
- `error_of(exc)` is an exception as its Python class, Spark's error condition and message
  parameters, and its message's first line.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import threading
from pathlib import Path

from streamlab.checks.deadline import POLL, Deadline

# Exercise 4's script imports the learner's three functions from the files beside it.
SIBLINGS = ("ex1_read_kafka", "ex2_windowing", "ex3_output")
# pyspark's calls that wait for a query to end (StreamingQuery, StreamingQueryManager).
AWAITS = ("awaitTermination", "awaitAnyTermination")


def load(path: Path, name: str):
    """A learner's file as a module of its own, sent to the executors by value (they have
    streamlab, not the learner's file). Exercise 4's siblings beside it are loaded first, under
    their own names, so that its `from ex2_windowing import windowed_counts` finds this learner's."""
    from pyspark import cloudpickle

    for sibling in SIBLINGS:
        sys.modules.pop(sibling, None)
        if path.name.startswith("ex4") and (path.parent / f"{sibling}.py").exists():
            sys.modules[sibling] = _module(path.parent / f"{sibling}.py", sibling)
            cloudpickle.register_pickle_by_value(sys.modules[sibling])
    module = _module(path, name)
    cloudpickle.register_pickle_by_value(module)
    return module


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclasses.dataclass
class Call:
    value: object = None
    error: BaseException | None = None
    blocked: bool = False  # it waited in awaitTermination() (with no timeout)
    thread: threading.Thread | None = None

    def done(self) -> bool:
        return not self.thread.is_alive()


def start(fn, *args) -> Call:
    """Call the learner's `fn` in a thread of its own: its code may block, or never return."""
    call = Call()

    def target():
        try:
            call.value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything, SystemExit too
            call.error = exc

    call.thread = threading.Thread(target=target, name=f"learner {getattr(fn, '__name__', fn)}", daemon=True)
    call.thread.start()
    return call


def waiting_in_await(thread: threading.Thread) -> bool:
    """The thread is inside pyspark's awaitTermination() (or awaitAnyTermination()) with no timeout:
    it waits until the query ends, which a streaming query never does by itself."""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        code = frame.f_code
        if code.co_name in AWAITS and "pyspark" in code.co_filename and frame.f_locals.get("timeout") is None:
            return True
        frame = frame.f_back
    return False


def finish(call: Call, deadline: Deadline, on_await=None) -> Call:
    """Wait for the call to return. If it waits in awaitTermination(), note it and run
    `on_await()` (which ends the wait by stopping the query); past the deadline, raise FileTimeout."""
    while not call.done():
        call.thread.join(POLL)
        if not call.done() and not call.blocked and waiting_in_await(call.thread):
            call.blocked = True
            if on_await is not None:
                on_await()
        deadline.check()
    return call


def value_of(call: Call):
    if call.error is not None:
        raise call.error
    return call.value


def called(fn, *args, deadline: Deadline):
    """fn(*args) within the deadline (a learner's function that should return at once)."""
    return value_of(finish(start(fn, *args), deadline))


def error_of(exc: BaseException) -> dict:
    from pyspark.errors import PySparkException

    spark_class, params = None, {}
    if isinstance(exc, PySparkException):
        spark_class = exc.getCondition() if hasattr(exc, "getCondition") else exc.getErrorClass()
        params = exc.getMessageParameters() or {}
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return {
        "type": type(exc).__name__,
        "spark_class": spark_class,
        "params": {k: str(v) for k, v in params.items()},
        "message": lines[0][:500] if lines else "",
    }
