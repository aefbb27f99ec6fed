"""The suite's time budget (tests/budget.toml) and the table printed at the end of every run.

Contract: `Budget.load().table(modules, wall)` takes {module path: [seconds, tests]} as the run
measured it and returns the lines of a table: each module that ran, or each folder the budget
groups (tests/unit, tests/static), with its seconds beside its budget, a mark on what went over,
and the total. It never fails a run: timings on a shared machine are noisy, so the budget is
something a change shows in its own CI log, not an assertion.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

FILE = Path(__file__).resolve().parents[1] / "budget.toml"


@dataclass(frozen=True)
class Budget:
    suite: float
    modules: dict[str, float]
    folders: dict[str, float]

    @classmethod
    def load(cls, path: Path = FILE) -> Budget:
        data = tomllib.loads(path.read_text())
        return cls(float(data["suite"]["seconds"]), data.get("modules", {}), data.get("folders", {}))

    def row_of(self, module: str) -> str:
        """The budget's row a module counts in: its folder's, if the budget groups that folder."""
        return next((folder for folder in self.folders if module.startswith(folder + "/")), module)

    def seconds_of(self, row: str) -> float | None:
        """A row's budget: a module's or a folder's, or None when it has none."""
        return self.modules.get(row, self.folders.get(row))

    def rows(self, modules: dict[str, list]) -> list[tuple[str, float, int, float | None]]:
        """(row, seconds, tests, budget or None), slowest first."""
        grouped: dict[str, list] = {}
        for module, (seconds, tests) in modules.items():
            row = grouped.setdefault(self.row_of(module), [0.0, 0])
            row[0] += seconds
            row[1] += tests
        found = [(row, seconds, tests, self.seconds_of(row)) for row, (seconds, tests) in grouped.items()]
        return sorted(found, key=lambda r: -r[1])

    def table(self, modules: dict[str, list], wall: float) -> list[str]:
        rows = self.rows(modules)
        lines = [f"{'seconds':>9} {'budget':>7} {'tests':>5}  module"]
        for row, seconds, tests, budget in rows:
            if budget is None:
                mark = "  <- no budget: add it to tests/budget.toml"
            elif seconds > budget:
                mark = f"  <- over by {seconds - budget:.0f} s"
            else:
                mark = ""
            shown = "-" if budget is None else f"{budget:.0f}"
            lines.append(f"{seconds:9.1f} {shown:>7} {tests:5d}  {row}{mark}")
        total = sum(r[1] for r in rows)
        planned = sum(r[3] or 0 for r in rows)
        tests = sum(r[2] for r in rows)
        lines.append(f"{total:9.1f} {planned:7.0f} {tests:5d}  in all (the modules that ran)")
        docker = sum(r[1] for r in rows if r[0].startswith("tests/docker/"))
        if 0 < docker < total:  # only when both kinds ran
            lines.append(f"{total - docker:9.1f} {'':>7} {'':>5}  without the Docker lab (tests/docker)")
        over = " <- over the suite's budget" if wall > self.suite else ""
        lines.append(f"{wall:9.1f} {self.suite:7.0f} {'':>5}  the whole session, from its start{over}")
        return lines
