"""`python3 -m lab.runtimes`: print the runtime's name (for the Makefile); `--why` adds why."""

from __future__ import annotations

import sys

from lab.config.settings import load
from lab.errors import LabError, report
from lab.runtimes.choice import choose


def main() -> int:
    try:
        choice = choose(load())
    except LabError as exc:
        return report(exc)
    print(f"{choice.name}  ({choice.reason})" if "--why" in sys.argv else choice.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
