"""What a learner's exercise code does on the check's input: `make check`'s driver side
(jobs/_check.py, one driver for many files) and the notebooks' check cells (in the kernel's own
session). It records facts and decides nothing: lab.course.exercises judges them against ground truth
read from Kafka.

Contract:
- `observe(exercise, spark, found, inp, work, seconds)` runs the learner's functions (`found`: a
  module, or any object with them as attributes) on the input `inp` describes, and returns what
  it saw as a JSON-able dict:
  - `error`: what the learner's code raised (its Python class, Spark's error condition and message
    parameters, the message's first line), or nothing;
  - `missing_function`, `not_a_query`, `no_query`, `timeout` (seconds), `await_termination`
    (True: a function that must return its query waited in `awaitTermination()` instead);
  - exercise 1: whether the DataFrame streams, its columns, and the rows it produced;
  - exercise 2: its columns, the watermarks in its plan, and every batch's updated rows;
  - exercise 3: the query's sink, output mode and checkpoint, and its progress before and after a
    restart on the same checkpoint folder;
  - capstone: the same for its Parquet sink, and the rows it wrote;
  - exercise 4 (the learner's whole pipeline, a script whose `main()` blocks in
    `awaitTermination()` by design): the facts of its two runs, whether `main()` returned while
    its query ran (`returned_early`), and its state at the end (the counts its complete-mode
    output shows), read from its checkpoint.
- Every file gets at most `seconds`: past them the learner's queries are stopped, and if its code
  still does not return, it is left behind and `timeout` recorded. No learner code can make the
  caller wait longer.
- Timestamps are written as microseconds since 1970 (UTC), whatever the session's time zone.

Modules, each with one concern (the names below are importable from streamlab.checks itself):
- deadline:   the file's time limit (Deadline, FileTimeout)
- calls:      loading a learner's file and calling its functions in threads of their own
- inputs:     the check's input (Input, events, window_counts, warm_up) and exercise 4's environment
- dataframes: a DataFrame's columns, watermarks, joins and batches, in time-zone-free values
- queries:    finding a learner's streaming query, waiting on its progress, its facts
- exercises:  one observer per exercise, and `observe`
"""

from streamlab.checks.calls import SIBLINGS, Call, error_of, finish, load, start
from streamlab.checks.deadline import Deadline, FileTimeout
from streamlab.checks.exercises import FUNCTIONS, observe
from streamlab.checks.inputs import Input, environment, environment_set, events, warm_up, window_counts
from streamlab.checks.queries import record_connect_writers, the_query

__all__ = [
    "FUNCTIONS",
    "SIBLINGS",
    "Call",
    "Deadline",
    "FileTimeout",
    "Input",
    "environment",
    "environment_set",
    "record_connect_writers",
    "error_of",
    "events",
    "finish",
    "load",
    "observe",
    "start",
    "the_query",
    "warm_up",
    "window_counts",
]
