"""`make check` for real, on the test lab: every reference solution passes, and the untouched
starter and each typical wrong answer fail with their own hint. One spark-submit per exercise
checks all its files (as an instructor checks a class)."""

import re

import pytest

from lab.exercises import EXERCISES, file_prefix
from lab.settings import ROOT
from tests.support import lab as run

# What the untouched starter gets: the first thing its TODOs fix.
STARTER_HINTS = {"1": "no_rows", "2": "unresolved_column", "3": "output_mode", "capstone": "todo"}


def verdicts(output: str) -> dict[str, tuple[str, str | None]]:
    """file -> (PASS or FAIL, the first hint's code), from `lab check`'s report."""
    found = {}
    for m in re.finditer(r"^(\S+\.py): (PASS|FAIL)\n(?:  (?:Hint|Pista) \((\w+)\))?", output, re.M):
        found[m.group(1)] = (m.group(2), m.group(3))
    return found


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_solutions_pass_and_the_starter_and_typical_wrong_answers_fail_with_their_hint(exercise, lab_up, lab_env):
    name = EXERCISES[exercise]
    wrong = sorted((ROOT / "instructors" / "wrong-answers").glob(f"{file_prefix(exercise)}_*.py"))
    expected = {
        f"instructors/solutions/{name}": ("PASS", None),
        f"exercises/{name}": ("FAIL", STARTER_HINTS[exercise]),
        **{str(p.relative_to(ROOT)): ("FAIL", re.search(r"# FAIL: (\w+)", p.read_text()).group(1)) for p in wrong},
    }
    proc = run.lab("check", exercise, *expected, environ={**lab_env, "LAB_LANG": "en"}, timeout=600)
    assert verdicts(proc.stdout) == expected, proc.stdout + proc.stderr[-3000:]
    assert proc.returncode == 1  # some files fail
    assert f"1 of {len(expected)} passed" in proc.stdout


def test_a_passing_check_exits_0_and_speaks_spanish(lab_up, lab_env):
    proc = run.lab(
        "check", "2", "instructors/solutions/ex2_windowing.py", environ={**lab_env, "LANG": "es_ES.UTF-8"}, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "instructors/solutions/ex2_windowing.py: PASS\n  45 conteos por (ventana, país) exactos" in proc.stdout


def test_bad_usage_is_one_line_and_exit_2(lab_up, lab_env):
    proc = run.lab("check", "7", environ=lab_env, timeout=60)
    assert (proc.returncode, proc.stderr.strip()) == (2, "error: unknown exercise '7'; exercises: 1, 2, 3, capstone")
    proc = run.lab("check", "1", "nowhere/ex1.py", environ=lab_env, timeout=60)
    assert (proc.returncode, proc.stderr.strip()) == (2, "error: no file matches 'nowhere/ex1.py'")
