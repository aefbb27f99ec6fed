"""The refusal drills: what the lab cannot do, it refuses at once, in one clear line.

- state-incompatible: windowing restarted with another grouping key on its old checkpoint fails at
  start with the `make reset` hint, and writes no output;
- bad-config: an unknown job, a bad DURATION, and (local runtime) an unreachable broker, missing
  jars and a port in use: one clear line each, a non-zero exit, and nothing left running.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lab.course.drills.base import COMMANDS, MESSAGES, OPTIONS, RUNNER, START, Drill, Result, said
from lab.course.drills.checks import parquet_rows
from lab.spark import jobs

# (what, the command's run, the exit code it must give, a regex for the line it must print)
Case = tuple[str, subprocess.CompletedProcess, int, re.Pattern]


def state_incompatible(d: Drill) -> Result:
    """Restart windowing with another grouping key on its old checkpoint: a clear failure at start,
    the `make reset` hint, and no output written."""
    d.produce("--count", "500", "--rate", "0", "--seed", "61", "--start-time", START)
    # A flush two hours later closes the first run's windows, so there is output to protect.
    d.produce("--count", "20", "--rate", "0", "--seed", "63", "--start-time", "2026-01-01T02:00:00Z")
    ckpt, out = d.dir / "ckpt", d.dir / "out"
    common = [
        "--sink", "parquet", "--output", str(out), "--output-mode", "append", "--checkpoint", str(ckpt),
        "--trigger", "availableNow", "--metrics-port", "0",
    ]  # fmt: skip
    first = d.submit("windowing", *common, "--key", "country")
    before = sorted(p.name for p in out.rglob("*.parquet"))
    d.produce("--count", "200", "--rate", "0", "--seed", "62", "--start-time", "2026-01-01T04:00:00Z")
    second = d.submit("windowing", *common, "--key", "user_id")
    after = sorted(p.name for p in out.rglob("*.parquet"))
    d.result.checked = len(parquet_rows(out))  # output rows verified unchanged by the refused restart
    text = second.stdout + second.stderr
    failed = said(RUNNER, "query_failed", d.lang)
    failure = next((line for line in text.splitlines() if failed.search(line)), "")
    d.result.details.append(
        MESSAGES("state_runs", first=first.returncode, second=second.returncode, failure=failure[:300])
    )
    if (
        first.returncode != 0
        or second.returncode == 0
        or "make reset JOB=windowing" not in failure
        or before != after
        or not d.result.checked
    ):
        d.result.fail(MESSAGES("state_expected"))
    return d.result


@contextmanager
def _state_without_connector(paths) -> Iterator[Path]:
    """A state folder that is the lab's own but for an empty Spark connector folder: links to
    everything else. The real jars are never moved, so jobs that start meanwhile, in this lab or
    another using the same state, still find them."""
    with tempfile.TemporaryDirectory(prefix="lab-state-") as tmp:
        state = Path(tmp)
        for entry in paths.state.iterdir():
            if entry != paths.jars:
                (state / entry.name).symlink_to(entry)
        (state / paths.jars.name).mkdir()
        for entry in paths.jars.iterdir():
            if entry != paths.spark_jars:
                (state / paths.jars.name / entry.name).symlink_to(entry)
        (state / paths.jars.name / paths.spark_jars.name).mkdir()
        yield state


def bad_config(d: Drill) -> Result:
    """Unknown job, bad DURATION, unreachable broker, missing jars, a port in use: one clear line
    each, a non-zero exit, and nothing left running."""
    before = set(d.rt.leftovers())
    cases = _usage_cases(d)
    if d.rt.name == "local":  # in Docker, the broker's address and the jars are the images', and ports the containers'
        cases += _local_cases(d)
    for case in cases:
        _judge_case(d, *case)
    d.result.checked = len(cases)
    left = sorted(set(d.rt.leftovers()) - before)
    if left:
        d.result.fail(MESSAGES("left_running", left=left))
    return d.result


def _usage_cases(d: Drill) -> list[Case]:
    """An unknown job and a bad DURATION: usage errors (exit 2)."""
    lang = d.lang
    unknown = COMMANDS.text("unknown_job", lang, name="nope", jobs=", ".join(jobs.available(lang=lang)))
    return [
        ("case_unknown_job", d.run("-m", "lab", "submit", "nope"), 2, re.compile(re.escape(unknown))),
        (
            "case_bad_duration",
            d.run("-m", "lab", "submit", "basic", "--duration", "soon"),
            2,
            re.compile(re.escape(OPTIONS.text("not_a_whole_number", lang, text="soon"))),
        ),
    ]


def _local_cases(d: Drill) -> list[Case]:
    """An unreachable broker, missing jars, a metrics port in use: each in an environment of its
    own, the drill's restored after each."""
    import socket

    lang, paths = d.lang, d.rt.paths
    saved = dict(d.env)
    d.env["KAFKA_BOOTSTRAP"] = "127.0.0.1:1"
    cases = [
        ("case_unreachable", d.run("-m", "lab", "submit", "basic"), 1, said(COMMANDS, "kafka_does_not_answer", lang))
    ]
    d.env = dict(saved)
    with _state_without_connector(paths) as state:
        d.env["LAB_STATE"], d.env["LAB_RUN"] = str(state), str(paths.run)
        missing = d.run("-m", "lab", "submit", "basic")
        cases.append(("case_missing_jars", missing, 1, said(COMMANDS, "install_no_connector", lang)))
    d.env = dict(saved)
    with socket.socket() as squatter:
        squatter.bind((d.settings.host, 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        taken = d.submit("basic", "--metrics-port", str(port), "--duration", "5")
        cases.append(("case_port", taken, 1, said(RUNNER, "metrics_port_taken", lang)))
    return cases


def _judge_case(d: Drill, what: str, proc: subprocess.CompletedProcess, code: int, pattern: re.Pattern) -> None:
    """The case passes with its exit code and its line among the last three printed, and no Java
    stack trace (a line starting with a tab and `at `) anywhere: that is a failure too."""
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    ok = (
        proc.returncode == code
        and any(pattern.search(line) for line in lines[-3:])
        and not any(line.startswith("\tat ") for line in lines)
    )
    fallback = lines[-1] if lines else MESSAGES("no_output")
    shown = next((line for line in reversed(lines) if pattern.search(line)), fallback)
    d.result.details.append(MESSAGES("case", what=MESSAGES(what), code=proc.returncode, line=shown[:160]))
    d.result.ok &= ok
