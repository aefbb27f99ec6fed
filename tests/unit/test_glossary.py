"""One Spanish term per concept: the glossary's variants to avoid appear in no Spanish text a learner
reads, outside code. The variants come from the glossary page's tables (docs/es/curso/glosario.md,
column "evitar"); the texts are the Spanish pages (docs/es/), the Spanish notebooks' Markdown cells,
the Spanish texts of every message catalogue and the Spanish figures' text."""

import json
import re
import tomllib
from xml.etree import ElementTree

from lab.config.settings import ROOT

GLOSSARY = ROOT / "docs" / "es" / "curso" / "glosario.md"

FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]+`")
LINK_TARGET = re.compile(r"\]\([^)\s]+\)")
URL = re.compile(r"https?://\S+")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def avoided() -> dict[str, str]:
    """Each variant to avoid -> the glossary's term for its concept."""
    variants = {}
    for line in GLOSSARY.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("concepto", "") or set(cells[0]) <= {"-"}:
            continue
        for variant in filter(None, (v.strip() for v in cells[3].split(","))):
            variants[variant] = cells[1]
    return variants


def prose(markdown: str) -> str:
    """Markdown without code (fences, spans), link targets and addresses: the words a reader reads."""
    return URL.sub("", LINK_TARGET.sub("]", CODE_SPAN.sub("", FENCE.sub("", markdown))))


def spanish_texts() -> list[tuple[str, str]]:
    """(where, text) for every Spanish text a learner reads, outside code."""
    texts = []
    for page in sorted((ROOT / "docs" / "es").rglob("*.md")):
        if page != GLOSSARY:
            texts.append((str(page.relative_to(ROOT)), prose(page.read_text())))
    for notebook in sorted((ROOT / "notebooks" / "es").glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                texts.append((f"{notebook.relative_to(ROOT)} (cell {i})", prose("".join(cell["source"]))))
    for catalogue in sorted(ROOT.glob("src/*/messages/*.toml")):
        for code, message in tomllib.loads(catalogue.read_text()).items():
            if isinstance(message, dict) and "es" in message:
                # A {placeholder} is a value's name, not prose.
                text = PLACEHOLDER.sub("", CODE_SPAN.sub("", message["es"]))
                texts.append((f"{catalogue.relative_to(ROOT)} [{code}]", text))
    for figure in sorted((ROOT / "docs" / "course" / "figures").glob("*.es.svg")):
        texts.append((str(figure.relative_to(ROOT)), " ".join(ElementTree.parse(figure).getroot().itertext())))
    return texts


def occurs(variant: str, text: str) -> bool:
    words = r"\s+".join(re.escape(word) for word in variant.split())
    return re.search(rf"(?<!\w){words}(?!\w)", text, re.I) is not None


def test_the_glossary_lists_variants_to_avoid():
    variants = avoided()
    for variant, term in (("watermark", "marca de agua"), ("fichero", "archivo"), ("ejecutor", "executor")):
        assert variants.get(variant) == term, f"the glossary must list {variant!r} as a variant of {term!r}"


def test_no_spanish_text_uses_a_variant_the_glossary_avoids():
    variants = avoided()
    wrong = sorted(
        f"{where}: {variant!r} (say {variants[variant]!r})"
        for where, text in spanish_texts()
        for variant in variants
        if occurs(variant, text)
    )
    assert not wrong, "Spanish text with a variant the glossary avoids:\n" + "\n".join(wrong)


def test_the_check_finds_a_variant_in_prose_but_not_in_code():
    assert occurs("watermark", "la watermark de 10 minutos")
    assert occurs("mal formado", "un registro mal\nformado")
    assert not occurs("watermark", prose("usa `withWatermark` y `watermark`"))
    assert not occurs("watermark", prose("[guía](https://x.org/#late-data-and-watermarking)"))
    assert not occurs("lote", "lotería")
