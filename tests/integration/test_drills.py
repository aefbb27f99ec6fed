"""The reliability drills at their reduced size, on the real lab: each asserts exact figures."""

import pytest

from lab import drills


@pytest.mark.parametrize("name", list(drills.DRILLS))
def test_drill(name, lab_up, lab_env):
    result = drills.DRILLS[name](drills.Drill(name, lab_env, "small"))
    print(result.line())
    assert result.passed, result.line()
    assert (result.lost, result.duplicated) == (0, 0)
    assert result.checked > 0
