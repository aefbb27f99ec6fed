"""`make check` for real, on the test lab: every reference solution passes, and the untouched
starter and each typical wrong answer fail with their own hint. One spark-submit checks every
exercise's files (as an instructor checks a class)."""

import json
import re
import time
from pathlib import Path

from lab.config.settings import ROOT
from lab.course.exercises import EXERCISES, file_prefix
from tests.support import lab as run
from tests.support.language import english_lines

# What the untouched starter gets: the first thing its TODOs fix.
STARTER_HINTS = {"1": "no_rows", "2": "unresolved_column", "3": "output_mode", "4": "todo", "capstone": "todo"}
DATA = Path(__file__).parent / "data"


def verdicts(output: str) -> dict[str, tuple[str, str | None]]:
    """file -> (PASS or FAIL, the first hint's code), from `lab check`'s report."""
    found = {}
    for m in re.finditer(r"^(\S+\.py): (PASS|FAIL)\n(?:  (?:Hint|Pista) \((\w+)\))?", output, re.M):
        found[m.group(1)] = (m.group(2), m.group(3))
    return found


def each_verdict_before_the_next_file_runs(output: str, files: list[str]) -> bool:
    """Verdicts are printed as soon as they are known: a file's comes before the next file starts."""
    lines = output.splitlines()
    at = {f: next(i for i, line in enumerate(lines) if line.startswith(f"{f}: ")) for f in files}
    runs = {f: next(i for i, line in enumerate(lines) if line.strip() == f"running {f} on Spark ...") for f in files}
    return all(at[a] < runs[b] for a, b in zip(files, files[1:], strict=False))


def test_solutions_pass_and_the_starter_and_typical_wrong_answers_fail_with_their_hint(lab_up, lab_env):
    expected = {}
    for exercise, name in EXERCISES.items():
        wrong = sorted((ROOT / "instructors" / "wrong-answers").glob(f"{file_prefix(exercise)}_*.py"))
        expected |= {
            f"instructors/solutions/{name}": ("PASS", None),
            f"exercises/{name}": ("FAIL", STARTER_HINTS[exercise]),
            **{str(p.relative_to(ROOT)): ("FAIL", re.search(r"# FAIL: (\w+)", p.read_text()).group(1)) for p in wrong},
        }
    proc = run.lab("check", "all", *expected, environ={**lab_env, "LAB_LANG": "en"}, timeout=1800)
    assert verdicts(proc.stdout) == expected, proc.stdout + proc.stderr[-3000:]
    assert proc.returncode == 1  # some files fail
    assert f"{len(EXERCISES)} of {len(expected)} passed" in proc.stdout
    assert each_verdict_before_the_next_file_runs(proc.stdout, list(expected)), proc.stdout
    # Every verdict a judge's (none `not_checked`): one driver checked them all. Each exercise's
    # input is said once, before its first file.
    assert re.findall(r"^Checking exercise (\w+):", proc.stdout, re.M) == list(EXERCISES), proc.stdout


def test_a_passing_check_exits_0_and_in_spanish_prints_no_english_sentence(lab_up, lab_env):
    proc = run.lab(
        "check", "2", "instructors/solutions/ex2_windowing.py", environ={**lab_env, "LAB_LANG": "es"}, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "instructors/solutions/ex2_windowing.py: PASS\n  45 conteos por (ventana, país) exactos" in proc.stdout
    assert "Comprobando el ejercicio 2: 1 archivo(s)" in proc.stdout
    assert not english_lines(proc.stdout + proc.stderr), english_lines(proc.stdout + proc.stderr)


def test_every_file_gets_a_verdict_of_its_own_in_its_own_time(lab_up, lab_env):
    """A file that never returns runs out of its own time limit; one that kills the driver gets
    its verdict, and a new driver checks the files after it."""
    files = [str((DATA / name).relative_to(ROOT)) for name in ("ex1_forever.py", "ex1_exits.py")]
    files.append("instructors/solutions/ex1_read_kafka.py")
    environ = {**lab_env, "LAB_LANG": "en", "LAB_CHECK_SECONDS": "40"}
    proc = run.lab("check", "1", *files, environ=environ, timeout=600)
    expected = dict(zip(files, [("FAIL", "timeout"), ("FAIL", "not_checked"), ("PASS", None)], strict=True))
    assert verdicts(proc.stdout) == expected, proc.stdout + proc.stderr[-3000:]
    assert "ran out of its 40 s" in proc.stdout and "(exit 3)" in proc.stdout, proc.stdout


def test_bad_usage_is_one_line_and_exit_2(lab_up, lab_env):
    proc = run.lab("check", "7", environ=lab_env, timeout=60)
    assert (proc.returncode, proc.stderr.strip()) == (
        2,
        "error: unknown exercise '7'; exercises: 1, 2, 3, 4, capstone, or all",
    )
    proc = run.lab("check", "1", "nowhere/ex1.py", environ=lab_env, timeout=60)
    assert (proc.returncode, proc.stderr.strip()) == (2, "error: no file matches 'nowhere/ex1.py'")


def test_make_report_on_the_capstone_gives_the_courses_performance_report(lab_up, lab_env, tmp_path):
    """The course's third deliverable: `make report JOB=capstone` on a learner's capstone run. The
    reference solution runs as the capstone job (`make submit JOB=capstone` runs exercises/capstone.py,
    whose given `main` is the solution's) on the lab's live orders and payments, for 45 s; then the
    report of that run, from Prometheus."""
    from lab.config.paths import Paths
    from lab.spark.submit import spawn

    solution = ROOT / "instructors" / "solutions" / "capstone.py"
    log = tmp_path / "capstone.log"
    args = ["--duration", "45", "--trigger", "5 seconds", "--output", str(tmp_path / "out")]
    start = time.time()
    with log.open("w") as out:
        proc = spawn(
            lab_up, Paths.of(lab_up), solution, [*args, "--checkpoint", str(tmp_path / "ckpt")], lab_env, stdout=out
        )
    try:
        assert proc.wait(300) == 0, run.tail(log)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert not run.trace_lines(text), f"stack-trace or ERROR lines in the capstone's run: {run.trace_lines(text)[:5]}"
    since = f"{int(time.time() - start) + 10}s"
    report = run.lab("report", "--job", "capstone", "--since", since, "--trigger-seconds", "5", environ=lab_env)
    assert report.returncode == 0, report.stdout + report.stderr
    folder = Path(re.search(r"Report written: (\S+)report\.html", report.stdout).group(1))
    figures = json.loads((folder / "figures.json").read_text())
    assert figures["rows"] > 0 and figures["batches"] >= 5 and figures["verdict"] == "keeps up", figures
    md = (folder / "report.md").read_text()
    assert "## Verdict: **keeps up**" in md and "capstone" in md
    assert (folder / "report.html").read_text().count("data:image/png;base64,") >= 10
