"""The exercises' checker, driver side (not a learner's job): it runs learners' exercise files on the
check's input and writes down what their code did. It decides nothing: lab.exercises judges what
this records against ground truth read from Kafka.

    spark-submit jobs/_check.py --exercise 2 --topic page_views=T --records N --batch B --work DIR FILE...

`make check EXERCISE=n` runs it (lab.exercises). The input topic has one partition, so
`maxOffsetsPerTrigger` = B cuts it into the same micro-batches every time, late events in the
last one. Each file is imported as a module of its own,
its exercise function is called, and the query runs to its end. For each file, `DIR/observed.json`
gets:
- `error`: what the learner's code raised (its Python class, Spark's error class and message
  parameters, the message's first line), or null;
- exercise 1: whether the DataFrame streams, its columns, and the rows it produced;
- exercise 2: its columns, the watermarks in its plan, and every batch's updated rows;
- exercise 3: the query's sink, output mode and checkpoint, and its progress before and after a
  restart on the same checkpoint folder.
Timestamps are written as microseconds since 1970 (UTC), whatever the session's time zone.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = {"1": "read_page_views", "2": "windowed_counts", "3": "start_output", "capstone": "paid_revenue"}
QUERY_TIMEOUT = 180.0
# `~EventTimeWatermark 5fad5912-..., event_time#12: timestamp, 10 minutes`
WATERMARK = re.compile(r"EventTimeWatermark (?:[0-9a-f-]{36}, )?(\w+)#\d+: \w+, (.+)$")


def load(path: Path, index: int):
    """The learner's file as a module of its own, sent to the executors by value (they have
    streamlab, not the learner's file)."""
    from pyspark import cloudpickle

    spec = importlib.util.spec_from_file_location(f"exercise_{index}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    cloudpickle.register_pickle_by_value(module)
    return module


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


def columns(df) -> dict[str, str]:
    return {f.name: f.dataType.simpleString() for f in df.schema.fields}


def portable(df):
    """The DataFrame with every timestamp as microseconds since 1970, and a window struct as its
    two ends: values that mean the same in any time zone, and fit in JSON."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    cols = []
    for f in df.schema.fields:
        c = F.col(f"`{f.name}`")
        if isinstance(f.dataType, T.TimestampType | T.TimestampNTZType):
            cols.append(F.unix_micros(c.cast("timestamp")).alias(f.name))
        elif isinstance(f.dataType, T.StructType) and {"start", "end"} <= set(f.dataType.names):
            cols.append(F.unix_micros(c["start"].cast("timestamp")).alias(f"{f.name}.start"))
            cols.append(F.unix_micros(c["end"].cast("timestamp")).alias(f"{f.name}.end"))
        elif isinstance(f.dataType, T.BinaryType):
            cols.append(c.cast("string").alias(f.name))
        else:
            cols.append(c.alias(f.name))
    return df.select(*cols)


def watermarks(df) -> list[dict]:
    plan = df._jdf.queryExecution().analyzed().toString()
    found = []
    for line in plan.splitlines():
        m = WATERMARK.search(line)
        if m:
            found.append({"column": m.group(1), "delay": m.group(2).strip()})
    return found


def collect(df, mode: str, checkpoint: Path) -> list[list[dict]]:
    """Run `df` to the end of the input (availableNow) and return each batch's rows."""
    batches: list[list[dict]] = []

    def keep(batch, batch_id):
        batches.append([r.asDict() for r in batch.collect()])

    query = (
        portable(df)
        .writeStream.foreachBatch(keep)
        .outputMode(mode)
        .trigger(availableNow=True)
        .option("checkpointLocation", str(checkpoint))
        .start()
    )
    if not query.awaitTermination(QUERY_TIMEOUT):
        query.stop()
        raise TimeoutError(f"the query did not reach the end of the input within {QUERY_TIMEOUT:.0f} s")
    return batches


def events(spark, opts, topic_key: str):
    """The check's page views, orders or payments, read by the lab's own Kafka reader and parser
    (streamlab.sources: from the earliest offset, --batch records per micro-batch): the schema's
    fields. Page views also keep Kafka's `timestamp`, as exercise 1 would give them."""
    from streamlab import schemas, sources

    valid, _ = sources.events(spark, topic_key, opts, topic=opts.topics[topic_key])
    kafka_time = [valid["kafka_timestamp"].alias("timestamp")] if topic_key == "page_views" else []
    return valid.select(*schemas.SCHEMAS[topic_key].names, *kafka_time)


def check_1(spark, module, opts, work: Path) -> dict:
    df = module.read_page_views(spark, opts.config.bootstrap, opts.topics["page_views"])
    seen = {"streaming": df.isStreaming, "columns": columns(df)}
    if df.isStreaming:
        seen["batches"] = collect(df, "append", work / "checkpoint")
    return seen


def check_2(spark, module, opts, work: Path) -> dict:
    df = module.windowed_counts(events(spark, opts, "page_views"))
    seen = {"columns": columns(df), "watermarks": watermarks(df)}
    seen["batches"] = collect(df, "update", work / "checkpoint")
    return seen


def progress(query) -> list[dict]:
    return [{"batch": p["batchId"], "input_rows": p["numInputRows"]} for p in query.recentProgress]


def facts(query) -> dict:
    """What the learner's query is: its sink, output mode and checkpoint (from the JVM's
    StreamExecution, which PySpark does not expose), and its progress."""
    execution = query._jsq.streamingQuery()
    return {
        "sink": (query.lastProgress or {}).get("sink", {}).get("description", ""),
        "output_mode": execution.outputMode().toString(),
        "checkpoint": execution.resolvedCheckpointRoot(),
        "progress": progress(query),
    }


def run_to_end(query, records: int, restarted: bool, settled: bool = False) -> None:
    """Wait until the query has read every record: a first run, or a restart that starts over.
    A restart that resumes from its checkpoint reads nothing: it is done at its first (idle)
    progress report. `settled`: the query has also reached the input's end offsets and then run
    a batch or idle report that read nothing (its watermark's last no-data batch is done)."""
    from streamlab.wait import wait_for

    def at_end(p):  # the records before the batch's end offsets, in every source
        ends = [s.get("endOffset") or {} for s in p["sources"]]
        ends = [json.loads(e) if isinstance(e, str) else e for e in ends]  # the Kafka source's is JSON text
        return sum(int(o) for end in ends for part in end.values() for o in part.values())

    def done():
        if query.exception() is not None:
            raise query.exception()
        if not query.isActive:
            return True
        recent = query.recentProgress
        if settled:
            ends = [i for i, p in enumerate(recent) if at_end(p) >= records]
            return bool(ends) and any(p["numInputRows"] == 0 for p in recent[ends[0] + 1 :])
        read = sum(p["numInputRows"] for p in recent)
        return read >= records or (restarted and query.lastProgress is not None and read == 0)

    wait_for(done, QUERY_TIMEOUT, "the query to read the check's input", interval=0.5)


def check_3(spark, module, opts, work: Path) -> dict:
    import windowing

    checkpoint = work / "learner-checkpoint"
    seen = {"given_checkpoint": str(checkpoint), "runs": []}
    for restarted in (False, True):
        counts = windowing.build(events(spark, opts, "page_views"), key="country")
        query = module.start_output(counts, str(checkpoint))
        if not hasattr(query, "_jsq"):  # not a StreamingQuery: nothing to run
            return {**seen, "not_a_query": type(query).__name__}
        try:
            run_to_end(query, opts.records, restarted)
            seen["runs"].append(facts(query))
        finally:
            query.stop()
    return seen


def check_capstone(spark, module, opts, work: Path) -> dict:
    """The learner's whole pipeline with the learner's sink, stopped after its first batches and
    started again on the same checkpoint, then run to the end of the input (every window closed)."""
    output, checkpoint = work / "output", work / "learner-checkpoint"
    seen = {"given_checkpoint": str(checkpoint), "given_output": str(output), "runs": []}
    for restarted in (False, True):
        result = module.paid_revenue(events(spark, opts, "orders"), events(spark, opts, "payments"))
        if not restarted:
            seen.update(columns=columns(result), watermarks=watermarks(result), join=joins(result))
        query = module.start_sink(result, str(output), str(checkpoint))
        if not hasattr(query, "_jsq"):
            return {**seen, "not_a_query": type(query).__name__}
        try:
            if restarted:
                run_to_end(query, opts.records, restarted=False, settled=True)
            else:
                first_batches(query)
            seen["runs"].append(facts(query))
        finally:
            query.stop()
    written = [p for p in output.rglob("*.parquet")] if output.exists() else []
    seen["rows"] = [r.asDict() for r in portable(spark.read.parquet(str(output))).collect()] if written else []
    return seen


def joins(df) -> list[str]:
    plan = df._jdf.queryExecution().analyzed().toString()
    return [m.group(1) for m in re.finditer(r"Join (\w+)", plan)]


def first_batches(query) -> None:
    """Wait until the query has committed a batch that read records: where the check restarts it."""
    from streamlab.wait import wait_for

    def done():
        if query.exception() is not None:
            raise query.exception()
        return not query.isActive or any(p["numInputRows"] for p in query.recentProgress)

    wait_for(done, QUERY_TIMEOUT, "the query's first batch", interval=0.5)


CHECKS = {"1": check_1, "2": check_2, "3": check_3, "capstone": check_capstone}


def main(argv: list[str] | None = None) -> int:
    from streamlab import session
    from streamlab.config import Config

    p = argparse.ArgumentParser(prog="_check", description=__doc__.splitlines()[0])
    p.add_argument("--exercise", choices=sorted(CHECKS), required=True)
    p.add_argument(
        "--topic",
        dest="topics",
        action="append",
        type=lambda text: tuple(text.split("=", 1)),
        required=True,
        help="an input topic, as kind=name (page_views=..., or orders=... and payments=...)",
    )
    p.add_argument("--records", type=int, required=True, help="records in the topic (capstone: in both)")
    p.add_argument("--batch", type=int, required=True, help="records per micro-batch (maxOffsetsPerTrigger)")
    p.add_argument("--work", type=Path, required=True, help="a folder for checkpoints and observed.json")
    p.add_argument("files", nargs="+", help="exercise files, relative to the project or absolute")
    opts = p.parse_args(argv)
    opts.topics = dict(opts.topics)
    # What streamlab.sources reads from a job's options: Kafka's address (KAFKA_BOOTSTRAP, as every
    # job reads it), and where and how fast to read.
    opts.config = Config.from_env()
    opts.topic, opts.starting_offsets, opts.fail_on_data_loss = None, "earliest", True
    opts.max_offsets_per_trigger, opts.kafka_option = opts.batch, []
    # Idle progress reports every second, not every 10: how a resumed query shows it is running.
    spark = session.build("check", {"spark.sql.streaming.noDataProgressEventInterval": "1000"})
    observed = []
    for index, name in enumerate(opts.files):
        path = Path(name) if Path(name).is_absolute() else ROOT / name
        work = opts.work / f"file-{index}"
        work.mkdir(parents=True, exist_ok=True)
        print(f"check: {name}", flush=True)
        started = time.monotonic()
        seen: dict = {"file": name}
        try:
            module = load(path, index)
            fn = FUNCTIONS[opts.exercise]
            if not callable(getattr(module, fn, None)):
                seen["missing_function"] = fn
            else:
                seen.update(CHECKS[opts.exercise](spark, module, opts, work))
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything: it is what we observe
            seen["error"] = error_of(exc)
        finally:
            for query in spark.streams.active:  # whatever the learner's code left running
                query.stop()
        seen["seconds"] = round(time.monotonic() - started, 1)
        observed.append(seen)
    (opts.work / "observed.json").write_text(json.dumps(observed, indent=1, default=str))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
