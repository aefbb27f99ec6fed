"""The bench's results as files: bench/results/<UTC start time>.json, .md, .html and .png.

`write(results, started, lang)` writes, under RESULTS_DIR and named by `started`:
- .json: the results as measured, the same in any language (json.dumps, indent 2);
- .png: the chart (lab.bench.chart), in `lang`;
- .md: the results page (lab.bench.page), in `lang`, linking the .png beside it;
- .html: the same page for a browser (lab.observe.mdhtml), the chart embedded so the file stands alone.
It prints the page and the four paths to stdout and returns the .json's path. `lang` defaults to
the learner's (streamlab.i18n.language()).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from lab.bench import chart, page
from lab.bench.wording import TEXT
from lab.config.settings import ROOT
from lab.observe import mdhtml
from streamlab.i18n import language

RESULTS_DIR = ROOT / "bench" / "results"
BENCH_STYLE = "img{width:750px}td{text-align:right}td:first-child{text-align:left}"


def write(results: dict, started: datetime, lang: str | None = None) -> Path:
    lang = lang or language()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = RESULTS_DIR / started.strftime("%Y%m%dT%H%M%SZ")
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    png = stem.with_suffix(".png")
    chart.draw(results, png, lang)
    text = page.render(results, started, png.name, lang)
    stem.with_suffix(".md").write_text(text)
    embedded = page.render(results, started, mdhtml.data_uri(png.read_bytes()), lang)
    html = mdhtml.page(page.title(results, started, lang), embedded, style=mdhtml.STYLE + BENCH_STYLE, lang=lang)
    stem.with_suffix(".html").write_text(html)
    print(text, end="", flush=True)
    paths = {k: f"{stem}.{k}" for k in ("json", "md", "html", "png")}
    print("\n" + TEXT.text("results", lang, **paths), flush=True)
    return stem.with_suffix(".json")
