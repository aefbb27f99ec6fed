"""Metric names are defined once (streamlab.metric_catalog): the listener and the producer build
exactly those, docs/metrics.md's tables are generated from them, and every `streaming_*` or
`producer_*` name the dashboards, the report, the rules, their tests and the docs (the metrics
page, the course) use is one of them."""

import re

import yaml

from lab import generated
from lab.config.settings import ROOT
from producer.metrics import Metrics as ProducerMetrics
from streamlab import metric_catalog
from streamlab.listener import Metrics as StreamingMetrics

# Where PromQL or metric names are written by hand.
USERS = [
    "grafana/dashboards/*.json",
    "services/prometheus/rules/*.yml",
    "services/prometheus/tests/*.yml",
    "docs/metrics.md",
    "docs/course/*.md",
    "docs/es/curso/*.md",
    "src/lab/observe/runs.py",
    "src/lab/observe/figures.py",
    "src/lab/observe/dashboards.py",
    "tests/integration/test_observability.py",
]
NAME = re.compile(r"\b(?:streaming|producer)_[a-z_]+\b")
SERIES_SUFFIXES = ("", "_bucket", "_count", "_sum")


def families(registry) -> set[str]:
    return {m.name + ("_total" if m.type == "counter" else "") for m in registry.collect()}


def test_the_listener_and_the_producer_build_exactly_the_catalog():
    assert families(StreamingMetrics().registry) == {m.name for m in metric_catalog.STREAMING.values()}
    assert families(ProducerMetrics().registry) == {m.name for m in metric_catalog.PRODUCER.values()}
    assert len(metric_catalog.ALL) == len(metric_catalog.STREAMING) + len(metric_catalog.PRODUCER), "a name twice"


def test_the_metrics_doc_is_generated_from_the_catalog():
    text = generated.METRICS_DOC.read_text()
    assert text == generated.metrics_doc(text), "docs/metrics.md's tables are out of date: run `make generate`"
    for metric in metric_catalog.ALL.values():
        assert f"| `{metric.name}` | {metric.kind} |" in text


def test_every_metric_name_in_use_is_defined():
    recording = yaml.safe_load((ROOT / "services/prometheus/rules/recording.yml").read_text())
    derived = {rule["record"].split(":")[1] for group in recording["groups"] for rule in group["rules"]}
    known = {m + suffix for m in metric_catalog.ALL for suffix in SERIES_SUFFIXES} | derived
    files = [p for pattern in USERS for p in sorted(ROOT.glob(pattern))]
    assert len(files) >= 10
    unknown = {
        f"{p.relative_to(ROOT)}: {name}" for p in files for name in NAME.findall(p.read_text()) if name not in known
    }
    assert not unknown, f"metric names not in streamlab/metric_catalog.py: {sorted(unknown)}"
