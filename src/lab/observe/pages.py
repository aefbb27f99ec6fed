"""The report's pages from their templates (src/lab/observe/templates/*.j2, Jinja2): report.md and
report.html around the summary, and the renderer lab.observe.summary writes the summary with.

Contract: `render(name, lang, **context)` renders templates/<name> with `context` and
`t(code, **params)`, a message of report.toml in `lang`. Markdown templates (*.md.j2) are not
escaped: lab.observe.mdhtml escapes raw HTML when it renders them; HTML templates (*.html.j2)
escape every value. A name the template uses and the context lacks is an error. A block tag's line
leaves no line of its own (trim_blocks, lstrip_blocks); a template's final newline is kept.
`report_markdown(summary_md, charts, lang)` is report.md: the summary, then each chart under its
board's and panel's titles, linking its PNG. `report_html(job, summary_md, charts, lang)` is
report.html: one self-contained page (lab.observe.mdhtml), the charts embedded as data: URIs.
"""

from __future__ import annotations

import jinja2

from lab.observe import mdhtml
from lab.observe.chart import Chart
from lab.observe.wording import TEXT

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("lab.observe", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(name: str, lang: str, **context) -> str:
    def t(code: str, **params) -> str:
        return TEXT.text(code, lang, **params)

    return ENV.get_template(name).render(t=t, **context)


def report_markdown(summary_md: str, charts: list[Chart], lang: str = "en") -> str:
    return render("report.md.j2", lang, summary=summary_md, charts=charts)


def report_html(job: str, summary_md: str, charts: list[Chart], lang: str = "en") -> str:
    figures = [{"board": c.board, "panel": c.panel, "uri": mdhtml.data_uri(c.png)} for c in charts]
    after = render("charts.html.j2", lang, charts=figures)
    return mdhtml.page(TEXT.text("title", lang, job=job), summary_md, after, lang=lang)
