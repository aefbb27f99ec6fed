"""Topics' lifecycle, for the bench, the drills, make check and the tests: private copies of the
lab's topics (`fresh_topics`), deleted when a `deleted_at_end` block ends; creating a topic waits
until its broker serves every partition; `under_replicated` counts partitions not fully in sync;
`expire` lets retention delete a topic's records (drills only). Reading topics back is
lab.kafka.reading."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from lab.kafka.reading import offsets
from streamlab.wait import wait_for

LOGICAL = ("page_views", "orders", "payments", "quarantine", "results")

BROKER_DEFAULT = -1  # a replication factor that asks for the broker's default.replication.factor (KIP-464)
# The fresh topics created inside `deleted_at_end` blocks, by bootstrap; None outside any block.
_CREATED: ContextVar[dict[str, list[str]] | None] = ContextVar("fresh_topics_created", default=None)


def fresh_topics(
    bootstrap: str, prefix: str, partitions: int = 4, config: dict[str, str] | None = None
) -> dict[str, str]:
    """Create a private copy of every lab topic (with topic `config`, if given); returns the
    TOPIC_* overrides that point at them. Inside a `deleted_at_end` block, they are deleted when
    the block ends."""
    suffix = uuid.uuid4().hex[:8]
    names = {key: f"{prefix}_{key}_{suffix}" for key in LOGICAL}
    create_topics(bootstrap, list(names.values()), partitions, config)
    created = _CREATED.get()
    if created is not None:
        created.setdefault(bootstrap, []).extend(names.values())
    return {f"TOPIC_{key.upper()}": name for key, name in names.items()}


@contextmanager
def deleted_at_end() -> Iterator[None]:
    """Every topic `fresh_topics` creates inside this block is deleted when the block ends, so a
    long run (the bench, a test session) leaves the broker no larger than it found it: each
    partition costs the broker and its metrics scrape CPU for as long as it exists."""
    created: dict[str, list[str]] = {}
    token = _CREATED.set(created)
    failed = True
    try:
        yield
        failed = False
    finally:
        _CREATED.reset(token)
        for bootstrap, names in created.items():
            try:
                delete_topics(bootstrap, names, missing_ok=True)
            except KafkaException:
                if not failed:  # when the block failed, its own error is the one to report
                    raise


def create_topics(bootstrap: str, names: list[str], partitions: int, config: dict[str, str] | None = None) -> None:
    """Create these topics with the brokers' default replication factor (1 on the single broker, 3
    on the cluster profile), waiting up to 30 s for each. `config`: topic settings, e.g.
    {"message.timestamp.type": "LogAppendTime"}."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    new = [NewTopic(t, partitions, BROKER_DEFAULT, config=config or {}) for t in names]
    for future in admin.create_topics(new).values():
        future.result(30)
    _wait_until_led(bootstrap, names, partitions)


def _wait_until_led(bootstrap: str, names: list[str], partitions: int, timeout: float = 30.0) -> None:
    """Wait until the broker serves every partition of these new topics: a created topic is in the
    metadata a moment before its leader takes requests ("Not leader for partition"), longer while
    the broker is busy, e.g. deleting other topics."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ready-{uuid.uuid4().hex}", "log_level": 3})
    todo = [TopicPartition(t, p) for t in names for p in range(partitions)]

    def served() -> bool:
        while todo:
            try:
                consumer.get_watermark_offsets(todo[-1], timeout=5)
            except KafkaException:
                return False
            todo.pop()
        return True

    try:
        wait_for(served, timeout, f"the broker to lead every partition of {names}", interval=0.1)
    finally:
        consumer.close()


def under_replicated(bootstrap: str, names: list[str]) -> int:
    """How many partitions of these topics have fewer replicas in sync than they have replicas
    (or no leader), as the brokers' metadata says; -1 when no broker answers."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    try:
        topics = admin.list_topics(timeout=10).topics
    except KafkaException:
        return -1
    return sum(
        1
        for name in names
        for partition in (topics[name].partitions.values() if name in topics else [])
        if partition.leader < 0 or len(partition.isrs) < len(partition.replicas)
    )


def delete_topics(bootstrap: str, names: list[str], missing_ok: bool = False) -> None:
    """Delete these topics, waiting up to 30 s for each; with `missing_ok`, one already gone is
    not an error."""
    if not names:
        return
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    for future in admin.delete_topics(names).values():
        try:
            future.result(30)
        except KafkaException as exc:
            if not (missing_ok and exc.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART):
                raise


def expire(bootstrap: str, topic: str, timeout: float = 120.0) -> dict[int, tuple[int, int]]:
    """Let Kafka's retention delete every record now in `topic`, as it would after retention.ms.

    Sets a 1 ms retention.ms on the topic, waits until every partition's earliest offset reaches
    its end (the broker checks retention every log.retention.check.interval.ms), then removes the
    override. Returns the offsets before expiry. For drills only: it deletes data for real.
    """
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

    before = offsets(bootstrap, topic)
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})

    def alter(op, value=None):
        entry = ConfigEntry("retention.ms", value, incremental_operation=op)
        resource = ConfigResource(ConfigResource.Type.TOPIC, topic, incremental_configs=[entry])
        for future in admin.incremental_alter_configs([resource]).values():
            future.result(30)

    alter(AlterConfigOpType.SET, "1")
    try:
        wait_for(
            lambda: all(offsets(bootstrap, topic)[p][0] >= end for p, (_, end) in before.items()),
            timeout,
            f"retention to delete {topic}'s records up to its end offsets",
            interval=1,
        )
        return before
    finally:
        alter(AlterConfigOpType.DELETE)
