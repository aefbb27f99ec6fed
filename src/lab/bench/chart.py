"""The results page's chart: the Spark ladder's drain rates and per-row ceilings beside Kafka's.

`draw(results, path, lang)` writes a PNG (750 x 420 px) of the results' ladder in `lang` (es or
en): per stage its drain rate and its cost fit's per-row ceiling 1/b (none without a fit), a log
scale, and ConsumerPerformance's ceiling as a dashed line. Every label lies inside the image and
the legend, below the bars, hides none (tests/unit/test_bench_chart.py).
"""

from __future__ import annotations

from pathlib import Path

from lab.bench.wording import Words


def draw(results: dict, path: Path, lang: str = "en") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = Words(lang)
    ladder = results["ladder"]
    names = list(ladder)[::-1]
    drain = [ladder[n]["rows_per_second"] for n in names]
    top = [((ladder[n].get("cost") or {}).get("ceiling_rows_per_second") or 0) for n in names]
    ceiling = results["consumer_ceiling_records_per_second"]
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=100, layout="constrained")
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], drain, height=0.4, color="#4c72b0", label=w("chart_drain"))
    ax.barh([y - 0.2 for y in ys], top, height=0.4, color="#dd8452", label=w("chart_per_row"))
    ax.axvline(ceiling, color="#333333", linestyle="--", linewidth=1, label=w("chart_consumer", value=w.n(ceiling)))
    ax.set_yticks(list(ys), names)
    ax.set_xscale("log")
    ax.set_xlabel(w("chart_axis"))
    ax.set_title(w("chart_title"), fontsize=10)
    for y, (d, t) in enumerate(zip(drain, top, strict=True)):
        ax.text(d, y + 0.2, f" {w.n(d)}", va="center", fontsize=7)
        if t:
            ax.text(t, y - 0.2, f" {w.n(t)}", va="center", fontsize=7)
    fig.legend(fontsize=7, loc="outside lower center", ncol=3)  # below the bars: it never hides one
    fig.savefig(path)
    plt.close(fig)
