"""The files generated from code, which `make generate` rewrites and the static tests check:
- grafana/dashboards/*.json, from lab.observe.dashboards;
- docs/metrics.md's metric tables, from streamlab.metric_catalog (the rest of that page is prose);
- the learners' exercise notebooks (notebooks/*/), from the instructors' (lab.course.notebook_versions).

`render_all()` returns {path: the text it should hold}; `write_all()` writes what differs.
"""

from __future__ import annotations

import re
from pathlib import Path

from lab.config.settings import ROOT
from lab.course import notebook_versions
from lab.observe import dashboards
from streamlab import metric_catalog

METRICS_DOC = ROOT / "docs" / "metrics.md"
# A generated table sits between these two lines; the name says which.
_TABLE = re.compile(r"(<!-- generated: (\w+) .*?-->\n).*?(\n<!-- end of generated table -->)", re.S)
TABLES = {"streaming": (metric_catalog.STREAMING, "extra labels"), "producer": (metric_catalog.PRODUCER, "labels")}


def metrics_doc(text: str) -> str:
    """docs/metrics.md with its generated tables rewritten from the catalog."""

    def table(match: re.Match) -> str:
        metrics, heading = TABLES[match.group(2)]
        return match.group(1) + metric_catalog.doc_table(metrics, heading) + match.group(3)

    out, count = _TABLE.subn(table, text)
    if count != len(TABLES):
        raise ValueError(f"{METRICS_DOC.name}: expected {len(TABLES)} generated tables, found {count}")
    return out


def render_all() -> dict[Path, str]:
    return {
        **dashboards.render_all(),
        METRICS_DOC: metrics_doc(METRICS_DOC.read_text()),
        **notebook_versions.render_all(),
    }


def write_all() -> list[Path]:
    dashboards.DASHBOARD_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in render_all().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written
