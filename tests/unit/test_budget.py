"""The table of the suite's time against tests/budget.toml, printed at the end of every run."""

from collections import Counter

from tests.conftest import INTEGRATION_ORDER, process_of
from tests.support.budget import FILE, Budget

BUDGET = Budget(suite=100.0, modules={"tests/integration/test_a.py": 30.0}, folders={"tests/unit": 10.0})


def test_folders_are_one_row_and_what_goes_over_or_has_no_budget_is_marked():
    modules = {
        "tests/unit/test_x.py": [4.0, 3],
        "tests/unit/test_y.py": [7.5, 2],
        "tests/integration/test_a.py": [20.0, 1],
        "tests/integration/test_new.py": [5.0, 2],
    }
    lines = BUDGET.table(modules, wall=120.0)
    assert lines[1:] == [
        "     20.0      30     1  tests/integration/test_a.py",
        "     11.5      10     5  tests/unit  <- over by 2 s",
        "      5.0       -     2  tests/integration/test_new.py  <- no budget: add it to tests/budget.toml",
        "     36.5      40     8  in all (the modules that ran)",
        "    120.0     100        the whole session, from its start <- over the suite's budget",
    ]


def test_the_committed_budget_names_only_test_files_and_folders_that_exist():
    budget = Budget.load()
    root = FILE.parent.parent
    assert all((root / m).is_file() for m in budget.modules), budget.modules
    assert all((root / f).is_dir() for f in budget.folders), budget.folders
    # `make test`'s two processes run side by side (tests/conftest.py): each one's share must fit in
    # the suite's, with the Docker lab's module and without it (`make test DOCKER=0`).
    for docker in (True, False):
        share = Counter()
        for path, seconds in {**budget.modules, **budget.folders}.items():
            if docker or not path.startswith("tests/docker/"):
                share[process_of(path if path.endswith(".py") else path + "/x.py", docker)] += seconds
        assert set(share) == {"local", "beside-docker"} and max(share.values()) <= budget.suite, (docker, share)


def test_every_test_module_has_a_budget_and_every_integration_module_its_place_in_the_order():
    budget = Budget.load()
    root = FILE.parent.parent
    modules = [str(p.relative_to(root)) for p in sorted((root / "tests").rglob("test_*.py"))]
    unbudgeted = [m for m in modules if budget.seconds_of(budget.row_of(m)) is None]
    assert not unbudgeted, f"add these to tests/budget.toml: {unbudgeted}"
    integration = {m.rsplit("/", 1)[1] for m in modules if m.startswith("tests/integration/")}
    assert integration == set(INTEGRATION_ORDER), (
        f"tests/conftest.py's INTEGRATION_ORDER misses {integration - set(INTEGRATION_ORDER)}"
    )
