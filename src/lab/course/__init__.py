"""The course room: the notebooks' helper (this package's names), `make check`'s exercises and
their judges (exercises/), the reliability drills (drills/), `make demo` (demo), the learners'
notebooks made from the instructors' (notebook_versions), and the ground truth they all compare
with (truth).

The notebooks' helper is the scaffolding that makes their exact checks possible, behind a few
calls, so that a notebook's cells hold the Spark code a learner reads and changes. In a notebook
(its kernel's `spark` is already on the lab's cluster: lab.spark.jupyter):

    from lab import course

    nb = course.Notebook("03-operaciones")   # this notebook's own topics and folders
    topic = nb.page_views()                  # a fresh topic, filled with make check's page views
    ...                                      # the Spark code of the lesson
    table = nb.run(counts, "append")         # run a query to the end of its input: what its sink got
    truth = nb.windowed("category", 10, watermark=10)
    nb.expect("closed_windows", nb.counts(table, "category") == truth.closed, ...)  # ✓ and what it checked
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

Where each part lives:
- notebook: `Notebook`, a notebook's session (topics, input, queries, exact checks);
- exercise_notebook: `Exercise`, an exercise's notebook (show, check, save; `replace_functions`);
- truth: the truths, from Kafka's records (`window_truth`, `windows_of`, `spark_time`,
  `session_truth`), and exercises.inputs the capstone's (`paid_and_unpaid`);
- results: Spark results read as the truths are written (`counts_of`);
- texts: the notebook's language (`language`) and its texts (src/lab/messages/course.toml).

Contract:
- Everything printed is in the notebook's language: its folder's name (notebooks/es, notebooks/en,
  or the instructors' twins), else LAB_LANG or the locale; so the Spanish and English notebooks
  run the very same code (tests/static/test_notebooks.py).
- `expect(code, condition)` prints the check's text with ✓, or raises AssertionError with it.
- `Exercise.check(*functions)` gives make check's verdict and never raises for the learner's
  mistakes.
- Topics are the notebook's own (a random suffix): the lab's live topics are never touched.
- The truths model Spark's documented semantics on the input's fixed micro-batches (see
  lab.course.truth), unit tested without a lab.
"""

from lab.course.exercise_notebook import Exercise, replace_functions
from lab.course.exercises.inputs import paid_and_unpaid
from lab.course.notebook import Notebook
from lab.course.results import counts_of
from lab.course.texts import language
from lab.course.truth import session_truth, spark_time, window_truth, windows_of

__all__ = [
    "Exercise",
    "Notebook",
    "counts_of",
    "language",
    "paid_and_unpaid",
    "replace_functions",
    "session_truth",
    "spark_time",
    "window_truth",
    "windows_of",
]
