"""Build the SparkSession a job runs in.

Under spark-submit the master, jars and resources come from `lab submit`; this only adds what
every job needs whatever the cluster: UTC event time, so window boundaries do not depend on the
machine's time zone.
"""

from __future__ import annotations


def build(app_name: str, conf: dict[str, str] | None = None):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name).config("spark.sql.session.timeZone", "UTC")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    if not is_connect(spark):  # a Connect server keeps its own log level
        spark.sparkContext.setLogLevel("WARN")
    return spark


def remote() -> str | None:
    """The Spark Connect server this process is a client of (SPARK_REMOTE), its token hidden."""
    import os
    import re

    url = os.environ.get("SPARK_REMOTE")
    return re.sub(r";token=[^;]*", ";token=…", url) if url else None


def connect_error(exc: BaseException) -> str:
    """What a Spark Connect server (or the classroom's gate) answered, in one line: gRPC's details."""
    import re

    cause = exc.__cause__ or exc.__context__
    details = getattr(cause, "details", None)
    text = details() if callable(details) else None
    if not text:
        found = re.search(r'details = "([^"]*)"', str(exc))
        text = found.group(1) if found else (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return " ".join(text.split())


def is_connect(spark) -> bool:
    """True for a Spark Connect session (a thin client's): no JVM, no SparkContext on this side."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def analyzed_plan(df) -> str:
    """The analyzed logical plan's tree, as classic Spark's `queryExecution().analyzed()` prints it,
    from either kind of session (over Connect, the server's extended explain's section)."""
    if not is_connect(df.sparkSession):
        return df._jdf.queryExecution().analyzed().toString()
    text = df._explain_string(extended=True)
    section = text.split("== Analyzed Logical Plan ==\n", 1)[1].split("\n== Optimized Logical Plan ==", 1)[0]
    return section.split("\n", 1)[1].strip("\n")  # its first line is the output's schema


def stopped(spark) -> bool:
    """The session was stopped (by a learner's code, say): a new one must be built."""
    if is_connect(spark):
        return spark.is_stopped
    return spark.sparkContext._jsc is None


def rows_read(progress) -> int:
    """A progress report's input rows, whether a dict (a listener's JSON) or a StreamingQueryProgress
    (over Spark Connect, whose `progress["numInputRows"]` is None: its property sums the sources)."""
    rows = getattr(progress, "numInputRows", None)
    return int(progress["numInputRows"] if rows is None else rows)


LISTENER_REMOVAL_SECONDS = 30


def remove_listener(spark, listener, queries: set[str]) -> bool:
    """Remove a Connect session's listener once it has seen `queries` (ids) terminate.

    pyspark-client 4.2.0 removes the last listener holding its bus's lock while it waits for the
    thread that reads the server's events, and that thread takes the same lock to deliver an
    event: one that arrives during the removal deadlocks both, and the job never exits (seen
    once in the suite). After a query's termination event the server sends it no more, so the
    removal waits for those first (at most LISTENER_REMOVAL_SECONDS), and runs in a thread of
    its own that the job does not wait for beyond that. False if it did not end: the event
    thread is then stuck, and the interpreter would wait for it at exit (`leave`)."""
    import threading

    from streamlab.wait import WaitTimeout, wait_for

    try:
        wait_for(lambda: queries <= listener.terminated, LISTENER_REMOVAL_SECONDS, "the queries' end", interval=0.1)
    except WaitTimeout:
        pass
    remover = threading.Thread(target=spark.streams.removeListener, args=(listener,), daemon=True)
    remover.start()
    remover.join(LISTENER_REMOVAL_SECONDS)
    return not remover.is_alive()


def leave(code: int) -> int:
    """End the process now with `code`, its output flushed: a job whose Connect listener could not
    be removed (`remove_listener`), whose interpreter would otherwise never exit."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
