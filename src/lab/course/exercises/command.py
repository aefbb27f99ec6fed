"""`make check [EXERCISE=n] [FILE=…]`: run learners' exercise files on the lab and give each one
PASS, or FAIL with a hint, as soon as it is known.

Contract:
- Without EXERCISE (or with EXERCISE=all), every exercise: the learner's five files, or each file
  of FILE under the exercise its name starts with (ex2_*.py is exercise 2, capstone*.py the
  capstone). The files run in one driver (jobs/_check.py), one after the other, exercise by
  exercise; each exercise's input and truth are lab.course.exercises.inputs'. Each file has its own time
  limit (SECONDS, LAB_CHECK_SECONDS overrides it): the driver stops a file's queries when it runs
  out, and if the driver itself dies or stops answering, that file gets its verdict
  (`not_checked`, `timeout`) and a new driver goes on with the next files. So every file gets one
  verdict, printed as soon as it is known, and a class of files finishes in bounded time.
- Exercise 4 gets a topic of its own per file, which a producer writes live while the file runs.
- Everything printed is in the learner's language (streamlab.i18n.language).
- Exit code: 0 when every file passes, 1 when one fails, 2 for bad usage (an unknown exercise, a
  file that does not exist); UsageError carries that line.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lab.config.settings import ROOT, Settings
from lab.course.exercises import inputs
from lab.course.exercises.judges import JUDGES
from lab.course.exercises.verdicts import TEXTS, first_error
from lab.errors import RuntimeFailure, UsageError, first_line
from streamlab.i18n import language

EXERCISES = {
    "1": "ex1_read_kafka.py",
    "2": "ex2_windowing.py",
    "3": "ex3_output.py",
    "4": "ex4_pipeline.py",
    "capstone": "capstone.py",
}
# Each file's time limit, in seconds: what its check takes on a busy 2-core machine, several times
# over (a file takes 5-15 s in a warm driver; exercise 4 about 30 s, written live for 15).
SECONDS = {"1": 150.0, "2": 150.0, "3": 150.0, "4": 240.0, "capstone": 300.0}
STARTUP_SECONDS = 240.0  # a driver's start, before its first file
GRACE_SECONDS = 45.0  # beyond a file's limit, before the driver counts as hung


def file_prefix(exercise: str) -> str:
    """How the exercise's files start: ex2_windowing.py, capstone.py; wrong answers ex2_*.py, capstone_*.py."""
    return EXERCISES[exercise].split("_")[0].removesuffix(".py")


ALL = ("", "all")  # EXERCISE unset, or `all`: every exercise


def _exercise_of(file: str) -> str | None:
    """The exercise a file's name says: ex2_windowing.py -> 2, capstone_no_join.py -> capstone."""
    name = Path(file).name
    return next((e for e in EXERCISES if name.startswith(f"{file_prefix(e)}_") or name == EXERCISES[e]), None)


def files_of(exercise: str, patterns: list[str], lang: str = "en") -> list[tuple[str, str]]:
    """The files to check as (exercise, file relative to the project), exercise by exercise: the
    learner's own by default, else every match of the patterns (shell globs, relative to the
    project). They must be in the project: the Docker runtime's driver sees only the project folder."""
    if exercise not in EXERCISES and exercise not in ALL:
        raise UsageError(TEXTS.text("unknown_exercise", lang, exercise=repr(exercise), exercises=", ".join(EXERCISES)))
    if not patterns:
        return [(e, f"exercises/{EXERCISES[e]}") for e in (EXERCISES if exercise in ALL else [exercise])]
    found = []
    for pattern in patterns:
        matches = (
            sorted(glob.glob(pattern, root_dir=ROOT)) if not Path(pattern).is_absolute() else sorted(glob.glob(pattern))
        )
        if not matches:
            raise UsageError(TEXTS.text("no_match", lang, pattern=repr(pattern)))
        for match in matches:
            path = (ROOT / match).resolve()
            if not path.is_relative_to(ROOT):
                raise UsageError(TEXTS.text("outside_project", lang, file=match, root=ROOT))
            file = str(path.relative_to(ROOT))
            of = exercise if exercise in EXERCISES else _exercise_of(file)
            if of is None:
                raise UsageError(TEXTS.text("which_exercise", lang, file=file, exercises=", ".join(EXERCISES)))
            found.append((of, file))
    order = list(EXERCISES)
    return sorted(found, key=lambda pair: order.index(pair[0]))  # stable: each exercise's files as given


def seconds_per_file(exercise: str, environ) -> float:
    return float(environ.get("LAB_CHECK_SECONDS") or SECONDS[exercise])


@dataclass
class Prepared:
    """One exercise's part of a check: its topics (made here, deleted at the end), its truth, and
    what the driver needs to cut its input into the same batches every time."""

    exercise: str
    files: list[tuple[int, str]]  # (index in the whole check, file)
    topics: dict[str, str]  # kind -> name; exercise 4's holds `{index}`: a topic per file
    seconds: float
    truth: object = None
    records: int = 0
    batch: int = inputs.BATCH
    about: str = ""

    def topics_for(self, index: int) -> dict[str, str]:
        """The topics the file at `index` reads."""
        return {k: t.replace("{index}", str(index)) for k, t in self.topics.items()}

    @property
    def made(self) -> list[str]:
        """Every topic the part makes (and deletes at the end)."""
        return list(dict.fromkeys(t for i, _ in self.files for t in self.topics_for(i).values()))


def _topics(exercise: str, files: list[tuple[int, str]], environ) -> Prepared:
    """An exercise's part of the check, with the names of its topics (not made yet)."""
    suffix = uuid.uuid4().hex[:8]
    if exercise == "capstone":
        topics = {k: f"check_capstone_{k}_{suffix}" for k in ("orders", "payments")}
    elif exercise == "4":  # one live topic per file
        topics = {"page_views": f"check_ex4_{suffix}_{{index}}"}
    else:
        topics = {"page_views": f"check_ex{exercise}_{suffix}"}
    return Prepared(exercise, files, topics, seconds_per_file(exercise, environ))


def _fill(part: Prepared, bootstrap: str, lang: str) -> None:
    """Make the part's topics, write its input, and read its truth back from Kafka."""
    from lab.kafka.reading import consume_all

    for topic in part.made:
        inputs.create_topic(bootstrap, topic)
    if part.exercise == "capstone":
        inputs.produce(bootstrap, part.topics, inputs.capstone_events())
        truth = inputs.capstone_truth_of(*(consume_all(bootstrap, part.topics[k]) for k in ("orders", "payments")))
        part.about = TEXTS.text("about_orders", lang, orders=truth.orders, malformed=truth.malformed)
        part.truth, part.records, part.batch = truth, truth.records, inputs.CAPSTONE_BATCH
    elif part.exercise == "4":
        part.records = inputs.LIVE_RECORDS
        malformed = round(inputs.LIVE_MALFORMED * inputs.LIVE_RECORDS)
        late = round(inputs.LIVE_LATE * inputs.LIVE_RECORDS)
        part.about = TEXTS.text(
            "about_live", lang, rate=f"{inputs.LIVE_RATE:g}", malformed=f"~{malformed}", late=f"~{late}"
        )
    else:
        inputs.produce(bootstrap, part.topics, inputs.input_events())
        truth = inputs.truth_of(consume_all(bootstrap, part.topics["page_views"]))
        part.about = TEXTS.text(
            "about_page_views", lang, events=len(truth.events), malformed=truth.malformed, late=truth.late
        )
        part.truth, part.records = truth, truth.records


def check(rt, settings: Settings, exercise: str, patterns: list[str], environ: dict[str, str] | None = None) -> int:
    """`make check`: 0 when every file passes, 1 otherwise. A bad EXERCISE or FILE raises
    UsageError; a check that breaks (Kafka unreachable, a driver that hangs) raises RuntimeFailure
    with its first line."""
    try:
        return _check(rt, settings, exercise, patterns, environ)
    except (RuntimeError, TimeoutError, subprocess.TimeoutExpired, RuntimeFailure) as exc:
        raise RuntimeFailure(f"check: {first_line(exc)}") from exc


def _check(rt, settings: Settings, exercise: str, patterns: list[str], environ: dict[str, str] | None) -> int:
    environ = dict(os.environ if environ is None else environ)
    lang = language(environ)
    files = files_of(exercise, patterns, lang)
    if not rt.is_up():
        print(TEXTS.text("not_up", lang), file=sys.stderr)
        return 1
    label = f"ex{exercise}" if exercise in EXERCISES else "all"
    work = rt.paths.run / "checks" / f"{label}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    run = _Run(settings.kafka_bootstrap, lang)
    try:
        run.prepare(files, environ)
        for index, seen in observations(rt, run.plan(), work, environ, run.starting):
            run.judge(index, seen)
    finally:
        run.clean_up()
    verdicts = run.verdicts
    if len(verdicts) > 1:
        passed = sum(v.passed for v in verdicts)
        print("\n" + TEXTS.text("summary", lang, passed=passed, total=len(verdicts)))
    print("\n" + TEXTS.text("driver_log", lang, log=work / "driver.log"))
    return 0 if verdicts and all(v.passed for v in verdicts) else 1


@dataclass
class _Run:
    """One `make check` on the lab: its parts (one per exercise), exercise 4's live producers (one
    per file), and the verdicts given so far, printed as each is known."""

    bootstrap: str
    lang: str
    parts: list[Prepared] = field(default_factory=list)
    part_of: dict[int, Prepared] = field(default_factory=dict)  # a file's index -> its part
    live: dict[int, inputs.LiveProducer] = field(default_factory=dict)
    verdicts: list = field(default_factory=list)
    said: set[str] = field(default_factory=set)  # the exercises whose part has been said

    def prepare(self, files: list[tuple[str, str]], environ) -> None:
        """Make each exercise's topics and input, and say the first one's."""
        for each in dict.fromkeys(e for e, _ in files):
            self.parts.append(_topics(each, [(i, f) for i, (e, f) in enumerate(files) if e == each], environ))
            _fill(self.parts[-1], self.bootstrap, self.lang)
        self.part_of = {i: part for part in self.parts for i, _ in part.files}
        self.say_part(self.parts[0])  # at once: the driver takes a while to start

    def say_part(self, part: Prepared) -> None:
        """What an exercise's files run on, said once, before its first file."""
        if part.exercise in self.said:
            return
        self.said.add(part.exercise)
        shown = ", ".join(t.replace("_{index}", "_<n>") for t in part.topics.values())
        text = TEXTS.text(
            "checking",
            self.lang,
            exercise=part.exercise,
            files=len(part.files),
            records=part.records,
            topics=shown,
            about=part.about,
        )
        print(text, flush=True)

    def plan(self) -> list[dict]:
        """The driver's plan: every file, in order, with what it needs to run (jobs/_check.py)."""
        return [
            {
                "index": i,
                "file": f,
                "exercise": part.exercise,
                "topics": part.topics_for(i),
                "records": part.records,
                "batch": part.batch,
                "seconds": part.seconds,
            }
            for part in self.parts
            for i, f in part.files
        ]

    def starting(self, index: int, file: str) -> None:
        """A file starts: say it (and its part, if not yet); exercise 4's live input starts with it."""
        part = self.part_of[index]
        self.say_part(part)
        print(TEXTS.text("running", self.lang, file=file), flush=True)
        if part.exercise == "4" and index not in self.live:
            self.live[index] = inputs.LiveProducer(
                self.bootstrap, part.topics_for(index)["page_views"], inputs.live_events(), inputs.LIVE_RATE
            )
            self.live[index].start()

    def judge(self, index: int, seen: dict) -> None:
        """The file's verdict, printed: exercise 4's truth is what its live producer wrote."""
        part = self.part_of[index]
        truth = part.truth
        if part.exercise == "4" and not first_error(seen):
            truth = _live_truth(self.bootstrap, part.topics_for(index)["page_views"], self.live[index])
        verdict = JUDGES[part.exercise](seen, truth)
        self.verdicts.append(verdict)
        self.say_part(part)  # a file whose driver died before it started has not said it yet
        print("\n".join(verdict.lines(self.lang)), flush=True)

    def clean_up(self) -> None:
        """Stop the live producers and delete every topic the parts made."""
        for producer in self.live.values():
            producer.stopping.set()
        for topic in (t for part in self.parts for t in part.made):
            with contextlib.suppress(Exception):  # one that was never made, or a hiccup: delete the others
                inputs.delete_topic(self.bootstrap, topic)


def _live_truth(bootstrap: str, topic: str, producer: inputs.LiveProducer) -> inputs.PipelineTruth:
    from lab.kafka.reading import consume_all

    producer.join(120)
    if producer.error:
        raise RuntimeError(producer.error)
    late = sum(1 for e in producer.events if e.late and not e.malformed)
    return inputs.pipeline_truth_of(consume_all(bootstrap, topic), late)


def observations(rt, plan: list[dict], work: Path, environ, starting) -> Iterator:
    """(index, what the driver saw) for each file of the plan, in order, as soon as each is known
    (see the module's contract): a driver that dies or hangs gives its current file a verdict of
    its own, and a new driver takes the rest. `starting(index, file)` runs as each file starts."""
    (work / "plan.json").write_text(json.dumps(plan, indent=1))
    remaining = list(plan)
    with (work / "driver.log").open("a") as log:
        while remaining:
            driver_args = ["--plan", str(work / "plan.json"), "--work", str(work)]
            driver_args += ["--first-index", str(remaining[0]["index"])]
            job = rt.spawn_job(
                "_check", rt.job_args(driver_args), environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            lines = _lines(job.proc.stdout, log)
            try:
                yield from _one_driver(job, lines, remaining, work, starting)
            finally:
                _end_driver(job, remaining)


def _one_driver(job, lines: queue.Queue, remaining: list[dict], work: Path, starting) -> Iterator:
    """What one driver saw, file by file, until it has run `remaining` (each file taken off it as
    its verdict is known), dies or hangs."""
    deadline = time.monotonic() + STARTUP_SECONDS
    current = None
    last = ""
    while remaining:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            job.kill()
            yield from _hung(remaining, current, last)
            return
        if line is None:  # the driver ended before every file had its verdict
            code = job.proc.wait()
            entry = remaining.pop(0)
            not_checked = {"code": code, "last": last.strip()[:300] or "-"}
            yield entry["index"], {"file": entry["file"], "not_checked": not_checked}
            return
        last = line if line.strip() and not line.startswith("check") else last
        if line.startswith("check: "):
            current = line.removeprefix("check: ").strip()
            starting(remaining[0]["index"], current)
            deadline = time.monotonic() + remaining[0]["seconds"] + GRACE_SECONDS
        elif line.startswith("check-result: "):
            seen = json.loads(line.removeprefix("check-result: "))
            index = remaining.pop(0)["index"]
            (work / f"file-{index}" / "observed.json").write_text(json.dumps(seen, indent=1))
            yield index, seen
            deadline = time.monotonic() + GRACE_SECONDS  # the next file's `check:` line


def _hung(remaining: list[dict], current: str | None, last: str) -> Iterator:
    """A driver that said nothing in time: if it never started a file (no cores free, say), no
    driver would, and every file left is not checked; otherwise its file took all its time and more."""
    if current is None:
        stuck = {"code": "-", "last": last.strip()[:300] or "-"}
        while remaining:
            entry = remaining.pop(0)
            yield entry["index"], {"file": entry["file"], "not_checked": stuck}
        return
    entry = remaining.pop(0)
    yield entry["index"], {"file": entry["file"], "timeout": entry["seconds"]}


def _end_driver(job, remaining: list[dict]) -> None:
    """A driver that has run every file ends on its own (60 s at most); any other is killed."""
    if job.proc.poll() is None and not remaining:
        try:
            job.proc.wait(60)
        except subprocess.TimeoutExpired:
            job.kill()
    elif job.proc.poll() is None:
        job.kill()


def _lines(stream, log) -> queue.Queue:
    """The driver's output, line by line, from a thread (None at its end); all of it to `log`."""
    out: queue.Queue = queue.Queue()

    def pump():
        for line in stream:
            if not line.startswith("check-result: "):  # observations go to each file's folder instead
                log.write(line)
                log.flush()
            out.put(line)
        out.put(None)

    threading.Thread(target=pump, name="check driver output", daemon=True).start()
    return out
