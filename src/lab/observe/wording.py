"""The report's words: the catalogue src/lab/messages/report.toml, and the error that is one of its
messages.

Contract: `TEXT` is that catalogue (streamlab.i18n.Catalogue): `TEXT.text(code, lang, **params)`
renders a message in es or en. `ReportError(code, **params)` is a RuntimeFailure carrying a
message of it: `.text(lang)` renders it in `lang`, `str()` in this process's language (LAB_LANG
or the locale), always one line.
"""

from __future__ import annotations

from lab.errors import RuntimeFailure
from streamlab.i18n import Catalogue

TEXT = Catalogue.load("lab", "report")


class ReportError(RuntimeFailure):
    """A message of report.toml: its code and parameters; str() is its text in this process's language."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def text(self, lang: str | None = None) -> str:
        return TEXT.text(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.text()
