"""Reading a topic back, for the bench, the drills, make check, the notebooks and the tests: every
record up to its end offsets (`consume_all`, waiting on offsets with a timeout, never on a sleep),
and each partition's offsets."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]
    timestamp_ms: int = 0  # the record's Kafka timestamp (CreateTime unless the topic says otherwise)


def consume_all(bootstrap: str, topic: str, timeout: float = 60.0) -> list[Record]:
    """Every record in `topic` up to its current end, in partition order. Waits on offsets, with a
    timeout, never on a fixed sleep."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "log_level": 3,
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=10)
        parts = sorted(meta.topics[topic].partitions)
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        todo = {p for p, end in ends.items() if end > 0}
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        while todo:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"reading {topic}: partitions {sorted(todo)} did not reach their end offsets "
                    f"{ {p: ends[p] for p in todo} } within {timeout}s"
                )
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            records.append(
                Record(
                    msg.topic(),
                    msg.partition(),
                    msg.offset(),
                    msg.key(),
                    msg.value(),
                    dict(msg.headers() or []),
                    msg.timestamp()[1],
                )
            )
            if msg.offset() + 1 >= ends[msg.partition()]:
                todo.discard(msg.partition())
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()


def offsets(bootstrap: str, topic: str) -> dict[int, tuple[int, int]]:
    """Each partition's (earliest, end) offsets."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"offsets-{uuid.uuid4().hex}", "log_level": 3})
    try:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in sorted(parts)}
    finally:
        consumer.close()


def end_total(bootstrap: str, topic: str) -> int:
    """The records a topic has ever held: its partitions' end offsets, summed."""
    return sum(end for _, end in offsets(bootstrap, topic).values())
