"""`make demo`: the windowing job on live events, then where to look next.

`run(rt, settings, duration)` submits the job as `make submit` does (a 10 s trigger) and, when it
ends well, prints `closing_lines`: the Prometheus and Spark master URLs, and Grafana's only where
Grafana runs (the Docker runtime, unless GRAFANA=0). Lines in the language of `lang`
(streamlab.i18n).
"""

from __future__ import annotations

from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")
TRIGGER = "10 seconds"


def grafana_runs(settings, runtime_name: str) -> bool:
    """Grafana exists only in the Docker runtime, and GRAFANA=0 leaves it out there too."""
    return runtime_name == "docker" and settings.get("GRAFANA", "1") != "0"


def closing_lines(settings, runtime_name: str, lang: str | None = None) -> list[str]:
    host = settings.host
    say = MESSAGES.text
    lines = [
        "",
        say("demo_next", lang),
        say("demo_windows", lang),
        say(
            "demo_prometheus",
            lang,
            url=f"http://{host}:{settings['PROMETHEUS_PORT']}/graph?g0.expr=streaming_input_rows_per_second",
        ),
        say("demo_master_ui", lang, url=f"http://{host}:{settings['SPARK_MASTER_UI_PORT']}"),
    ]
    if grafana_runs(settings, runtime_name):
        lines.append(say("demo_grafana", lang, url=f"http://{host}:{settings['GRAFANA_PORT']}"))
    lines += [say("demo_other_jobs", lang), say("demo_done", lang)]
    return lines


def run(rt, settings, duration: int) -> int:
    code = rt.submit("windowing", ["--duration", str(duration), "--trigger", TRIGGER])
    if code == 0:
        print("\n".join(closing_lines(settings, rt.name)), flush=True)
    return code
