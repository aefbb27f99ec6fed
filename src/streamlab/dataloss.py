"""Notice Kafka records that retention deleted before a restarted query read them.

A query's checkpoint holds the Kafka offsets it has processed. If the job is stopped longer
than the topic's retention, Kafka may delete records past those offsets before the job returns.
Spark's own behaviour then depends on the source option failOnDataLoss:
- true (the default): the first batch fails with "Some data may have been lost because they are
  not available in Kafka any more", followed by a long stack trace;
- false: Spark logs a warning and resumes at the earliest offset Kafka still has. Nothing counts
  the skipped records.

`check(root, job, fail, bootstrap)` runs before any of the job's queries start. It reads the
last committed end offsets of every query under the job's checkpoint root, asks Kafka for each
partition's earliest offset, and for any gap:
- fail=True: raises `DataLoss` with one line: how many records, where, and the two ways on;
- fail=False: logs the gap and returns it; Spark then skips it.

`skipped(source)` counts what a finished batch skipped, at a restart or while a lagging query
runs: the offsets the batch spanned minus the rows it read. The listener adds it to
`streaming_kafka_records_lost_total`. It assumes one record per offset, which holds for topics
written without transactions and not compacted (all of the lab's). Not for other topics: there
commit markers and compaction leave offsets without records, which it would count as lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from streamlab import naming
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("streamlab", "runner")


class DataLoss(RuntimeError):
    pass


@dataclass(frozen=True)
class Gap:
    query: str
    topic: str
    partition: int
    start: int  # the next offset the query would read
    earliest: int  # the earliest offset Kafka still has

    @property
    def records(self) -> int:
        return self.earliest - self.start


def committed_offsets(checkpoint: Path) -> dict[str, dict[int, int]]:
    """The Kafka end offsets of the query's last committed batch: {topic: {partition: offset}}.
    Empty for a new checkpoint and for sources that are not Kafka."""
    commits = [int(p.name) for p in (checkpoint / "commits").glob("*") if p.name.isdigit()]
    if not commits:
        return {}
    lines = (checkpoint / "offsets" / str(max(commits))).read_text().splitlines()[2:]  # v1, metadata, sources
    found: dict[str, dict[int, int]] = {}
    for line in lines:
        for topic, parts in (kafka_offsets(line) or {}).items():
            found.setdefault(topic, {}).update(parts)
    return found


def kafka_offsets(text: str | None) -> dict[str, dict[int, int]] | None:
    """A Kafka source's offsets, {topic: {partition: offset}}, from their JSON form (a line of a
    checkpoint's offset log, or a progress' startOffset/endOffset). None for anything else: "-"
    or "null" (no offset yet), or another source's offset (the rate source's is a number)."""
    try:
        source = json.loads(text or "null")
    except ValueError:
        return None
    if not isinstance(source, dict) or not all(
        isinstance(parts, dict) and all(str(k).isdigit() for k in parts) for parts in source.values()
    ):
        return None
    return {topic: {int(p): int(o) for p, o in parts.items()} for topic, parts in source.items()}


def gaps(root: Path, job: str, bootstrap: str) -> list[Gap]:
    if not root.is_dir():
        return []
    wanted = {
        folder.name: committed_offsets(folder) for folder in sorted(root.iterdir()) if (folder / "offsets").is_dir()
    }
    if not any(wanted.values()):
        return []
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "lab-dataloss-check", "log_level": 3})
    found = []
    try:
        for folder, topics in wanted.items():
            for topic, parts in topics.items():
                for partition, start in sorted(parts.items()):
                    earliest, _ = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
                    if earliest > start:
                        found.append(Gap(naming.query_of_folder(job, folder), topic, partition, start, earliest))
    finally:
        consumer.close()
    return found


def describe(gaps_: list[Gap]) -> str:
    """The gaps by query, in the process's language (streamlab.i18n)."""
    by_query: dict[str, list[Gap]] = {}
    for g in gaps_:
        by_query.setdefault(g.query, []).append(g)
    parts = []
    for query, items in by_query.items():
        where = ", ".join(
            MESSAGES("data_loss_where", topic=g.topic, partition=g.partition, start=g.start, end=g.earliest - 1)
            for g in items
        )
        parts.append(MESSAGES("data_loss_query", records=sum(g.records for g in items), query=query, where=where))
    return "; ".join(parts)


def check(root: Path, job: str, fail: bool, bootstrap: str) -> list[Gap]:
    found = gaps(root, job, bootstrap)
    if found and fail:
        raise DataLoss(MESSAGES("data_loss", job=job, what=describe(found)))
    return found


def skipped(source) -> int:
    """Records a Kafka source's finished batch should have read but did not (see the module doc).
    0 for other sources, and for a query's first batch (no start offsets)."""
    start = kafka_offsets(getattr(source, "startOffset", None))
    end = kafka_offsets(getattr(source, "endOffset", None))
    if start is None or end is None:
        return 0
    # A partition or topic added since the last batch is read from its earliest offset: not spanned.
    spanned = sum(
        max(0, offset - start[topic][partition])
        for topic, parts in end.items()
        for partition, offset in parts.items()
        if partition in start.get(topic, {})
    )
    return max(0, spanned - int(getattr(source, "numInputRows", 0) or 0))
