"""The course's exercises, checked: `make check EXERCISE=n [FILE=…]` and the notebooks' check cells.

- inputs: each check's deterministic input (or exercise 4's live one) and its ground truth,
  computed from the records read back from Kafka, never from Spark;
- judges: what a learner's code did (observed by streamlab.checks, in a driver of its own or in a
  notebook's kernel) against the truth: a verdict;
- verdicts: PASS, or FAIL with hints (src/lab/messages/hints.toml), and the problems every judge
  looks for first;
- command: `make check` itself, every file with its own time limit and its verdict printed as soon
  as it is known.
"""

from lab.course.exercises.command import EXERCISES, SECONDS, UsageError, check, file_prefix, files_of
from lab.course.exercises.inputs import (
    BATCH,
    CapstoneTruth,
    PipelineTruth,
    Truth,
    capstone_events,
    capstone_truth_of,
    create_topic,
    delete_topic,
    input_events,
    live_events,
    pipeline_truth_of,
    produce,
    truth_of,
)
from lab.course.exercises.judges import JUDGES, judge_1, judge_2, judge_3, judge_4, judge_capstone
from lab.course.exercises.verdicts import HINTS, TEXTS, Problem, Verdict
from streamlab.i18n import language

__all__ = [
    "BATCH",
    "EXERCISES",
    "HINTS",
    "JUDGES",
    "SECONDS",
    "TEXTS",
    "CapstoneTruth",
    "PipelineTruth",
    "Problem",
    "Truth",
    "UsageError",
    "Verdict",
    "capstone_events",
    "capstone_truth_of",
    "check",
    "create_topic",
    "delete_topic",
    "file_prefix",
    "files_of",
    "input_events",
    "judge_1",
    "judge_2",
    "judge_3",
    "judge_4",
    "judge_capstone",
    "language",
    "live_events",
    "pipeline_truth_of",
    "produce",
    "truth_of",
]
