"""The producer's Prometheus metrics (scraped by the lab's Prometheus as job="producer").

The hot loop counts in plain ints (`Tally`), and `Metrics.sync(tally)` copies them into the
Prometheus counters a few times a second. A lock-taking counter update per event would cost more
than composing the event.
"""

from __future__ import annotations

from collections import Counter as PyCounter
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from streamlab.metric_catalog import PRODUCER, build


@dataclass
class Tally:
    sent: PyCounter = field(default_factory=PyCounter)  # per topic
    acked: PyCounter = field(default_factory=PyCounter)
    failed: PyCounter = field(default_factory=PyCounter)
    late: PyCounter = field(default_factory=PyCounter)  # per topic
    malformed: PyCounter = field(default_factory=PyCounter)  # per kind
    duplicated: PyCounter = field(default_factory=PyCounter)  # per topic: resends of an event
    latencies: list = field(default_factory=list)  # sampled delivery latencies, seconds


class Metrics:
    """The producer's metric families (streamlab.metric_catalog.PRODUCER, one attribute each)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        for attr, metric in PRODUCER.items():
            setattr(self, attr, build(metric, self.registry))
        self._seen = Tally()

    def declare(self, topics: list[str]) -> None:
        """Create every series at 0, so that "nothing failed" is a 0 on a dashboard, not no data."""
        from producer.generator import MALFORMED_KINDS

        for topic in topics:
            for family in (self.sent, self.acked, self.failed, self.late, self.duplicated):
                family.labels(topic)
        for kind in MALFORMED_KINDS:
            self.malformed.labels(kind)

    def sync(self, tally: Tally) -> None:
        for name in ("sent", "acked", "failed", "late", "malformed", "duplicated"):
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
