"""The report's Prometheus client: PromQL over Prometheus' HTTP API (lab.system.httpclient).

Contract: `Prometheus(base)` (or `Prometheus.of(settings)`, the lab's) answers `range` (a
query_range), `instant` (a query at one time) and `samples` (a range selector's raw samples) as
lists of `Series`: a series' labels and its (Unix time, value) points. Every request goes through
`_get(path, params)`, the one method a recording or a replay overrides (tests/support/promrecord.py).
A Prometheus that does not answer, or that rejects a query, raises ReportError (prometheus_down,
prometheus_rejected): one line naming it, in the learner's language.

`over(prom, function, expr, start, end)` is one value of `function` (max_over_time,
last_over_time) over a run's [start, end]; `window(start, end)` is that range as a PromQL range
selector's duration, whole seconds covering both ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lab.config.settings import Settings
from lab.observe.wording import ReportError
from lab.system import httpclient

TIMEOUT_SECONDS = 30


@dataclass
class Series:
    labels: dict
    points: list[tuple[float, float]]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points if math.isfinite(v)]


class Prometheus:
    def __init__(self, base: str):
        self.base = base

    @classmethod
    def of(cls, settings: Settings) -> Prometheus:
        """The lab's Prometheus."""
        return cls(f"http://{settings.host}:{settings['PROMETHEUS_PORT']}")

    def _get(self, path: str, params: dict) -> dict:
        try:
            body = httpclient.get_json(f"{self.base}{path}", TIMEOUT_SECONDS, params)
        except httpclient.HttpError as exc:
            raise ReportError("prometheus_down", base=self.base, error=str(exc)) from None
        if body.get("status") != "success":
            raise ReportError("prometheus_rejected", query=params.get("query"), error=body.get("error"))
        return body["data"]

    def range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        data = self._get("/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step})
        return [Series(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in data["result"]]

    def instant(self, expr: str, at: float) -> list[Series]:
        data = self._get("/api/v1/query", {"query": expr, "time": at})
        return [Series(r["metric"], [(float(r["value"][0]), float(r["value"][1]))]) for r in data["result"]]

    def samples(self, selector: str, start: float, end: float) -> list[Series]:
        """The raw samples of `selector` in (start, end], at their scrape times."""
        data = self._get("/api/v1/query", {"query": f"{selector}[{max(1, math.ceil(end - start))}s]", "time": end})
        return [Series(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in data["result"]]


def window(start: float, end: float) -> str:
    return f"[{max(1, math.ceil(end - start) + 1)}s]"


def over(prom: Prometheus, function: str, expr: str, start: float, end: float) -> float | None:
    """`function` (max_over_time, last_over_time) of `expr` over [start, end]; None without samples.
    max_over_time of a counter is its value at the end of a run: each run is its own driver
    process, so its counters start at 0."""
    found = prom.instant(f"{function}({expr}{window(start, end)})", end)
    return found[0].values[0] if found and found[0].values else None
