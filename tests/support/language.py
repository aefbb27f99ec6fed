"""Which language a command's output is in, line by line: for the tests that run a command with
LAB_LANG=es and require no English sentence in what it prints.

A line is English when it renders a message of a catalogue (src/*/messages/*.toml) in English and
not in Spanish, or, for text no catalogue holds, when it reads as English: two or more distinct
English function words outside code, paths and URLs. Spark's console tables (`|...|`, `+---+`)
and lines the caller allows (a regex) are not sentences of the lab's."""

from __future__ import annotations

import functools
import re

from lab.config.settings import ROOT
from streamlab.i18n import Catalogue

# Words that are English and never Spanish (no "a", "no", "has", "son", ...).
ENGLISH_WORDS = frozenset(
    "the and of to is are with for this that your you it was have from not when will be by or at "
    "which what see run runs its into been were then than there their only each every already".split()
)
NOT_PROSE = re.compile(r"`[^`]*`|https?://\S+|(?:\.{0,2}/)?[\w.-]+(?:/[\w.<>*-]+)+/?|\b\w+=\S*")
TABLE = re.compile(r"^\s*[|+]")


@functools.cache
def catalogues() -> tuple[Catalogue, ...]:
    return tuple(Catalogue.load(p.parent.parent.name, p.stem) for p in sorted((ROOT / "src").glob("*/messages/*.toml")))


@functools.cache
def _patterns(lang: str) -> tuple[re.Pattern, ...]:
    """Every message's pattern in `lang`, but those with too little text of their own to tell."""
    found = []
    for c in catalogues():
        for code in c:
            literal = re.sub(r"\{[^}]*\}", "", c.messages[code][lang])
            if len(literal.strip(" .:;,()-")) >= 4:
                found.append(c.pattern(code, lang))
    return tuple(found)


def _renders(line: str, lang: str) -> bool:
    text = line.strip()
    return any(p.search(text) for p in _patterns(lang))


def reads_as_english(line: str) -> bool:
    words = set(re.findall(r"[a-z']+", NOT_PROSE.sub(" ", line).lower()))
    return len(words & ENGLISH_WORDS) >= 2


def english_lines(output: str, allowed: re.Pattern | None = None) -> list[str]:
    """The lines of `output` that are English sentences (see the module's doc)."""
    found = []
    for line in output.splitlines():
        if not line.strip() or TABLE.match(line) or (allowed and allowed.search(line)):
            continue
        if _renders(line, "es"):
            continue
        if _renders(line, "en") or reads_as_english(line):
            found.append(line)
    return found
