"""argparse, with its errors in one line and in the process's language (streamlab.i18n).

`Parser` is an argparse.ArgumentParser whose `error()` prints `<prog>: error: <message>` alone
(no usage block: `--help` has it) and exits 2. argparse writes its own messages in English
("argument --sink: invalid choice: ..."); `translate` renders the ones a learner meets in the
language of the process, from src/streamlab/messages/options.toml, whose English texts are
argparse's own (Python 3.11 to 3.13). A message it does not know stays as argparse wrote it.
Stdlib only: the lab's control plane uses it before the venv exists.
"""

from __future__ import annotations

import argparse
import re
import string
import sys

from streamlab.i18n import Catalogue, language

MESSAGES = Catalogue.load("streamlab", "options")


def _pattern(code: str) -> re.Pattern:
    """argparse's English message `code` as a regex with one named group per placeholder."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(MESSAGES.messages[code]["en"]):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P<{field}>.*?)")
    return re.compile("^" + "".join(parts) + "$", re.S)


# argparse's messages: each code's English text, read as a pattern.
ARGPARSE = {code: _pattern(code) for code in MESSAGES if code.startswith("argparse_")}


def translate(message: str, lang: str | None = None) -> str:
    """argparse's English `message` in `lang` (default: the process's); unknown ones unchanged."""
    lang = lang or language()
    if lang == "en":
        return message
    for code, pattern in ARGPARSE.items():
        found = pattern.match(message)
        if found:
            params = found.groupdict()
            if "message" in params:  # "argument X: <the message of the argument's type or action>"
                params["message"] = translate(params["message"], lang)
            return MESSAGES.text(code, lang, **params)
    return message


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        line = MESSAGES("error_line", prog=self.prog, message=translate(message))
        self.exit(2, line + "\n")


def fail(prog: str, message: str) -> None:
    """The same one line for an error found after parsing, and exit 2."""
    sys.stderr.write(MESSAGES("error_line", prog=prog, message=message) + "\n")
    raise SystemExit(2)
