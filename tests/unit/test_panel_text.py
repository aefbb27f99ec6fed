"""The dashboards' words in both languages for the report's charts (lab.observe.panel_text): every board,
panel, legend and unit of lab.observe.dashboards has its texts, the English the dashboard's own, and the
catalogue holds nothing else."""

from lab.observe import panel_text
from lab.observe.dashboards import DASHBOARDS
from tests.support.language import english_lines


def used() -> dict[str, str]:
    """code -> the dashboards' English, for every text the charts show."""
    found = {}
    for board in DASHBOARDS:
        found[f"board_{panel_text.code(board.title)}"] = board.title
        for panel in board.panels:
            found[f"panel_{panel_text.code(panel.title)}"] = panel.title
            found[f"unit_{panel.unit}"] = panel_text.TEXT.messages.get(f"unit_{panel.unit}", {}).get("en", "?")
            for target in panel.targets:
                words = panel_text.words(target.legend)
                if words:
                    found[f"legend_{panel_text.code(words)}"] = words
    return found


def test_every_text_the_charts_show_is_in_the_catalogue_with_the_dashboards_english():
    expected = used()
    assert sorted(panel_text.TEXT) == sorted(expected), "panels.toml and the dashboards differ"
    wrong = {c: (panel_text.TEXT.text(c, "en"), e) for c, e in expected.items() if panel_text.TEXT.text(c, "en") != e}
    assert not wrong, f"English that is not the dashboards' own: {wrong}"


def test_a_panel_in_spanish():
    streaming = DASHBOARDS[0]
    assert panel_text.board(streaming, "es") == "Rendimiento del streaming"
    assert panel_text.title(streaming.panels[0], "es") == "Tasa de entrada frente a tasa de procesamiento"
    assert [panel_text.legend(t.legend, "es") for t in streaming.panels[0].targets] == [
        "entrada {{query}}",
        "procesadas {{query}}",
    ]
    assert panel_text.legend("{{query}} {{phase}}", "es") == "{{query}} {{phase}}"
    assert panel_text.legend("executor {{executor_id}}", "es") == "executor {{executor_id}}"
    assert panel_text.axis("percentunit", "es") == "fracción del tiempo"
    titles = [panel_text.title(p, "es") for b in DASHBOARDS for p in b.panels]
    assert english_lines("\n".join(titles)) == []
