"""An exercise's notebook (`course.Exercise`): the exercise's input, the learner's functions shown
and checked on it, and saved into the exercise's file.

- Its input is make check's (the same topics' content, the same micro-batches): `stream()` reads it
  as the lab parses it.
- `check(*functions)` observes the learner's functions on that input with streamlab.checks, in
  the kernel's own session and within the check's time limit, and judges them with
  lab.course.exercises: the same verdict as `make check`, printed the same way. It never raises
  for the learner's mistakes: a learner's notebook runs to its end, each check cell saying what to
  fix. `show` does not raise either: it says why it has nothing to show.
- `save(*functions)` writes them into exercises/<the exercise's file> (or LAB_EXERCISES), in place
  of their namesakes (`replace_functions`), where make check and exercise 4 find them.
"""

from __future__ import annotations

import ast
import inspect
import os
import uuid
from pathlib import Path
from types import SimpleNamespace

from lab.config.settings import ROOT
from lab.course.exercises import inputs
from lab.course.exercises.command import EXERCISES, SECONDS
from lab.course.exercises.judges import JUDGES
from lab.course.notebook import Notebook
from lab.course.results import latest_per_window
from lab.course.texts import TEXTS, language, say


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


def inputs_of(bootstrap: str, topics: dict[str, str], records: int):
    """The check's input (streamlab.checks.Input) on these topics, cut in make check's batches."""
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
