"""The bench's chart as a person sees the image: drawn from a real run's results, every label
inside the picture, none cut off at its edge or hidden by the legend, in English and in Spanish
(whose labels are longer)."""

import json

import pytest

from lab.bench import chart
from lab.config.settings import ROOT

RUNS = sorted((ROOT / "bench" / "results").glob("*.json"))


@pytest.mark.parametrize(
    "results, lang", [(r, "en") for r in RUNS[-2:]] + [(RUNS[-1], "es")], ids=lambda x: getattr(x, "stem", x)
)
def test_every_label_of_the_chart_is_inside_the_image(results, lang, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, "close", figures.append)  # keep the figure to measure it
    chart.draw(json.loads(results.read_text()), tmp_path / "chart.png", lang)
    [fig] = figures
    fig.canvas.draw()  # lay it out as savefig did
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # every drawn artist, labels and texts too, in inches
    width, height = fig.get_size_inches()
    assert len(fig.axes[0].texts) >= 5, "each bar should carry its figure"
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01, (
        f"something is drawn outside the {width} x {height} in image: {drawn}"
    )
    legend = fig.legends[0].get_window_extent()
    hidden = [t.get_text() for t in fig.axes[0].texts if t.get_window_extent().overlaps(legend)]
    assert hidden == [], f"the legend hides {hidden}"
    assert (tmp_path / "chart.png").stat().st_size > 10_000
    if lang == "es":
        ax = fig.axes[0]
        assert ax.get_xlabel() == "filas por segundo (escala logarítmica)"
        assert [t.get_text() for t in fig.legends[0].get_texts()][0].startswith("ConsumerPerformance de Kafka ")
