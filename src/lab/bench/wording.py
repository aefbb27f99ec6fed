"""`make bench`'s words: src/lab/messages/bench.toml, for every module of lab.bench.

- `line(code, **params)`: a message in the learner's language (streamlab.i18n.language()), its
  whole numbers written as that language writes them: what the bench prints as it goes, and its
  errors.
- `Words(lang)`: the results page's texts and numbers in one language (es or en), for the page
  and the chart: messages, numbers, verdicts, limits, settings, processes and tuned keys.
"""

from __future__ import annotations

import re

from lab.bench.variants import FIXED_COST_CODES, READ_SETTING_CODES
from lab.observe import units
from streamlab.i18n import Catalogue, language, number

TEXT = Catalogue.load("lab", "bench")
# A search's limit is stored as a code of bench.toml; the runs committed in bench/results/ hold its
# English text, which maps back to the code.
LIMIT_CODES = {TEXT.text(code, "en"): code for code in TEXT if code.startswith("limit_")}


def line(code: str, **params) -> str:
    lang = language()
    return TEXT.text(code, lang, **{k: number(v, lang) if isinstance(v, int) else v for k, v in params.items()})


def seconds(value: float, lang: str | None = None) -> str:
    """A trigger's seconds as the language writes them: 1, 0.5 (en), 0,5 (es)."""
    return number(value, lang or language(), 0 if float(value).is_integer() else 1)


def driver_output(proc) -> str:
    """A finished driver's exit status and the ends of its stdout and stderr, apart: one stream's
    tail alone can hide the other's (a driver's own error line and Spark's log)."""
    return line("driver_output", status=proc.returncode, stdout=proc.stdout[-1200:], stderr=proc.stderr[-1500:])


def verdict(keeps_up: bool) -> str:
    return line("keeps_up" if keeps_up else "falls_behind")


def key(name: str, lang: str | None = None) -> str:
    """A tuned setting's name: "kafka partitions" is words (key_kafka_partitions), a Spark key stays."""
    code = "key_" + name.replace(" ", "_")
    return TEXT.text(code, lang) if code in TEXT else name


def mode(label: str, lang: str | None = None) -> str:
    """The realtime job's mode: real-time or micro-batch."""
    return TEXT.text("mode_" + label.replace("-", "_"), lang)


class Words:
    """The page's texts and numbers in one language."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, code: str, **params) -> str:
        return TEXT.text(code, self.lang, **params)

    def n(self, value: float | None, digits: int = 0) -> str:
        """A number in the page's language; None (not measured) as its "not available" text."""
        return units.not_available(self.lang) if value is None else number(value, self.lang, digits)

    def verdict(self, keeps_up: bool) -> str:
        return self("keeps_up" if keeps_up else "falls_behind")

    def verdict_goal(self, met: bool) -> str:
        return self("goal_met" if met else "goal_missed")

    def seconds(self, value: float) -> str:
        return seconds(value, self.lang)

    def limit(self, stored: str) -> str:
        """A search's limit: a code of bench.toml, or its English text (LIMIT_CODES)."""
        code = stored if stored in TEXT else LIMIT_CODES.get(stored)
        return self(code) if code else stored

    def setting(self, label: str) -> str:
        """A READ_SETTINGS or FIXED_COST_SETTINGS entry's name."""
        code = READ_SETTING_CODES.get(label) or FIXED_COST_CODES.get(label)
        return self(code) if code else label

    def process(self, name: str) -> str:
        """A process whose CPU the live search measures (kafka, driver, ...)."""
        code = "cpu_" + re.sub(r"\W+", "_", name)
        return self(code) if code in TEXT else name

    def key(self, name: str) -> str:
        return key(name, self.lang)

    def mode(self, label: str) -> str:
        return mode(label, self.lang)
