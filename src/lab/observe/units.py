"""Figures as a reader reads them, in the learner's language: counts, rates, durations, byte sizes
and shares, for `make report` and `make bench`.

Contract: each function takes a value and a language (es or en) and returns text; None is "n/a"
("n/d" in Spanish). Numbers go through streamlab.i18n.number (1,234.5 / 1.234,5). Small values
keep their size: a duration below a second is in ms, a size below a MiB in B or KiB, so nothing
non-zero reads as 0. Digits follow the value's size, not a fixed count of decimals: a figure
estimated from histogram buckets has no millisecond precision to show. The words (units, "n/a")
live in src/lab/messages/units.toml.
"""

from __future__ import annotations

from streamlab.i18n import Catalogue, number

TEXT = Catalogue.load("lab", "units")
BINARY = ("B", "KiB", "MiB", "GiB", "TiB")


def not_available(lang: str) -> str:
    return TEXT.text("not_available", lang)


def count(value: float | None, lang: str) -> str:
    """A whole number, with the language's thousands separator."""
    return not_available(lang) if value is None else number(value, lang, 0)


def decimal(value: float | None, lang: str, digits: int = 2) -> str:
    """A ratio or any plain number with `digits` decimals."""
    return not_available(lang) if value is None else number(value, lang, digits)


def _digits(value: float) -> int:
    """Decimals to show: one below 100, none from 100 up, none for a whole number."""
    return 0 if abs(value) >= 100 or float(value).is_integer() else 1


def rate(value: float | None, lang: str, what: str = "rows") -> str:
    """Per second: `what` is rows, events, records, page_views or offsets (units.toml's per_<what>)."""
    if value is None:
        return not_available(lang)
    return TEXT.text(f"per_{what}", lang, value=number(value, lang, _digits(value)))


def duration(seconds: float | None, lang: str, above: bool = False) -> str:
    """Seconds as s or ms. `above`: the value is a lower bound (a percentile beyond a histogram's
    top bucket), written "> 600 s"."""
    if seconds is None:
        return not_available(lang)
    if above:
        return "> " + duration(seconds, lang)
    if seconds == 0:
        return "0 s"
    if seconds < 0.001:
        return "< 1 ms"
    if seconds < 1:
        ms = seconds * 1000
        return f"{number(ms, lang, 1 if ms < 10 else 0)} ms"
    return f"{number(seconds, lang, _digits(seconds))} s"


def size(value: float | None, lang: str) -> str:
    """Bytes in B, KiB, MiB, GiB or TiB, the largest that keeps the figure at 1 or more."""
    if value is None:
        return not_available(lang)
    power = 0
    while abs(value) >= 1024 and power < len(BINARY) - 1:
        value /= 1024
        power += 1
    return f"{number(value, lang, 0 if power == 0 else 1)} {BINARY[power]}"


def share(value: float | None, lang: str, digits: int = 1) -> str:
    """A fraction as a percentage: 0.005 is 0.5% (0,5 % in Spanish, which spaces the sign)."""
    if value is None:
        return not_available(lang)
    return number(100 * value, lang, digits) + (" %" if lang == "es" else "%")
