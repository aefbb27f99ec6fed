"""The Grafana dashboards (and docs/metrics.md's tables) are generated from code and stay in step with it."""

import json
import re

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from lab import generated
from lab.config.settings import ROOT, load
from lab.observe import dashboards


def test_committed_generated_files_match_the_spec():
    for path, text in generated.render_all().items():
        assert path.exists(), f"{path.name} is missing: run `make generate`"
        assert path.read_text() == text, f"{path.name} is out of date: run `make generate`"


def test_every_panel_uses_the_provisioned_datasource_and_has_a_query():
    provisioned = (ROOT / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    assert "uid: lab-prometheus" in provisioned
    for path in dashboards.DASHBOARD_DIR.glob("*.json"):
        board = json.loads(path.read_text())
        assert board["panels"], path.name
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == "lab-prometheus"
            assert panel["targets"] and all(t["expr"] for t in panel["targets"])


def test_dashboards_cover_what_the_review_needs():
    titles = {p.title for d in dashboards.DASHBOARDS for p in d.panels}
    for needed in (
        "Input vs processed rate",
        "Batch duration phases (last batch)",
        "Event latency p50 / p95 / p99",
        "Kafka lag (offsets behind latest)",
        "Watermark delay",
        "State rows",
        "Late rows dropped (per second)",
        "Rows per batch",
        "Alive workers",
        "JVM heap used",
        "GC time (share of wall clock)",
    ):
        assert needed in titles


def test_recording_rules_used_by_panels_exist():
    rules = (ROOT / "services" / "prometheus" / "rules" / "recording.yml").read_text()
    for d in dashboards.DASHBOARDS:
        for p in d.panels:
            for t in p.targets:
                if t.expr.startswith("lab:"):
                    assert f"record: {t.expr.split('{')[0]}" in rules


def test_the_json_is_grafanas_schema_at_the_labs_grafana():
    """The Grafana SDK is pinned to .env's Grafana, and the committed JSON reads back into its model unchanged."""
    lock = (ROOT / "requirements.txt").read_text()
    grafana = re.escape(load(environ={})["GRAFANA_VERSION"])
    assert re.search(rf"^grafana_foundation_sdk==\d+!{grafana}$", lock, re.M), "the SDK's build for another Grafana"
    for path in dashboards.DASHBOARD_DIR.glob("*.json"):
        board = json.loads(path.read_text())
        assert json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder)) == board, path.name
