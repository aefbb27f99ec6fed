"""`python -m lab.config.say <code> [name=value ...]`: one message of the lab's commands catalogue
(src/lab/messages/commands.toml) in the lab's language, for the Makefile's own lines. Stdlib only:
the Makefile runs it on the system Python before the venv exists."""

from __future__ import annotations

import sys

from lab.config.settings import load
from streamlab.i18n import Catalogue


def main(argv: list[str]) -> int:
    code, *pairs = argv
    params = dict(pair.split("=", 1) for pair in pairs)
    print(Catalogue.load("lab", "commands").text(code, load().language(), **params), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
