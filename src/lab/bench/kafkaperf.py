"""Kafka's own tools as the bench's ceilings, run by the runtime (rt.kafka_tool) on the running lab.

- `producer_performance`: ProducerPerformance's records/s with the lab producer's delivery
  settings (acks=all, idempotent, lz4, linger 20 ms) and a given record size;
- `consumer_performance`: ConsumerPerformance's fetch rate reading a topic, records/s.

A tool that fails raises RuntimeError (the runtime's kafka_tool), which ends the run.
"""

from __future__ import annotations

import re


def producer_performance(rt, topic: str, records: int, size: int) -> float:
    out = rt.kafka_tool(
        "org.apache.kafka.tools.ProducerPerformance",
        [
            "--topic",
            topic,
            "--num-records",
            str(records),
            "--record-size",
            str(size),
            "--throughput",
            "-1",
            "--producer-props",
            f"bootstrap.servers={rt.tools_bootstrap}",
            "acks=all",
            "enable.idempotence=true",
            "linger.ms=20",
            "batch.size=1000000",
            "compression.type=lz4",
        ],
    )
    final = [line for line in out.splitlines() if "records sent" in line][-1]
    return float(re.search(r"([\d.]+) records/sec", final).group(1))


def consumer_performance(rt, topic: str, messages: int) -> float:
    """Records/s while fetching. Not the tool's nMsg.sec, which includes joining the consumer
    group (a fixed cost, most of a small backlog's time); Spark's drain rates count batch time
    only, so the fetch rate is the comparable ceiling."""
    out = rt.kafka_tool(
        "org.apache.kafka.tools.ConsumerPerformance",
        [
            "--bootstrap-server",
            rt.tools_bootstrap,
            "--topic",
            topic,
            "--num-records",
            str(messages),
            "--timeout",
            "60000",
        ],
    )
    # header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
    # rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    rows = [line for line in out.splitlines() if re.match(r"^\d{4}-", line)]
    fields = [f.strip() for f in rows[-1].split(",")]
    return float(fields[9])
