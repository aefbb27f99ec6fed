"""`make bench`'s words: src/lab/messages/bench.toml, for lab.bench, lab.bench.backlog and
lab.bench.live. `line(code, **params)` is a message in the learner's language
(streamlab.i18n.language()), its whole numbers written as that language writes them: what the
bench prints as it goes, and its errors."""

from __future__ import annotations

from streamlab.i18n import Catalogue, language, number

TEXT = Catalogue.load("lab", "bench")


def line(code: str, **params) -> str:
    lang = language()
    return TEXT.text(code, lang, **{k: number(v, lang) if isinstance(v, int) else v for k, v in params.items()})


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
