"""Benchmark workloads for `make bench` (not a learner's job: the leading _ keeps it out of `make jobs`).

Each stage drains a Kafka topic that already holds the events (availableNow), into the noop
sink. It then prints one JSON line: rows read, and the seconds the micro-batches took. The
stages form an ablation ladder, so each operator's cost shows:
- rate: the rate source into noop. Spark's own ceiling, with no Kafka;
- count: Kafka records into noop, nothing parsed;
- json: + from_json into the page-view schema;
- join: + a stream-static join with the products dimension, and a filter;
- window: + a 10-second tumbling count per category with a watermark (the Yahoo-style workload);
- windowing: the lab's windowing job's transformation (5-minute windows per country).
(Real-time mode is measured on the realtime job itself: src/lab/bench/live.py, realtime_hops.)

Several stages given as --stage count,json,... drain one after another in one driver (the
bench's smoke size, for its test: one start-up instead of six).

With --fit-caps the Kafka stages then drain the backlog again under each maxOffsetsPerTrigger cap,
for the bench's fit of a batch's fixed and per-row cost (src/lab/bench/costfit.py).

With --sustain the stage runs as a live stream instead (a processing-time trigger), until
--seconds run out or the process is killed. Its
progress goes to --progress-file, one JSON line per batch, as it happens: `make bench` drives a
producer at rising rates beside it and reads the lag, the batches and the CPU it used, or (the
capacity search, src/lab/bench/backlog.py) caps it on a backlog after a --warm-topic drain.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time

from streamlab import options, parsing, schemas, sources
from streamlab.wait import WaitTimeout, wait_for

STAGES = ("rate", "count", "json", "join", "window", "windowing")


def build(stage: str, spark, opts):
    from pyspark.sql import functions as F

    if stage == "rate":
        return spark.readStream.format("rate").option("rowsPerSecond", opts.rate_rows).load()
    raw = sources.kafka(spark, opts.topic, opts)
    if stage == "count":
        return raw.select("value")
    valid, _ = parsing.split(raw, "page_views")
    if stage == "json":
        return valid
    if stage == "windowing":
        import windowing

        return windowing.build(valid, "5 minutes", None, "10 minutes", "country")
    products = spark.read.schema(schemas.dimension_schema(schemas.PRODUCT_FIELDS)).json(opts.products)
    joined = valid.where(F.col("product_id").isNotNull()).join(
        F.broadcast(products.select("product_id", F.col("category").alias("product_category"))), "product_id"
    )
    if stage == "join":
        return joined
    return (
        joined.withWatermark("event_time", "10 seconds")
        .groupBy(F.window("event_time", "10 seconds"), "product_category")
        .count()
    )


def stages(text: str) -> list[str]:
    """--stage: one stage, or several separated by commas (drained one after another in one driver)."""
    names = text.split(",")
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown stage {unknown[0]!r}; choose from {', '.join(STAGES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    p = options.parser("_bench", __doc__, default_sink="noop", default_trigger="availableNow")
    p.add_argument(
        "--stage", type=stages, required=True, help=f"one of {', '.join(STAGES)}, or several, comma-separated"
    )
    p.add_argument("--products", default="")
    p.add_argument("--rate-rows", type=int, default=2_000_000)
    p.add_argument("--seconds", type=int, default=20, help="rate stage only: how long to run")
    p.add_argument("--conf", action="append", default=[], help="extra Spark conf key=value (tuning runs)")
    p.add_argument(
        "--fit-caps",
        type=lambda text: [options.positive_int(c) for c in text.split(",")],
        default=[],
        help="after the drain, drain again under each maxOffsetsPerTrigger cap (comma-separated), for the cost fit",
    )
    p.add_argument(
        "--warm-drain", action="store_true", help="after the drain, drain the backlog again on warm executors"
    )
    p.add_argument("--sustain", action="store_true", help="run live with --trigger, until --seconds or a kill")
    p.add_argument("--progress-file", default=None, help="with --sustain: where each batch's progress goes")
    p.add_argument(
        "--warm-topic",
        default=None,
        help="with --sustain: first drain this topic once (availableNow), so the run starts with warm executors",
    )
    p.add_argument(
        "--warm-cap",
        type=options.positive_int,
        default=None,
        help="with --warm-topic: drain it in batches of at most this many rows (default: one batch)",
    )
    opts = options.parse(p, argv)
    if opts.sustain and len(opts.stage) != 1:
        p.error("--sustain runs one stage")
    spark = _session(opts)
    if opts.sustain:
        opts.stage = opts.stage[0]
        if opts.warm_topic:  # JIT-compiled code and open consumers, as a long-running job has them
            # Many small batches also warm the code each batch runs once (planning, scheduling).
            warm = argparse.Namespace(
                **{**vars(opts), "topic": opts.warm_topic, "max_offsets_per_trigger": opts.warm_cap}
            )
            _query(spark, opts.stage, warm, f"{opts.checkpoint}-warm")
        return sustain(spark, build(opts.stage, spark, opts), opts)
    for stage in opts.stage:
        drain(spark, stage, opts)
    spark.stop()
    return 0


FIRST_ROWS_TIMEOUT = 120


def first_rows(query, timeout: float) -> None:
    """Return once the query has finished a batch with rows; fail with one line after `timeout` s."""

    def read_rows() -> bool:
        return any(p.numInputRows > 0 for p in query.recentProgress)

    with contextlib.suppress(WaitTimeout):
        wait_for(lambda: read_rows() or not query.isActive, timeout, f"{query.name}'s first rows", interval=0.2)
    if not read_rows():
        query.stop()
        raise SystemExit(f"_bench: the {query.name} query read no rows within {timeout:.0f} s")


def drain(spark, stage: str, opts) -> None:
    """Drain the backlog (the rate stage: run --seconds) into noop, and print the BENCH line.

    With --warm-drain, a Kafka stage then drains the whole backlog again in a new query of the same
    driver, whose executors are now warm (JIT-compiled code, loaded classes, open consumers): `warm_rows` and
    `warm_seconds`, beside the first drain's, show what a fresh job's start costs a large batch.

    With --fit-caps, the stage then drains the backlog again under each maxOffsetsPerTrigger cap,
    each in a query of its own, and the line also holds `fit_batches`: [cap, rows, seconds] for
    every batch with rows but each query's first (which also pays the query's start: planning,
    code generation, the executors' first Kafka consumers), `fit_phases`: the same batches' phases
    (durationMs, in seconds), and `capped_rows`: cap -> rows read in all. The bench fits batch
    time = a + b x rows to them (lab.bench.costfit). The rate stage has no cap."""
    t0 = time.time()
    progress = _query(spark, stage, opts, f"{opts.checkpoint}/{stage}")
    wall = time.time() - t0
    rows, seconds = _totals(progress)
    phases = {}
    for p in progress:
        for k, v in p["durationMs"].items():
            phases[k] = phases.get(k, 0) + v / 1000.0
    warm = _query(spark, stage, opts, f"{opts.checkpoint}/{stage}-warm") if opts.warm_drain and stage != "rate" else []
    warm_rows, warm_seconds = _totals(warm)
    fit, fit_phases, capped_rows = [], [], {}
    for cap in opts.fit_caps if stage != "rate" else []:
        capped = argparse.Namespace(**{**vars(opts), "max_offsets_per_trigger": cap})
        batches = _query(spark, stage, capped, f"{opts.checkpoint}/{stage}-cap{cap}")
        capped_rows[cap] = sum(p.numInputRows for p in batches)
        fit += [[cap, p.numInputRows, p["durationMs"].get("triggerExecution", 0) / 1000.0] for p in batches[1:]]
        fit_phases += [{k: v / 1000.0 for k, v in p["durationMs"].items()} for p in batches[1:]]
    print(
        "BENCH "
        + json.dumps(
            {
                "stage": stage,
                "rows": rows,
                "batch_seconds": round(seconds, 3),
                "wall_seconds": round(wall, 3),
                "batches": len(progress),
                "warm_rows": warm_rows,
                "warm_seconds": round(warm_seconds, 3),
                "phases": phases,
                "fit_batches": fit,
                "fit_phases": fit_phases,
                "capped_rows": capped_rows,
            }
        ),
        flush=True,
    )


def _totals(progress: list) -> tuple[int, float]:
    """The rows a query's batches read, and the seconds they took."""
    return sum(p.numInputRows for p in progress), sum(
        p["durationMs"].get("triggerExecution", 0) for p in progress
    ) / 1000.0


def _query(spark, stage: str, opts, checkpoint: str) -> list[dict]:
    """Run one query of `stage` to its end; the progress of its batches that read rows, in order."""
    df = build(stage, spark, opts)
    mode = "update" if stage in ("window", "windowing") else "append"
    writer = (
        df.writeStream.format("noop")
        .outputMode(mode)
        .queryName(f"bench_{stage}")
        .option("checkpointLocation", checkpoint)
    )
    if stage == "rate":
        query = writer.trigger(processingTime="0 seconds").start()
        # --seconds counted from the first batch with rows: a first batch slower than --seconds
        # (a busy machine) would otherwise leave the stage with nothing measured.
        first_rows(query, timeout=FIRST_ROWS_TIMEOUT)
        query.awaitTermination(opts.seconds)
        query.stop()
    else:
        query = writer.trigger(availableNow=True).start()
        query.awaitTermination()
    return [p for p in query.recentProgress if p.numInputRows > 0]


def _session(opts):
    from streamlab import session

    conf = dict(c.split("=", 1) for c in opts.conf)
    return session.build(f"bench-{','.join(opts.stage)}" + ("-live" if opts.sustain else ""), conf)


def sustain(spark, df, opts) -> int:
    """A live run: each batch's progress is appended to --progress-file as soon as it is known."""
    writer = df.writeStream.queryName(f"bench_{opts.stage}").option("checkpointLocation", opts.checkpoint)
    writer = writer.format("noop").outputMode("update").trigger(processingTime=opts.trigger)
    from pyspark.sql.streaming import StreamingQueryListener

    out = open(opts.progress_file, "a")

    class Progress(StreamingQueryListener):
        def onQueryStarted(self, event):
            pass

        def onQueryProgress(self, event):
            p = json.loads(event.progress.json)
            out.write(
                json.dumps({k: p.get(k) for k in ("batchId", "timestamp", "numInputRows", "durationMs", "eventTime")})
                + "\n"
            )
            out.flush()

        def onQueryIdle(self, event):
            pass

        def onQueryTerminated(self, event):
            pass

    spark.streams.addListener(Progress())
    query = writer.start()
    print("READY", flush=True)
    query.awaitTermination(opts.seconds)
    if query.exception():
        print(f"_bench: {query.exception()}", file=sys.stderr)
        return 1
    query.stop()
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
