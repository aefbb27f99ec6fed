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
"""

from __future__ import annotations

import json
import sys
import time

from streamlab import options, parsing, schemas, sources

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
    joined = (valid.where(F.col("product_id").isNotNull())
              .join(F.broadcast(products.select("product_id", F.col("category").alias("product_category"))), "product_id"))
    if stage == "join":
        return joined
    return (joined.withWatermark("event_time", "10 seconds")
            .groupBy(F.window("event_time", "10 seconds"), "product_category").count())


def main(argv: list[str] | None = None) -> int:
    p = options.parser("_bench", __doc__, default_sink="noop", default_trigger="availableNow")
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--products", default="")
    p.add_argument("--rate-rows", type=int, default=2_000_000)
    p.add_argument("--seconds", type=int, default=20, help="rate stage only: how long to run")
    p.add_argument("--conf", action="append", default=[], help="extra Spark conf key=value (tuning runs)")
    opts = options.parse(p, argv)
    from streamlab import session

    conf = dict(c.split("=", 1) for c in opts.conf)
    spark = session.build(f"bench-{opts.stage}", conf)
    df = build(opts.stage, spark, opts)
    mode = "update" if opts.stage in ("window", "windowing") else "append"
    writer = (df.writeStream.format("noop").outputMode(mode).queryName(f"bench_{opts.stage}")
              .option("checkpointLocation", opts.checkpoint))
    t0 = time.time()
    if opts.stage == "rate":
        query = writer.trigger(processingTime="0 seconds").start()
        query.awaitTermination(opts.seconds)
        query.stop()
    else:
        query = writer.trigger(availableNow=True).start()
        query.awaitTermination()
    wall = time.time() - t0
    progress = [p for p in query.recentProgress if p["numInputRows"] > 0]
    rows = sum(p["numInputRows"] for p in progress)
    seconds = sum(p["durationMs"].get("triggerExecution", 0) for p in progress) / 1000.0
    phases = {}
    for p in progress:
        for k, v in p["durationMs"].items():
            phases[k] = phases.get(k, 0) + v / 1000.0
    print("BENCH " + json.dumps({"stage": opts.stage, "rows": rows, "batch_seconds": round(seconds, 3),
                                 "wall_seconds": round(wall, 3), "batches": len(progress), "phases": phases}), flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
