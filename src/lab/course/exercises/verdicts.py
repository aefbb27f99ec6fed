"""A check's verdict and its hints: `Verdict` is PASS (with what the pass stands for) or FAIL with
`Problem`s, each a hint code with its parameters, whose texts are in src/lab/messages/hints.toml
(HINTS); the first is the one to fix first. TEXTS (src/lab/messages/check.toml) are the lines
around them.

- `first_error(seen)`: the problem that stopped a check before there was anything to judge (a
  missing function, a timeout, an error: the mistakes the course's code leads to get their own hint);
- `naming(cols, expected)`: columns not named as the exercise names them, and how to rename them;
- `window_columns`, `when`, `duration`: how a window is read in a result, and shown in a hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from streamlab.i18n import Bilingual, Catalogue

HINTS = Catalogue.load("lab", "hints")
TEXTS = Catalogue.load("lab", "check")
SIBLINGS = ("ex1_read_kafka", "ex2_windowing", "ex3_output")


@dataclass
class Problem:
    code: str
    values: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The hint in `lang`; a value given in both languages (a Bilingual) takes `lang`'s."""
        return HINTS.text(self.code, lang, **self.values)


@dataclass
class Verdict:
    file: str
    problems: list[Problem]
    checked: Bilingual | None = None  # what a pass stands for

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def lines(self, lang: str) -> list[str]:
        if self.passed:
            return [TEXTS.text("pass", lang, file=self.file), f"  {self.checked[lang]}"]
        first, *more = self.problems
        return [
            TEXTS.text("fail", lang, file=self.file),
            TEXTS.text("first_hint", lang, code=first.code, text=first.text(lang)),
            *(TEXTS.text("more_hint", lang, code=p.code, text=p.text(lang)) for p in more),
        ]


def when(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%d %H:%M")


def duration(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def first_error(seen: dict) -> list[Problem]:
    """The problem that stopped the check before there was anything to judge, if any."""
    if "missing_function" in seen:
        return [Problem("missing_function", {"name": seen["missing_function"]})]
    if "not_checked" in seen:
        return [Problem("not_checked", seen["not_checked"])]
    if "timeout" in seen:
        return [Problem("timeout", {"seconds": f"{seen['timeout']:g}"})]
    if "not_a_query" in seen:
        return [Problem("not_a_query", {"type": seen["not_a_query"]})]
    err = seen.get("error")
    if not err:
        return [Problem("no_query")] if seen.get("no_query") else []
    return [_problem_of(err)]


def _problem_of(err: dict) -> Problem:
    """A learner's error as its hint: the mistakes the course's code leads to get their own."""
    spark_class = err.get("spark_class") or ""
    params, message = err.get("params") or {}, err.get("message") or ""
    if "checkpointLocation must be specified" in message:
        return Problem("checkpoint_required")
    if spark_class.startswith("UNRESOLVED_COLUMN"):
        column = params.get("objectName", "?")
        name = column.strip("`").split(".")[-1]
        why = TEXTS.both(f"why_{name}") if f"why_{name}" in TEXTS else ""
        return Problem("unresolved_column", {"column": column, "available": params.get("proposal", ""), "why": why})
    if spark_class in ("CANNOT_PARSE_INTERVAL",) or spark_class.startswith("INVALID_INTERVAL_FORMAT"):
        return Problem("bad_duration", {"text": params.get("intervalString") or params.get("input") or "?"})
    if spark_class.startswith("DATATYPE_MISMATCH") and "from_json" in params.get("sqlExpr", "") + message:
        if "BINARY" in params.get("inputType", "") + message:
            return Problem("value_not_cast")
    if "Distinct aggregations are not supported" in message:
        return Problem("distinct_count")
    if err.get("type") in ("ModuleNotFoundError", "ImportError"):
        module = next((s for s in SIBLINGS if f"'{s}'" in message), None)
        if module:
            return Problem("missing_sibling", {"module": module})
    if err.get("type") == "NotImplementedError":
        return Problem("todo", {"message": message})
    return Problem("error", {"type": err.get("type", "?"), "message": message})


def window_columns(cols: dict[str, str]) -> tuple[str, str] | None:
    if "window.start" in cols or "window" in cols:
        return "window.start", "window.end"
    if "window_start" in cols and "window_end" in cols:
        return "window_start", "window_end"
    return None


def naming(cols: dict[str, str], expected: list[str]) -> Problem | None:
    """Columns not named as the exercise names them: the hint says which to rename, and how."""
    found = [c for c in cols if c not in ("window_start", "window_end")]
    if "window_start" in cols and "window" not in cols:
        found.insert(0, "window_start, window_end")
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if not missing and not extra:
        return None
    values = {"found": ", ".join(cols), "expected": ", ".join(expected)}
    if missing == ["window"] and extra and extra[0] == "window_start, window_end":
        extra = extra[1:]
        how = TEXTS.both("rename_window")
        return Problem("column_name", {**values, "column": "window_start, window_end", "how": how})
    if missing and extra:
        column, name = extra[0], missing[0]
        return Problem(
            "column_name",
            {**values, "column": f"`{column}`", "how": TEXTS.both("rename_alias", column=column, name=name)},
        )
    return Problem(
        "column_name",
        {
            **values,
            "column": ", ".join(f"`{c}`" for c in extra or missing),
            "how": TEXTS.both("rename_extra", extra=", ".join(extra)),
        },
    )
