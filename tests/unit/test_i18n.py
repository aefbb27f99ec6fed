"""The message catalogues (streamlab.i18n): every message in both languages, with the same
placeholders, and the language chosen as the README says."""

from pathlib import Path

import pytest

from lab.config.settings import ROOT
from streamlab.i18n import Bilingual, Catalogue, CatalogueError, language, number

CATALOGUES = sorted((ROOT / "src").glob("*/messages/*.toml"))


def load(path: Path) -> Catalogue:
    return Catalogue.load(path.parent.parent.name, path.stem)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT / "src")))
def test_every_message_has_both_languages_with_the_same_placeholders(path):
    catalogue = load(path)
    assert list(catalogue), f"{path.name} is empty"
    for code in catalogue:
        es, en = catalogue.placeholders(code, "es"), catalogue.placeholders(code, "en")
        assert es == en, f"{path.name} [{code}]: placeholders differ, es {sorted(es)} and en {sorted(en)}"


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, "en"),
        ({"LANG": "es_ES.UTF-8"}, "es"),
        ({"LANG": "es_MX.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LC_MESSAGES": "es_AR.UTF-8", "LANG": "C.UTF-8"}, "es"),
        ({"LANG": "es_ES.UTF-8", "LAB_LANG": "en"}, "en"),
        ({"LAB_LANG": "es"}, "es"),
        ({"LAB_LANG": "fr"}, "en"),
    ],
)
def test_the_language_is_lab_lang_else_the_locale(environ, expected):
    assert language(environ) == expected


def test_a_message_renders_in_each_language_and_its_pattern_matches_it():
    catalogue = Catalogue("t", {"rows": {"en": "read {rows} rows of {topic}", "es": "leídas {rows} filas de {topic}"}})
    topic = Bilingual("the topic", "el topic")
    assert catalogue.text("rows", "en", rows=3, topic=topic) == "read 3 rows of the topic"
    assert catalogue.text("rows", "es", rows=3, topic=topic) == "leídas 3 filas de el topic"
    assert catalogue.pattern("rows", "es").match(catalogue.text("rows", "es", rows=10, topic="x"))
    assert not catalogue.pattern("rows", "en").match(catalogue.text("rows", "es", rows=10, topic="x"))
    with pytest.raises(KeyError, match="no message 'nope'"):
        catalogue.text("nope", "en")


def test_numbers_are_written_as_each_language_writes_them():
    assert number(1234567.891, "en", 1) == "1,234,567.9"
    assert number(1234567.891, "es", 1) == "1.234.567,9"
    assert number(12, "es") == "12"


def test_a_missing_catalogue_says_to_ship_the_whole_package():
    """A zip of a package's .py files only (--py-files) has no messages/: one line that says so."""
    with pytest.raises(CatalogueError, match=r"^json/messages/nowhere\.toml is missing: .*zip -qr json\.zip json"):
        Catalogue.load("json", "nowhere")
