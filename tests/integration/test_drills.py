"""The reliability drills at their reduced size, on the real lab: each asserts exact figures."""

import pytest

from lab.course import drills


@pytest.mark.parametrize("name", list(drills.DRILLS))
def test_drill(name, lab_up, lab_env):
    drill = drills.Drill(name, lab_env, "small")
    try:
        result = drills.DRILLS[name](drill)
    except Exception as exc:  # a wait that timed out, a job that broke: say what the job printed last
        raise AssertionError(f"drill {name} broke: {exc}\n{drill.last_lines()}") from exc
    print(result.line())
    assert result.passed, f"{result.line()}\n{drill.last_lines()}"
    assert (result.lost, result.duplicated) == (0, 0)
    assert result.checked > 0
    drill.delete_topics()
