"""The course notebooks' helper: the scaffolding that makes their exact checks possible, behind a
few calls, so that a notebook's cells hold the Spark code a learner reads and changes.

In a notebook (its kernel's `spark` is already on the lab's cluster: lab.spark.notebook):

    from lab import course

    nb = course.Notebook("03-operaciones")   # this notebook's own topics and folders
    topic = nb.page_views()                  # a fresh topic, filled with make check's page views
    ...                                      # the Spark code of the lesson
    table = nb.run(counts, "append")         # run a query to the end of its input: what its sink got
    nb.expect("closed_windows", got == nb.windows(...))   # an exact check: ✓ and what it checked
    nb.close()                               # the notebook's topics deleted (its folders stay)

    # the block notebooks' truths, computed from the records in Kafka, never from Spark:
    nb.batches(240)                          # {batch id: records} for maxOffsetsPerTrigger=240
    nb.windowed("page", 10, watermark=10)    # a window count: its counts, closed windows, late rows, watermark
    nb.sessions(5)                           # session windows per user
    nb.order_payments(10)                    # block 3's left-outer join: paid orders, unpaid ones due
    nb.counts(df, "page")                    # a Spark result, as the truths are: (start µs, end µs, key) -> n
    nb.next_batches(query)                   # wait for a running query's next micro-batch with data

    ex = course.Exercise(2)                  # an exercise: its input, and its check
    ex.check(windowed_counts)                # make check's judge, in this kernel: PASS, or FAIL and a hint
    ex.save(windowed_counts)                 # into exercises/ex2_windowing.py, for make check and exercise 4

Contract:
- Everything printed is in the notebook's language: its folder's name (notebooks/es, notebooks/en,
  or the instructors' twins), else LAB_LANG or the locale. Texts live in src/lab/messages/course.toml;
  so the Spanish and English notebooks run the very same code (tests/static/test_notebooks.py).
- `expect(code, condition)` prints the check's text with ✓, or raises AssertionError with it: the
  notebooks' tests run every notebook top to bottom, and a wrong result fails them.
- `Exercise.check(*functions)` observes the learner's functions on the check's input with
  streamlab.checks, in the kernel's own session and within the check's time limit, and judges them
  with lab.course.exercises: the same verdict as `make check`, printed the same way. It never raises for
  the learner's mistakes: a learner's notebook runs to its end, each check cell saying what to fix.
- Topics are the notebook's own (a random suffix): the lab's live topics are never touched.
- The truths model Spark's documented semantics on the input's fixed micro-batches (module
  functions window_truth, session_truth, paid_and_unpaid, unit tested without a lab): an event is
  late, and dropped, when its window ended at or before the watermark of two batches before
  (SPARK-40925: the watermark for late events lags the one that evicts state by a batch); the
  watermark is the latest event time seen minus the delay, in ms; append mode emits the windows
  the final watermark closed.
"""

from __future__ import annotations

import ast
import inspect
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from lab.config.settings import ROOT
from lab.course.exercises import inputs
from lab.course.exercises.command import EXERCISES, SECONDS
from lab.course.exercises.judges import JUDGES
from lab.course.truth import valid_events
from streamlab.i18n import LANGUAGES, Catalogue
from streamlab.i18n import language as process_language

TEXTS = Catalogue.load("lab", "course")


def language() -> str:
    """The notebook's language: its folder's name, else the process's (LAB_LANG, the locale)."""
    folder = Path.cwd().name
    return folder if folder in LANGUAGES else process_language()


def say(code: str, **params) -> None:
    print(TEXTS.text(code, language(), **params))


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
        say("session", name=name, version=self.spark.version, master=self.spark.sparkContext.master)

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
        from lab.kafka.admin import consume_all

        self.records = consume_all(self.bootstrap, topic)
        self.truth = t = inputs.truth_of(self.records)
        say("page_views", topic=topic, records=t.records, valid=len(t.events), malformed=t.malformed, late=t.late)

    def orders_and_payments(self) -> tuple[str, str]:
        """Two fresh topics with the capstone's orders and payments; their truth in
        `self.capstone_truth`, their valid events in `self.orders` and `self.payments`."""
        from lab.kafka.admin import consume_all

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

    def next_batches(self, query, batches: int = 1, seconds: float = 60) -> None:
        """Wait until the running `query` has finished `batches` more micro-batches that read rows.
        For a query on a live topic, where processAllAvailable() never returns: new data keeps coming."""
        import time

        def with_data() -> set:
            return {p["batchId"] for p in query.recentProgress if p["numInputRows"]}

        seen, deadline = with_data(), time.monotonic() + seconds
        while len(with_data() - seen) < batches:
            if not query.isActive or time.monotonic() > deadline:
                raise TimeoutError(TEXTS.text("next_batches_timeout", language(), batches=batches, seconds=seconds))
            time.sleep(0.25)

    def checkpoint(self, name: str) -> str:
        """The checkpoint folder of this notebook's query `name` (the one `run` gives it)."""
        return str(self.checkpoints / name)

    def folder(self, name: str) -> str:
        """A folder of this notebook's own under OUTPUT_ROOT (created, empty), for a file source
        or sink. Kept after `close`."""
        path = Path(os.environ["OUTPUT_ROOT"]) / "notebooks" / f"{self.name}-{self.suffix}" / name
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def products(self) -> str:
        """A JSON Lines file with the products the capstone's orders refer to (the dimension the
        producer writes for the joins job, from the orders' seed). Returns its path."""
        from producer.dimensions import write
        from producer.generator import Pools

        return str(write(Pools(inputs.CAPSTONE_PARTS[0][0], 1000, 200), Path(self.folder("dimensions")))["products"])

    def batches(self, per_batch: int = inputs.BATCH, views: bool = False) -> dict[int, int]:
        """{batch id: records} of this notebook's page views read with maxOffsetsPerTrigger =
        `per_batch` (one partition: Spark cuts them the same way every time); `views`: the valid
        page views of each batch instead."""
        from lab.course.truth import valid_events

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
        window_truth."""
        return window_truth(self.records, key, minutes, slide, watermark, per_batch)

    def sessions(self, gap: int, key: str = "user_id") -> Counter:
        """The truth of session windows with a `gap` of minutes per `key` over every valid page
        view (a batch query: nothing is late): (start µs, end µs, key) -> page views."""
        return session_truth(self.truth.events.values(), gap, key)

    def order_payments(self, within: int = 10) -> tuple[int, int]:
        """The truth of block 3's left-outer join of orders with their payments (a payment within
        `within` minutes of its order): (paid orders, unpaid orders whose time to be paid has
        passed before the burst's watermark). See paid_and_unpaid."""
        return paid_and_unpaid(self.orders, self.payments, within)

    def counts(self, df, key: str, column: str = "count", window: str = "window") -> Counter:
        """A windowed result the way the truths are written (see counts_of)."""
        return counts_of(df, key, column, window)

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

    def windows(self, key: str = "country", minutes: int = 5, closed: bool = False, late: bool = False) -> Counter:
        """The truth of a window count over this notebook's page views: (start µs, end µs, key) ->
        page views, in tumbling windows of `minutes`. `late`: count the late ones too (no
        watermark, or complete mode); `closed`: only the windows the final watermark (the latest
        event time minus 10 minutes) has closed, as append mode emits them."""
        events = self.truth.events.values()
        late_ids = frozenset() if late else self.truth.late_ids
        size = minutes * 60 * 1_000_000
        watermark = max(e["event_time"] for e in events) - 10 * 60 * 1_000_000
        counts: Counter = Counter()
        for e in events:
            if e["event_id"] in late_ids:
                continue
            start = e["event_time"] - e["event_time"] % size
            if not closed or start + size <= watermark:
                counts[(start, start + size, e[key])] += 1
        return counts

    def close(self) -> None:
        """Stop this notebook's queries and delete its topics; its checkpoints and outputs stay."""
        for query in self.queries.values():
            if query.isActive:
                query.stop()
        for topic in self.topics:
            inputs.delete_topic(self.bootstrap, topic)
        say("closed", topics=len(self.topics), folder=self.checkpoints)
        self.topics = []


class Exercise(Notebook):
    """An exercise's notebook: its input (the same as make check's) and its check."""

    def __init__(self, exercise: int | str):
        self.exercise = str(exercise)
        super().__init__(f"exercise-{self.exercise}")
        if self.exercise == "capstone":
            orders, payments = self.orders_and_payments()
            self.input = inputs_of(
                self.bootstrap, {"orders": orders, "payments": payments}, self.capstone_truth.records
            )
        else:
            topic = self.page_views()
            self.input = inputs_of(self.bootstrap, {"page_views": topic}, self.truth.records)

    def stream(self, kind: str = "page_views"):
        """A stream of the exercise's input, parsed as the lab parses it and read in make check's
        micro-batches: the page views exercise 2's function gets (with Kafka's `timestamp`), or
        the capstone's orders or payments."""
        from streamlab import checks

        return checks.events(self.spark, self.input, kind)

    def counts(self):
        """Exercise 2's result on this input: what exercise 3's function gets."""
        from streamlab import checks

        return checks.window_counts(self.stream())

    def show(self, *functions, rows: int = 20):
        """What the learner's functions give on this input, as a table (pandas, which a notebook
        shows as a table): exercise 1's first rows, exercise 2's final counts per window, the
        capstone's windows. Until a function is written, it says so instead."""
        found = {fn.__name__: fn for fn in functions}
        try:
            if self.exercise == "1":
                table = self.run(found["read_page_views"](self.spark, self.bootstrap, self.input.topics["page_views"]))
                return table.limit(rows).toPandas()
            if self.exercise == "2":
                table = self.run(found["windowed_counts"](self.stream()), "update", name="yours")
                return latest_per_window(table).limit(rows).toPandas()
            result = found["paid_revenue"](self.stream("orders"), self.stream("payments"))
            return self.run(result, "append", name="yours").orderBy("window", "country").limit(rows).toPandas()
        except NotImplementedError:
            say("write_first", names=", ".join(found))
        except Exception as exc:  # noqa: BLE001 - the learner's code may fail in any way: say how, in one line
            say("show_failed", error=next(iter(str(exc).strip().splitlines()), type(exc).__name__))
        return None

    def check(self, *functions) -> None:
        """make check's verdict on these functions (the exercise's, by name), printed (returning
        nothing, so that a notebook shows the verdict alone)."""
        from streamlab import checks

        found = SimpleNamespace(**{fn.__name__: fn for fn in functions})
        work = self.checkpoints / f"check-{uuid.uuid4().hex[:6]}"
        work.mkdir(parents=True, exist_ok=True)
        seen = checks.observe(self.exercise, self.spark, found, self.input, work, SECONDS[self.exercise])
        seen["file"] = TEXTS.text("your_code", language())
        truth = self.capstone_truth if self.exercise == "capstone" else self.truth
        verdict = JUDGES[self.exercise](seen, truth)
        print("\n".join(verdict.lines(language())))

    def save(self, *functions, folder: Path | None = None) -> None:
        """Write these functions into the exercise's file (exercises/, or LAB_EXERCISES), in place of
        the ones of the same name: where make check and exercise 4 find them. A function not yet
        written (it still raises NotImplementedError) is not saved."""
        folder = folder or Path(os.environ.get("LAB_EXERCISES") or ROOT / "exercises")
        path = folder / EXERCISES[self.exercise]
        sources = {fn.__name__: inspect.getsource(fn) for fn in functions}
        unwritten = [name for name, text in sources.items() if "NotImplementedError" in text]
        if unwritten:
            say("not_saved", names=", ".join(unwritten))
            return
        path.write_text(replace_functions(path.read_text(), sources))
        say("saved", names=", ".join(sources), path=path)


US = 1_000_000
MINUTE = 60 * US


@dataclass
class Windows:
    """The truth of a window count (window_truth): what Spark must give, and why."""

    counts: (
        Counter  # (window start µs, window end µs, key) -> page views counted: complete and update mode's final result
    )
    closed: Counter  # those of the windows the final watermark closed: what append mode emits, each once
    open: int  # (window, key) rows still in the state at the end, in append mode: not emitted yet
    late: int  # page views left out of a window because it had closed (one per page view and window)
    dropped: int  # rows Spark reports as dropped (numRowsDroppedByWatermark): late (window, key) groups per batch
    watermark: str | None  # the final watermark as a query's progress writes it; None without one


def spark_time(us: int) -> str:
    """A time in µs since 1970 as a query's progress writes its watermark: ISO, in ms, in UTC."""
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def windows_of(t: int, minutes: int, slide: int | None = None) -> list[tuple[int, int]]:
    """The windows (start µs, end µs) of `minutes` every `slide` minutes (tumbling without) that
    hold the time `t` (µs); windows are aligned on 1970-01-01 00:00, as Spark's `window`."""
    size, step = minutes * MINUTE, (slide or minutes) * MINUTE
    last = t - t % step
    return [(s, s + size) for s in range(last - size + step, last + 1, step) if s <= t < s + size]


def window_truth(
    records, key: str, minutes: int, slide: int | None = None, watermark: int | None = None, per_batch: int = 240
) -> Windows:
    """The truth of `groupBy(window(event_time, minutes, slide), key).count()` over the valid page
    views in `records` (one partition, in offset order), read in micro-batches of `per_batch`
    records, with `withWatermark("event_time", watermark minutes)` if `watermark`:

    - the watermark after batch k: the latest event time of batches 0..k (in ms) minus the delay;
    - in batch k, a page view's window that ended at or before the watermark after batch k-2 is
      closed: the page view does not count in it (Spark drops late rows by the watermark of the
      batch before the one that evicts state: SPARK-40925), and each such (window, key) of the
      batch is one row dropped;
    - append mode emits the windows that ended at or before the final watermark (its last batch,
      without data, runs once the watermark has moved); the others stay in the state."""
    from lab.course.truth import valid_events

    counts: Counter = Counter()
    late, dropped, latest = 0, 0, []  # latest: each batch's latest event time, in ms
    for k in range(0, len(records), per_batch):
        events = valid_events(records[k : k + per_batch], "page_views")
        drop_by = max(latest[:-1], default=None)
        closed_by = None if watermark is None or drop_by is None else (drop_by - watermark * MINUTE // 1000) * 1000
        groups = set()
        for e in events:
            t = inputs.micros(e["event_time"])
            for start, end in windows_of(t, minutes, slide):
                if closed_by is not None and end <= closed_by:
                    late += 1
                    groups.add((start, end, e[key]))
                else:
                    counts[(start, end, e[key])] += 1
        dropped += len(groups)
        latest.append(max((inputs.micros(e["event_time"]) // 1000 for e in events), default=max(latest, default=0)))
    if watermark is None:
        return Windows(counts, Counter(), 0, 0, 0, None)
    final = (max(latest) - watermark * MINUTE // 1000) * 1000
    closed = Counter({w: n for w, n in counts.items() if w[1] <= final})
    return Windows(counts, closed, len(counts) - len(closed), late, dropped, spark_time(final))


def session_truth(events, gap: int, key: str = "user_id") -> Counter:
    """Session windows of `gap` minutes per `key` over `events` (event_time in µs): a session
    goes on while the next event of its key comes at most `gap` after the one before, and ends
    `gap` after its last event. (start µs, end µs, key) -> events."""
    times: dict[str, list[int]] = {}
    for e in events:
        times.setdefault(e[key], []).append(e["event_time"])
    sessions: Counter = Counter()
    for k, ts in times.items():
        ts.sort()
        start = previous = ts[0]
        n = 0
        for t in ts:
            if t - previous > gap * MINUTE:
                sessions[(start, previous + gap * MINUTE, k)] = n
                start, n = t, 0
            previous, n = t, n + 1
        sessions[(start, previous + gap * MINUTE, k)] = n
    return sessions


def paid_and_unpaid(orders, payments, within: int) -> tuple[int, int]:
    """A left-outer join of the capstone's valid `orders` with their `payments` (a payment of the
    order between its time and `within` minutes later), as Spark emits it once the burst's
    watermark has passed: (paid orders, unpaid orders from before the burst). The burst's own
    unpaid orders still wait for their payment."""
    paid_at: dict[str, list[datetime]] = {}
    for p in payments:
        paid_at.setdefault(p["order_id"], []).append(p["event_time"])
    burst = inputs.CAPSTONE_PARTS[1][1].replace(tzinfo=None)
    paid = unpaid = 0
    for o in orders:
        t = o["event_time"]
        if any(t <= p <= t + timedelta(minutes=within) for p in paid_at.get(o["order_id"], [])):
            paid += 1
        elif t < burst:
            unpaid += 1
    return paid, unpaid


def counts_of(df, key: str, column: str = "count", window: str = "window") -> Counter:
    """A windowed result (a DataFrame with a `window` struct, `key` and `column`) the way the
    truths are written: (window start µs, window end µs, key) -> value. A (window, key) seen twice
    adds up: append mode must emit each once."""
    from pyspark.sql import functions as F

    rows = df.select(
        F.unix_micros(f"{window}.start").alias("s"), F.unix_micros(f"{window}.end").alias("e"), key, column
    ).collect()
    found: Counter = Counter()
    for r in rows:
        found[(r["s"], r["e"], r[key])] += r[column]
    return found


def latest_per_window(table):
    """An update-mode table's last row per (window, country): each window's final count."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    numbered = table.withColumn("_row", F.monotonically_increasing_id())
    last = Window.partitionBy("window", "country").orderBy(F.desc("_row"))
    ranked = numbered.withColumn("_rank", F.row_number().over(last))
    return ranked.where("_rank = 1").drop("_row", "_rank").orderBy("window", "country")


def inputs_of(bootstrap: str, topics: dict[str, str], records: int):
    from streamlab import checks

    batch = inputs.CAPSTONE_BATCH if "orders" in topics else inputs.BATCH
    return checks.Input(bootstrap, topics, records, batch)


def replace_functions(source: str, functions: dict[str, str]) -> str:
    """`source` with each top-level function named in `functions` replaced by its new text (its
    decorators and docstring too); a function the file does not have is added at the end."""
    lines = source.splitlines(keepends=True)
    spans = {
        node.name: (min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1, node.end_lineno)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }
    for name in sorted(functions, key=lambda n: -spans.get(n, (len(lines), 0))[0]):
        text = functions[name].rstrip("\n") + "\n"
        if name in spans:
            start, end = spans[name]
            lines[start:end] = [text]
        else:
            lines.append("\n\n" + text)
    return "".join(lines)
