"""The report's verdict on one run, with its evidence, in the learner's language.

Contract: `verdict(figures, lang)` is (code, evidence): the code KEEPS_UP or FALLS_BEHIND (what
figures.json says, in any language) by the lab's one rule (lab.observe.verdict.keeps_up) on the
run's input rate (the steady state's, else the whole run's), its Kafka lag's trend and end, and
its trigger; the evidence is the lines that show it: the input rate, the lag against what the rule
allows, the verdict's reason. `verdict_text(code, lang)` is the code in words.
"""

from __future__ import annotations

from lab.observe import units
from lab.observe import verdict as rule
from lab.observe.figures import Figures
from lab.observe.wording import TEXT

KEEPS_UP, FALLS_BEHIND = "keeps up", "falls behind"  # the verdict's codes (figures.json)


def _input(f: Figures, lang: str) -> str:
    """The input rate the verdict judged by, and over what."""
    if f.input_rate_steady is not None:
        return TEXT.text(
            "evidence_input_steady",
            lang,
            rate=units.rate(f.input_rate_steady, lang),
            rows=units.count(f.steady_rows, lang),
            seconds=units.duration(f.steady_seconds, lang),
        )
    return TEXT.text("evidence_input_run", lang, rate=units.rate(f.input_rate_run or 0.0, lang))


def _lag(f: Figures, lang: str) -> str:
    """The lag, its trend, and what the rule allows."""
    slope = units.decimal(f.lag_slope, lang, 1)
    return TEXT.text(
        "evidence_lag",
        lang,
        start=units.count(f.lag_start, lang),  # n/a: a query that reads no Kafka
        end=units.count(f.lag_end, lang),
        slope=slope if f.lag_slope < 0 else "+" + slope,
        allowed=units.count(rule.allowed_lag(f.input_rate, f.trigger_seconds or 0.0), lang),
        seconds=units.count(rule.LAG_SECONDS, lang),
        minimum=units.count(rule.MIN_LAG, lang),
        share=units.share(rule.GROWTH_SHARE, lang, 0),
    )


def verdict(f: Figures, lang: str = "en") -> tuple[str, list[str]]:
    """KEEPS_UP or FALLS_BEHIND by the lab's one rule (lab.observe.verdict), and the evidence in `lang`."""
    evidence = [_input(f, lang), _lag(f, lang)]
    if not rule.keeps_up(f.input_rate, f.lag_slope, f.lag_end or 0.0, f.trigger_seconds or 0.0):
        return FALLS_BEHIND, [*evidence, TEXT.text("evidence_falls_behind", lang)]
    return KEEPS_UP, [*evidence, TEXT.text("evidence_keeps_up", lang)]


def verdict_text(code: str, lang: str) -> str:
    return TEXT.text("falls_behind" if code == FALLS_BEHIND else "keeps_up", lang)
