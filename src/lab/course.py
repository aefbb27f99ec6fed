"""The course notebooks' helper: the scaffolding that makes their exact checks possible, behind a
few calls, so that a notebook's cells hold the Spark code a learner reads and changes.

In a notebook (its kernel's `spark` is already on the lab's cluster: lab.notebook):

    from lab import course

    nb = course.Notebook("03-operaciones")   # this notebook's own topics and folders
    topic = nb.page_views()                  # a fresh topic, filled with make check's page views
    ...                                      # the Spark code of the lesson
    table = nb.run(counts, "append")         # run a query to the end of its input: what its sink got
    nb.expect("closed_windows", got == nb.windows(...))   # an exact check: ✓ and what it checked
    nb.close()                               # the notebook's topics deleted (its folders stay)

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
  with lab.exercises: the same verdict as `make check`, printed the same way. It never raises for
  the learner's mistakes: a learner's notebook runs to its end, each check cell saying what to fix.
- Topics are the notebook's own (a random suffix): the lab's live topics are never touched.
"""

from __future__ import annotations

import ast
import inspect
import os
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from lab.exercises import inputs
from lab.exercises.command import EXERCISES, SECONDS
from lab.exercises.judges import JUDGES
from lab.settings import ROOT
from lab.truth import valid_events
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
        """A fresh one-partition topic with make check's page views (lab.exercises.inputs); its
        truth in `self.truth`. Returns the topic's name."""
        from lab.kafkatools import consume_all

        topic = self.topic("page_views")
        inputs.produce(self.bootstrap, {"page_views": topic}, inputs.input_events())
        self.truth = inputs.truth_of(consume_all(self.bootstrap, topic))
        t = self.truth
        say("page_views", topic=topic, records=t.records, valid=len(t.events), malformed=t.malformed, late=t.late)
        return topic

    def orders_and_payments(self) -> tuple[str, str]:
        """Two fresh topics with the capstone's orders and payments; their truth in
        `self.capstone_truth`, their valid events in `self.orders` and `self.payments`."""
        from lab.kafkatools import consume_all

        topics = {"orders": self.topic("orders"), "payments": self.topic("payments")}
        inputs.produce(self.bootstrap, topics, inputs.capstone_events())
        records = {k: consume_all(self.bootstrap, t) for k, t in topics.items()}
        self.orders = valid_events(records["orders"], "orders")
        self.payments = valid_events(records["payments"], "payments")
        self.capstone_truth = inputs.capstone_truth_of(records["orders"], records["payments"])
        say("orders_and_payments", orders=len(self.orders), payments=len(self.payments))
        return topics["orders"], topics["payments"]

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
