"""What the lab prints, in Spanish and English: a message is a code plus parameters, and its texts
live in a catalogue (a TOML file), as Spark's error classes do.

Contract:
- `language(environ)` is "es" or "en": LAB_LANG when it is set (es…, en…), else the locale
  (LC_ALL, LC_MESSAGES, LANG: es_ES.UTF-8 says Spanish); English otherwise.
- `Catalogue.load(package, name)` reads `<package>/messages/<name>.toml`. Each table is one
  message: its code is the table's name, its texts the keys `en` and `es`, with `{placeholders}`
  (str.format). Both languages of a message have the same placeholders (tests/unit/test_i18n.py).
- `catalogue.text(code, lang, **params)` renders one. A parameter given as a `Bilingual` (or a dict
  with "en" and "es") takes the text of `lang`.
- `catalogue.pattern(code, lang)` is a regular expression that matches any rendering of the
  message: how tests tell which language a printed line is in.
- `number(value, lang, digits)` writes a number as each language writes it (1,234.5 / 1.234,5).

Stdlib only (tomllib, importlib.resources): it reads the catalogue from a zip as well (the
`--py-files` streamlab.zip), and the control plane uses it before the venv exists.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from dataclasses import dataclass
from importlib import resources

LANGUAGES = ("es", "en")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def language(environ=None) -> str:
    """es or en: LAB_LANG, else the first locale variable that is set (see the module's contract)."""
    env = os.environ if environ is None else environ
    chosen = env.get("LAB_LANG") or next((env[k] for k in LOCALE_VARIABLES if env.get(k)), "")
    return "es" if chosen.lower().startswith("es") else "en"


@dataclass(frozen=True)
class Bilingual:
    """A value that is a text in both languages, for a parameter of a message."""

    en: str
    es: str

    def __getitem__(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


def _in(value, lang: str):
    if isinstance(value, Bilingual):
        return value[lang]
    if isinstance(value, dict) and set(value) == set(LANGUAGES):
        return value[lang]
    return value


class CatalogueError(KeyError):
    """A code the catalogue does not have, a message without one of its languages, or a catalogue
    file missing. Its text is the message itself (not KeyError's quoted repr)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Catalogue:
    def __init__(self, name: str, messages: dict[str, dict[str, str]]):
        self.name = name
        self.messages = messages

    @classmethod
    def load(cls, package: str, name: str) -> Catalogue:
        try:
            text = resources.files(package).joinpath("messages", f"{name}.toml").read_text(encoding="utf-8")
        except FileNotFoundError:  # e.g. a zip of the package's .py files only, for --py-files
            raise CatalogueError(
                f"{package}/messages/{name}.toml is missing: ship the whole {package} folder "
                f"(zip -qr {package}.zip {package})"
            ) from None
        messages = tomllib.loads(text)
        for code, texts in messages.items():
            missing = [lang for lang in LANGUAGES if not isinstance(texts.get(lang), str)]
            if missing:
                raise CatalogueError(f"{package}/messages/{name}.toml: [{code}] has no {', '.join(missing)} text")
        return cls(f"{package}.{name}", messages)

    def __contains__(self, code: str) -> bool:
        return code in self.messages

    def __iter__(self):
        return iter(self.messages)

    def text(self, code: str, lang: str | None = None, /, **params) -> str:
        lang = lang or language()
        try:
            template = self.messages[code][lang]
        except KeyError:
            raise CatalogueError(f"{self.name} has no message {code!r}") from None
        return template.format(**{k: _in(v, lang) for k, v in params.items()})

    def __call__(self, code: str, /, **params) -> str:
        """The message in the language of this process (LAB_LANG or the locale)."""
        return self.text(code, None, **params)

    def both(self, code: str, /, **params) -> Bilingual:
        """The message in both languages: a parameter for another message, or a text kept for later."""
        return Bilingual(self.text(code, "en", **params), self.text(code, "es", **params))

    def placeholders(self, code: str, lang: str) -> set[str]:
        fields = string.Formatter().parse(self.messages[code][lang])
        return {field.split(".")[0].split("[")[0] for _, field, _, _ in fields if field}

    def pattern(self, code: str, lang: str) -> re.Pattern:
        """A regex matching any rendering of the message in `lang` (a placeholder matches anything)."""
        parts = []
        for literal, field, _, _ in string.Formatter().parse(self.messages[code][lang]):
            parts.append(re.escape(literal))
            if field is not None:
                parts.append(".*?")
        return re.compile("".join(parts) + "$", re.S)


def number(value: float, lang: str, digits: int = 0) -> str:
    """1234.5 as 1,234.5 in English and 1.234,5 in Spanish (digits after the point)."""
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text
