"""The dashboards' words in the learner's language, for `make report`'s charts: board and panel
titles, legends and the y axis of each unit. Grafana's dashboards keep their English.

Contract: the texts live in src/lab/messages/panels.toml, under codes made from the English
(`code("Kafka & producer")` is kafka_producer): board_<title>, panel_<title>, legend_<the legend's
words without its {{label}} parts>, unit_<Grafana unit>. `title`, `board`, `legend` and
`axis` return the text in `lang`; a legend keeps its {{label}} parts for the caller to fill.
tests/unit/test_panel_text.py checks that every board, panel, legend and unit of
lab.observe.dashboards has its texts, the English equal to the dashboard's.
"""

from __future__ import annotations

import re

from lab.observe.dashboards import Dashboard, Panel
from streamlab.i18n import Catalogue

TEXT = Catalogue.load("lab", "panels")
LABEL = re.compile(r"\{\{\w+\}\}")


def code(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def words(legend: str) -> str:
    """A legend without its {{label}} parts: the words a language changes."""
    return " ".join(LABEL.sub(" ", legend).split())


def board(dashboard: Dashboard, lang: str) -> str:
    return TEXT.text(f"board_{code(dashboard.title)}", lang)


def title(panel: Panel, lang: str) -> str:
    return TEXT.text(f"panel_{code(panel.title)}", lang)


def legend(template: str, lang: str) -> str:
    """The legend in `lang`, its {{label}} parts as they were."""
    found = words(template)
    if not found:
        return template
    return template.replace(found, TEXT.text(f"legend_{code(found)}", lang), 1)


def axis(unit: str, lang: str) -> str:
    return TEXT.text(f"unit_{unit}", lang)
