"""The one rule for "keeps up": `make report`, `make bench` and the StreamingQueryFallingBehind
alert all use it.

A streaming query falls behind when its Kafka lag (the worst partition's offsets not yet read)
both grows and is large:
- it grows faster than GROWTH_SHARE of the input rate, per second. The lag is a sawtooth that
  drops at each batch, so a smaller rise is noise;
- and it ends above LAG_SECONDS of input (plus one trigger interval, as tall as the sawtooth),
  and above MIN_LAG offsets. A lag that is large but flat is a fixed delay, not falling behind.
Otherwise it keeps up.

`keeps_up(...)` is the rule as a pure function. `ALERT_EXPR` is the same rule in PromQL, for
services/prometheus/rules/alerts.yml; tests/static/test_verdict.py checks that the file holds
exactly it, and that promtool fires the alert on the cases the function says fall behind.
Prometheus does not know a job's trigger, so the alert allows LAG_SECONDS only.
"""

from __future__ import annotations

GROWTH_SHARE = 0.10
LAG_SECONDS = 10.0
MIN_LAG = 1000


def allowed_lag(input_rate: float, trigger_seconds: float = 0.0) -> float:
    """The largest lag, in offsets, that still counts as keeping up."""
    return max(float(MIN_LAG), (LAG_SECONDS + trigger_seconds) * input_rate)


def keeps_up(input_rate: float, lag_slope: float, lag_end: float, trigger_seconds: float = 0.0) -> bool:
    """`input_rate`: rows per second; `lag_slope`: offsets per second; `lag_end`: offsets."""
    growing = lag_slope > GROWTH_SHARE * input_rate
    return not (growing and lag_end > allowed_lag(input_rate, trigger_seconds))


_RATE = "avg_over_time(streaming_input_rows_per_second[2m])"
ALERT_EXPR = (
    f"lab:streaming_kafka_lag_slope:2m > on (job, query) group_left {GROWTH_SHARE:g} * {_RATE}"
    f' and on (job, query) streaming_kafka_offsets_behind_latest{{stat="max"}}'
    f" > on (job, query) group_left clamp_min({LAG_SECONDS:g} * {_RATE}, {MIN_LAG})"
)
