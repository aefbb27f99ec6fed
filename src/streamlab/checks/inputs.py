"""The check's input, as the learner's code receives it.

- `Input`: the check's topics, how many records they hold and the records per micro-batch.
- `events(spark, inp, topic_key)`: a stream of the input's page views, orders or payments, read and
  parsed by the lab's own reader (what exercise 2 and the capstone are given);
  `window_counts(page_views)`: exercise 2's result on them (what exercise 3 is given).
- `warm_up(spark, inp)`: one batch read of every topic, so that the executors and their Kafka
  clients are up before the first learner's file runs.
- `environment(exercise, inp, work)`: what exercise 4's script reads from the environment, as
  `make submit` sets it; `environment_set(values)` sets it for a block and restores the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from pathlib import Path
from types import SimpleNamespace


@dataclasses.dataclass(frozen=True)
class Input:
    """The check's input: its topics (page_views, or orders and payments), how many records they
    hold (exercise 4: how many its live producer writes in all) and the records per micro-batch."""

    bootstrap: str
    topics: dict[str, str]
    records: int
    batch: int


def events(spark, inp: Input, topic_key: str):
    """The check's page views, orders or payments, read by the lab's own Kafka reader and parser
    (streamlab.sources: from the earliest offset, `inp.batch` records per micro-batch): the
    schema's fields. Page views also keep Kafka's `timestamp`, as exercise 1 would give them."""
    from streamlab import schemas, sources
    from streamlab.config import Config

    opts = SimpleNamespace(
        config=dataclasses.replace(Config.from_env({}), bootstrap=inp.bootstrap),
        topic=None,
        starting_offsets="earliest",
        fail_on_data_loss=True,
        max_offsets_per_trigger=inp.batch,
        kafka_option=[],
    )
    valid, _ = sources.events(spark, topic_key, opts, topic=inp.topics[topic_key])
    kafka_time = [valid["kafka_timestamp"].alias("timestamp")] if topic_key == "page_views" else []
    return valid.select(*schemas.SCHEMAS[topic_key].names, *kafka_time)


def window_counts(page_views):
    """Exercise 2's result, the input exercise 3 is given: page views per country in 5-minute
    windows of event time, with a 10-minute watermark."""
    from pyspark.sql import functions as F

    return (
        page_views.withWatermark("event_time", "10 minutes")
        .groupBy(F.window("event_time", "5 minutes"), "country")
        .count()
    )


def warm_up(spark, inp: Input) -> None:
    """Read the input once, in batch: the executors start and open their Kafka clients before the
    first learner's file runs."""
    for topic in inp.topics.values():
        spark.read.format("kafka").option("kafka.bootstrap.servers", inp.bootstrap).option(
            "subscribe", topic
        ).load().count()


def environment(exercise: str, inp: Input, work: Path) -> dict[str, str]:
    """What exercise 4's script reads from the environment, as `make submit` sets it: Kafka's
    address, the topic, and a checkpoint root of this file's own."""
    if exercise != "4":
        return {}
    return {
        "KAFKA_BOOTSTRAP": inp.bootstrap,
        "TOPIC_PAGE_VIEWS": inp.topics["page_views"],
        "CHECKPOINT_ROOT": str(work / "checkpoints"),
    }


@contextlib.contextmanager
def environment_set(values: dict[str, str]):
    """os.environ with `values` set, restored on exit."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
