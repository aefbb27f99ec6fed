"""Create the lab's topics (every TOPIC_* key in .env), idempotently.

Each topic gets KAFKA_PARTITIONS partitions and KAFKA_REPLICATION_FACTOR replicas. An existing
topic is left as it is, so running this twice is a no-op that returns no names.
"""

from __future__ import annotations

from lab.config.settings import Settings
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "services")


def ensure_topics(settings: Settings, timeout: float = 30.0) -> list[str]:
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap, "log_level": 3})
    existing = set(admin.list_topics(timeout=timeout).topics)
    wanted = [t for t in settings.topics.values() if t not in existing]
    if not wanted:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                t,
                num_partitions=settings.int("KAFKA_PARTITIONS"),
                replication_factor=settings.int("KAFKA_REPLICATION_FACTOR"),
            )
            for t in wanted
        ],
        operation_timeout=timeout,
        request_timeout=timeout,
    )
    created = []
    for topic, future in futures.items():
        try:
            future.result()
            created.append(topic)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return sorted(created)


def ensure_and_say(settings: Settings, indent: str = "") -> None:
    """ensure_topics, then one line naming the topics and which were created (both runtimes)."""
    created = ensure_topics(settings)
    topics = ", ".join(settings.topics.values())
    line = (
        MESSAGES("topics", topics=topics, created=", ".join(created))
        if created
        else MESSAGES("topics_present", topics=topics)
    )
    print(indent + line, flush=True)


def main() -> int:
    """`python -m lab.kafka.topics`: create the lab's topics (the Compose runtime's kafka-init)."""
    from lab.config.settings import load

    ensure_and_say(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
