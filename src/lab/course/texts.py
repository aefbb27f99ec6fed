"""What the notebooks print, in the notebook's language.

`language()` is the notebook's language: its folder's name (notebooks/es, notebooks/en, or the
instructors' twins), else the process's (LAB_LANG, the locale). `say(code, **params)` prints the
text `code` of src/lab/messages/course.toml in that language; TEXTS is that catalogue. So the
Spanish and English notebooks run the very same code.
"""

from __future__ import annotations

from pathlib import Path

from streamlab.i18n import LANGUAGES, Catalogue
from streamlab.i18n import language as process_language

TEXTS = Catalogue.load("lab", "course")


def language() -> str:
    """The notebook's language: its folder's name, else the process's (LAB_LANG, the locale)."""
    folder = Path.cwd().name
    return folder if folder in LANGUAGES else process_language()


def say(code: str, **params) -> None:
    print(TEXTS.text(code, language(), **params))
