"""The alert rules agree with the one "keeps up" rule (lab.observe.verdict): the file holds its PromQL,
and promtool fires StreamingQueryFallingBehind on exactly the cases the function says fall behind."""

import shutil
import subprocess

import pytest
import yaml

from lab.config.paths import SERVICES_DIR
from lab.observe.verdict import ALERT_EXPR, keeps_up

RULES = SERVICES_DIR / "prometheus" / "rules"
PROMTOOL = shutil.which("promtool")
STEP, EVAL_MINUTES = 15, 6
# (name, input rows/s, lag slope offsets/s, lag at the start): either side of each threshold.
CASES = [
    ("behind", 100, 40, 2000),
    ("flat_delay", 100, 0, 50_000),
    ("sawtooth", 1000, 500, 0),
    ("slow_growth", 1000, 90, 100_000),
    ("fast_growth", 1000, 120, 100_000),
    ("tiny", 10, 5, 0),
    ("tiny_but_big", 10, 5, 5000),
    ("idle", 0, 0, 0),
]


def lag_at(minutes: float, slope: float, start: float) -> float:
    return start + slope * minutes * 60


def falling_behind_rule() -> dict:
    alerts = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"][0]["rules"]
    return next(r for r in alerts if r.get("alert") == "StreamingQueryFallingBehind")


def annotations(query: str, slope: float) -> dict[str, str]:
    """The alert's annotations for job j, as Prometheus renders them ($value is the slope; humanize: %.4g)."""
    out = {}
    for key, text in falling_behind_rule()["annotations"].items():
        for template, value in (
            ("{{ $labels.job }}", "j"),
            ("{{ $labels.query }}", query),
            ("{{ $value | humanize }}", f"{slope:.4g}"),
        ):
            text = text.replace(template, value)
        out[key] = text
    return out


def test_the_alert_rules_hold_the_rule_as_verdict_writes_it():
    assert falling_behind_rule()["expr"] == ALERT_EXPR
    alerts = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"][0]["rules"]
    assert not any(r.get("alert") == "StreamingKafkaLagGrowing" for r in alerts), "one rule, not two"


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is installed by `make install` (Debian's prometheus)")
def test_promtool_fires_the_alert_exactly_where_the_function_says_falls_behind(tmp_path):
    series, expected = [], []
    samples = EVAL_MINUTES * 60 // STEP + 4
    for name, rate, slope, start in CASES:
        # the alert needs its condition for 2 minutes: a case must not cross a threshold meanwhile
        verdicts = {keeps_up(rate, slope, lag_at(m, slope, start)) for m in (EVAL_MINUTES - 2, EVAL_MINUTES)}
        assert len(verdicts) == 1, f"case {name} crosses a threshold during the alert's 2 minutes"
        labels = f'job="j",query="{name}"'
        series += [
            {"series": f"streaming_input_rows_per_second{{{labels}}}", "values": f"{rate}x{samples}"},
            {
                "series": f'streaming_kafka_offsets_behind_latest{{{labels},stat="max"}}',
                "values": f"{start}+{slope * STEP}x{samples}",
            },
        ]
        if not verdicts.pop():
            expected.append(
                {
                    "exp_labels": {"severity": "warning", "job": "j", "query": name, "stat": "max"},
                    "exp_annotations": annotations(name, slope),
                }
            )
    assert 2 <= len(expected) < len(CASES), "the cases should fall on both sides"
    test = {
        "rule_files": [str(RULES / "recording.yml"), str(RULES / "alerts.yml")],
        "evaluation_interval": f"{STEP}s",
        "tests": [
            {
                "interval": f"{STEP}s",
                "input_series": series,
                "alert_rule_test": [
                    {
                        "eval_time": f"{EVAL_MINUTES}m",
                        "alertname": "StreamingQueryFallingBehind",
                        "exp_alerts": expected,
                    }
                ],
            }
        ],
    }
    path = tmp_path / "verdict_test.yml"
    path.write_text(yaml.safe_dump(test))
    proc = subprocess.run([PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
