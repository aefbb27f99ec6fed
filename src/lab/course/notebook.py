"""A notebook's session on the lab (`course.Notebook`): its own topics and folders, its input and
the truths of its exact checks, its queries run to the end of their input.

- Topics are the notebook's own (a random suffix): the lab's live topics are never touched; `close`
  deletes them and stops its queries. Its checkpoints and outputs stay.
- Its input is make check's (lab.course.exercises.inputs), read back from Kafka: the truths
  (lab.course.truth) are computed from those records, never from Spark.
- `expect(code, condition)` prints the check's text with ✓, or raises AssertionError with it: the
  notebooks' tests run every notebook top to bottom, and a wrong result fails them.
- Everything printed is in the notebook's language (lab.course.texts).
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from pathlib import Path

from lab.course.exercises import inputs
from lab.course.results import counts_of
from lab.course.texts import TEXTS, language, say
from lab.course.truth import Windows, session_truth, valid_events, window_truth
from streamlab.session import is_connect, rows_read


def _spark():
    from pyspark.sql import SparkSession

    return SparkSession.builder.getOrCreate()


class Notebook:
    """A notebook's session on the lab: its topics (deleted at `close`) and folders (kept)."""

    def __init__(self, name: str):
        self.name = name
        self.spark = _spark()
        self.bootstrap = os.environ["KAFKA_BOOTSTRAP"]
        self.suffix = uuid.uuid4().hex[:8]
        self.checkpoints = Path(os.environ["CHECKPOINT_ROOT"]) / "notebooks" / f"{name}-{self.suffix}"
        self.topics: list[str] = []
        self.truth: inputs.Truth | None = None
        self.capstone_truth: inputs.CapstoneTruth | None = None
        self.queries: dict[str, object] = {}
        # A thin kernel (CONNECT=1) has no SparkContext: its session is on the Spark Connect server.
        master = os.environ.get("SPARK_REMOTE") if is_connect(self.spark) else self.spark.sparkContext.master
        say("session", name=name, version=self.spark.version, master=master)

    # --- its input ---------------------------------------------------------------------------------

    def topic(self, kind: str) -> str:
        name = f"nb_{self.name.replace('-', '_')}_{kind}_{self.suffix}"
        inputs.create_topic(self.bootstrap, name)
        self.topics.append(name)
        return name

    def page_views(self) -> str:
        """A fresh one-partition topic with make check's page views (lab.course.exercises.inputs); its
        truth in `self.truth`. Returns the topic's name."""
        topic = self.topic("page_views")
        inputs.produce(self.bootstrap, {"page_views": topic}, inputs.input_events())
        self._read_page_views(topic)
        return topic

    def _read_page_views(self, topic: str) -> None:
        """The page views in `topic`, read back from Kafka: `self.records`, their truth in `self.truth`."""
        from lab.kafka.reading import consume_all

        self.records = consume_all(self.bootstrap, topic)
        self.truth = t = inputs.truth_of(self.records)
        say("page_views", topic=topic, records=t.records, valid=len(t.events), malformed=t.malformed, late=t.late)

    def orders_and_payments(self) -> tuple[str, str]:
        """Two fresh topics with the capstone's orders and payments; their truth in
        `self.capstone_truth`, their valid events in `self.orders` and `self.payments`."""
        from lab.kafka.reading import consume_all

        topics = {"orders": self.topic("orders"), "payments": self.topic("payments")}
        inputs.produce(self.bootstrap, topics, inputs.capstone_events())
        records = {k: consume_all(self.bootstrap, t) for k, t in topics.items()}
        self.orders = valid_events(records["orders"], "orders")
        self.payments = valid_events(records["payments"], "payments")
        self.capstone_truth = inputs.capstone_truth_of(records["orders"], records["payments"])
        say("orders_and_payments", orders=len(self.orders), payments=len(self.payments))
        return topics["orders"], topics["payments"]

    def first_page_views(self, records: int) -> str:
        """A fresh one-partition topic with only the first `records` of make check's page views;
        `more_page_views()` writes the others later. Returns the topic's name."""
        self.page_views_topic = self.topic("page_views")
        events = inputs.input_events()
        self._later = events[records:]
        inputs.produce(self.bootstrap, {"page_views": self.page_views_topic}, events[:records])
        say("first_page_views", topic=self.page_views_topic, records=records, later=len(self._later))
        return self.page_views_topic

    def more_page_views(self) -> None:
        """Write the page views `first_page_views` kept back; the whole input's truth in `self.truth`."""
        inputs.produce(self.bootstrap, {"page_views": self.page_views_topic}, self._later)
        self._read_page_views(self.page_views_topic)

    def live_topic(self, kind: str = "page_views") -> str:
        """The lab's live topic of `kind` (page_views, orders, payments, quarantine), which the
        producer (or the jobs' quarantine) keeps writing: to read, never to check."""
        return os.environ[f"TOPIC_{kind.upper()}"]

    def products(self) -> str:
        """A JSON Lines file with the products the capstone's orders refer to (the dimension the
        producer writes for the joins job, from the orders' seed). Returns its path."""
        from producer.dimensions import write
        from producer.generator import Pools

        return str(write(Pools(inputs.CAPSTONE_PARTS[0][0], 1000, 200), Path(self.folder("dimensions")))["products"])

    # --- its folders and queries -------------------------------------------------------------------

    def checkpoint(self, name: str) -> str:
        """The checkpoint folder of this notebook's query `name` (the one `run` gives it)."""
        return str(self.checkpoints / name)

    def folder(self, name: str) -> str:
        """A folder of this notebook's own under OUTPUT_ROOT (created, empty), for a file source
        or sink. Kept after `close`."""
        path = Path(os.environ["OUTPUT_ROOT"]) / "notebooks" / f"{self.name}-{self.suffix}" / name
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def next_batches(self, query, batches: int = 1, seconds: float = 60) -> None:
        """Wait until the running `query` has finished `batches` more micro-batches that read rows.
        For a query on a live topic, where processAllAvailable() never returns: new data keeps coming."""

        def with_data() -> set:
            return {p["batchId"] for p in query.recentProgress if rows_read(p)}

        seen, deadline = with_data(), time.monotonic() + seconds
        while len(with_data() - seen) < batches:
            if not query.isActive or time.monotonic() > deadline:
                raise TimeoutError(TEXTS.text("next_batches_timeout", language(), batches=batches, seconds=seconds))
            time.sleep(0.25)

    def run(self, df, mode: str = "append", name: str | None = None, seconds: float = 180):
        """Run the streaming DataFrame `df` to the end of its input (trigger availableNow) into a
        memory table, and return that table: every row its sink received. The query stays in
        `self.queries[name]` for its progress (`recentProgress`)."""
        name = name or f"q{len(self.queries)}"
        table = f"{name}_{self.suffix}"
        query = (
            df.writeStream.format("memory")
            .queryName(table)
            .outputMode(mode)
            .option("checkpointLocation", str(self.checkpoints / name))
            .trigger(availableNow=True)
            .start()
        )
        self.queries[name] = query
        finished = query.awaitTermination(seconds)
        query.stop()
        if not finished:
            raise TimeoutError(TEXTS.text("run_timeout", language(), name=name, seconds=seconds))
        return self.spark.table(table)

    def expect(self, code: str, condition: bool, **params) -> None:
        """An exact check of the notebook: ✓ and its text, or AssertionError with it."""
        text = TEXTS.text(f"expect_{code}", language(), **params)
        if not condition:
            raise AssertionError(TEXTS.text("expect_failed", language(), text=text))
        print(f"✓ {text}")

    def close(self) -> None:
        """Stop this notebook's queries and delete its topics; its checkpoints and outputs stay."""
        for query in self.queries.values():
            if query.isActive:
                query.stop()
        for topic in self.topics:
            inputs.delete_topic(self.bootstrap, topic)
        say("closed", topics=len(self.topics), folder=self.checkpoints)
        self.topics = []

    # --- the truths of its checks (lab.course.truth) -----------------------------------------------

    def batches(self, per_batch: int = inputs.BATCH, views: bool = False) -> dict[int, int]:
        """{batch id: records} of this notebook's page views read with maxOffsetsPerTrigger =
        `per_batch` (one partition: Spark cuts them the same way every time); `views`: the valid
        page views of each batch instead."""
        parts = [self.records[i : i + per_batch] for i in range(0, len(self.records), per_batch)]
        return {i: len(valid_events(part, "page_views")) if views else len(part) for i, part in enumerate(parts)}

    def windowed(
        self,
        key: str = "page",
        minutes: int = 10,
        slide: int | None = None,
        watermark: int | None = None,
        per_batch: int = inputs.BATCH,
    ) -> Windows:
        """The truth of a count per (window of event_time, `key`) over this notebook's page views,
        read in micro-batches of `per_batch` records: windows of `minutes`, one every `slide`
        minutes (tumbling without), a watermark of `watermark` minutes (none without). See
        lab.course.truth.window_truth."""
        return window_truth(self.records, key, minutes, slide, watermark, per_batch)

    def sessions(self, gap: int, key: str = "user_id") -> Counter:
        """The truth of session windows with a `gap` of minutes per `key` over every valid page
        view (a batch query: nothing is late): (start µs, end µs, key) -> page views."""
        return session_truth(self.truth.events.values(), gap, key)

    def order_payments(self, within: int = 10) -> tuple[int, int]:
        """The truth of block 3's left-outer join of orders with their payments (a payment within
        `within` minutes of its order): (paid orders, unpaid orders whose time to be paid has
        passed before the burst's watermark). See lab.course.exercises.inputs.paid_and_unpaid."""
        return inputs.paid_and_unpaid(self.orders, self.payments, within)

    def counts(self, df, key: str, column: str = "count", window: str = "window") -> Counter:
        """A windowed result the way the truths are written (see lab.course.results.counts_of)."""
        return counts_of(df, key, column, window)
