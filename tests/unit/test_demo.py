"""`make demo`'s closing lines (lab.course.demo): in the learner's language, and pointing to Grafana only
where it runs (the Docker runtime, unless GRAFANA=0)."""

import pytest

from lab.config.settings import load
from lab.course import demo
from tests.support.language import english_lines

URLS = {
    "prometheus": "http://127.0.0.1:9090/graph?g0.expr=streaming_input_rows_per_second",
    "master": "http://127.0.0.1:8080",
    "grafana": "http://127.0.0.1:3000",
}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    "runtime, grafana, shown",
    [("docker", "1", True), ("docker", "0", False), ("local", "1", False), ("local", "0", False)],
)
def test_the_closing_lines_point_where_the_lab_runs(lang, runtime, grafana, shown):
    settings = load(environ={"GRAFANA": grafana})
    lines = demo.closing_lines(settings, runtime, lang)
    text = "\n".join(lines)
    assert URLS["prometheus"] in text and URLS["master"] in text
    assert (URLS["grafana"] in text) is shown
    assert ("Grafana" in text) is shown, "no word of Grafana where it does not run"
    assert lines[0] == "" and lines[-1].endswith("make down")
    if lang == "es":
        assert lines[1] == "Dónde mirar ahora:"
        assert english_lines(text) == [], english_lines(text)
    else:
        assert lines[1] == "Where to look next:"
        assert "  - the Spark master UI: http://127.0.0.1:8080" in lines


def test_the_closing_lines_follow_the_settings_ports():
    settings = load(environ={"PROMETHEUS_PORT": "19090", "SPARK_MASTER_UI_PORT": "18080", "GRAFANA_PORT": "13000"})
    text = "\n".join(demo.closing_lines(settings, "docker", "en"))
    assert ":19090/graph" in text and "http://127.0.0.1:18080" in text and "http://127.0.0.1:13000" in text
