"""What a person sees in a browser: a page opened in Debian's headless Chromium through
Playwright (no browser is downloaded), read back as rendered text, images and positions.

`python -m tests.support.browser PAGE.html SHOT.png` writes a screenshot of a page as a person
first sees it: how docs/img/report-windowing.png was made from a real report.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path

CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
# As this machine's probe found: without these, Chromium's background connections to Google's
# hosts are refused, many at a time, by a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}  # a laptop's browser window
RAW_MARKDOWN = ("|---", "**", "## ", "![")  # Markdown syntax that must not survive rendering


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def opened(path: Path, shot: Path | None = None):
    """A page on the local file `path`, loaded with its images; on leaving, a screenshot of the
    first screen goes to `shot`, if given."""
    with browser() as chromium:
        page = chromium.new_page(viewport=VIEWPORT)
        page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=60_000)
        try:
            yield page
        finally:
            if shot:
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot))


def images(page) -> list[dict]:
    """Every <img>: its alt text and natural width (0: it did not load)."""
    return page.evaluate("() => [...document.images].map(i => ({alt: i.alt, width: i.naturalWidth}))")


def raw_markdown(page) -> list[str]:
    """The Markdown syntax left in the page's rendered text: empty when it rendered."""
    text = page.inner_text("body")
    return [mark for mark in RAW_MARKDOWN if mark in text]


def above_the_fold(page, selector: str) -> bool:
    """The element is wholly inside the first screen, without scrolling."""
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.support.browser PAGE.html SHOT.png", file=sys.stderr)
        return 2
    with opened(Path(argv[0]), Path(argv[1])):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
