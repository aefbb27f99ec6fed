"""Delivery to Kafka: an idempotent producer with acks=all, and a count of every report.

`Delivery(bootstrap, tally, timeout)` owns the confluent-kafka Producer; a record not acknowledged
within `timeout` seconds (default DELIVERY_TIMEOUT_SECONDS) counts as failed. `send(topic, value, key)` queues
one record, waiting for deliveries to drain while the local queue is full. Delivery reports
count into the Tally (acked or failed per topic, and one latency sample per SAMPLE_EVERY acks);
the first few failures are kept for the closing error line. `flush(timeout)` returns how many
records were still in flight.
"""

from __future__ import annotations

from producer.metrics import Tally

SAMPLE_EVERY = 16  # one delivery latency observed per this many acks
MAX_ERRORS_KEPT = 5
CONFIG = {
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 20,
    "batch.size": 1_000_000,
    "compression.type": "lz4",
    "queue.buffering.max.messages": 1_000_000,
    "queue.buffering.max.kbytes": 1_048_576,
    "message.timeout.ms": 120_000,
}
# How long a record may wait for its delivery report before it counts as failed.
DELIVERY_TIMEOUT_SECONDS = CONFIG["message.timeout.ms"] / 1000


class Delivery:
    def __init__(self, bootstrap: str, tally: Tally, timeout: float = DELIVERY_TIMEOUT_SECONDS):
        from confluent_kafka import Producer

        self.tally, self.timeout = tally, timeout
        self.errors: list[str] = []
        self._acks = 0
        config = {**CONFIG, "message.timeout.ms": int(timeout * 1000)}
        self.producer = Producer({"bootstrap.servers": bootstrap, **config, "on_delivery": self._on_delivery})
        self.poll = self.producer.poll
        self._produce = self.producer.produce  # bound once: send() runs once per event

    def _on_delivery(self, err, msg) -> None:
        topic = msg.topic()
        if err is not None:
            self.tally.failed[topic] += 1
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append(f"{topic}: {err.str()}")
            return
        self.tally.acked[topic] += 1
        self._acks += 1
        if self._acks % SAMPLE_EVERY == 0:
            self.tally.latencies.append(msg.latency())

    def send(self, topic: str, value: bytes, key: bytes | None) -> None:
        while True:
            try:
                self._produce(topic, value, key)
                return
            except BufferError:  # local queue full: let deliveries drain
                self.poll(0.05)

    def flush(self, timeout: float) -> int:
        return self.producer.flush(timeout)
