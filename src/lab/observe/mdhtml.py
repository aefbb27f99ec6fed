"""Markdown as a self-contained HTML page, for what a person opens in a browser: `make report`'s
report.html and `make bench`'s results page.

Contract: `page(title, text, lang=...)` renders `text` with Python-Markdown (its tables extension)
inside one page with the lab's style, marked as written in `lang` (es or en). Raw HTML in the
text comes out escaped, as literal text: a job's name, for one, is whatever --job says. Images
stay as the text links them; embed them first (`data_uri`) for a page that can be moved on its own.
"""

from __future__ import annotations

import base64
import html

import markdown

STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}th,td{border:1px solid #ccc;"
    "padding:4px 8px}table{border-collapse:collapse}figure{display:inline-block;margin:6px}img{width:520px}"
)


def fragment(text: str) -> str:
    """`text` as an HTML fragment."""
    md = markdown.Markdown(extensions=["tables"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(text)


def page(title: str, text: str, after: str = "", style: str = STYLE, lang: str = "en") -> str:
    """A whole page: `text` rendered, then `after` (HTML the caller made and escaped)."""
    return (
        f"<!doctype html><html lang='{html.escape(lang)}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{fragment(text)}{after}</body></html>\n"
    )


def data_uri(png: bytes) -> str:
    return f"data:image/png;base64,{base64.b64encode(png).decode()}"
