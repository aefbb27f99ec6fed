"""The producer's Prometheus metrics (scraped by the lab's Prometheus as job="producer").

The hot loop counts in plain ints (`Tally`), and `Metrics.sync(tally)` copies them into the
Prometheus counters a few times a second. A lock-taking counter update per event would cost more
than composing the event.
"""

from __future__ import annotations

from collections import Counter as PyCounter
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass
class Tally:
    sent: PyCounter = field(default_factory=PyCounter)  # per topic
    acked: PyCounter = field(default_factory=PyCounter)
    failed: PyCounter = field(default_factory=PyCounter)
    late: PyCounter = field(default_factory=PyCounter)  # per topic
    malformed: PyCounter = field(default_factory=PyCounter)  # per kind
    latencies: list = field(default_factory=list)  # sampled delivery latencies, seconds


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        r = self.registry = registry or CollectorRegistry()
        self.sent = Counter("producer_events_sent_total", "Events handed to the Kafka client.", ["topic"], registry=r)
        self.acked = Counter("producer_events_acked_total", "Events acknowledged by the broker (acks=all).", ["topic"], registry=r)
        self.failed = Counter("producer_events_failed_total", "Events whose delivery failed.", ["topic"], registry=r)
        self.late = Counter("producer_late_events_total", "Events injected with an event time beyond the watermark.", ["topic"], registry=r)
        self.malformed = Counter("producer_malformed_events_total", "Malformed records injected, by kind.", ["kind"], registry=r)
        self.rate = Gauge("producer_rate_events_per_second", "Achieved send rate over the last report interval.", registry=r)
        self.target = Gauge("producer_target_rate_events_per_second", "Configured target rate (0: as fast as possible).", registry=r)
        self.latency = Histogram("producer_delivery_latency_seconds", "Time from produce() to the broker's "
                                 "acknowledgement (sampled: one event in SAMPLE_EVERY).", buckets=LATENCY_BUCKETS, registry=r)
        self._seen = Tally()

    def declare(self, topics: list[str]) -> None:
        """Create every series at 0, so that "nothing failed" is a 0 on a dashboard, not no data."""
        from producer.generator import MALFORMED_KINDS

        for topic in topics:
            for family in (self.sent, self.acked, self.failed, self.late):
                family.labels(topic)
        for kind in MALFORMED_KINDS:
            self.malformed.labels(kind)

    def sync(self, tally: Tally) -> None:
        for name in ("sent", "acked", "failed", "late", "malformed"):
            now: PyCounter = getattr(tally, name)
            seen: PyCounter = getattr(self._seen, name)
            family = getattr(self, name)
            for label, value in now.items():
                if value > seen[label]:
                    family.labels(label).inc(value - seen[label])
                    seen[label] = value
        samples, tally.latencies = tally.latencies, []
        for seconds in samples:
            self.latency.observe(seconds)
