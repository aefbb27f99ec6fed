"""tests/support/language.py, which the LAB_LANG=es tests rely on to find English lines."""

import re

from tests.support.language import english_lines, reads_as_english


def test_a_catalogued_hint_in_english_is_found_and_in_spanish_is_not():
    english = "  Hint (no_rows): your query read no rows. The topic was filled before the query started, and so on"
    spanish = "  Pista (no_rows): tu consulta no leyó ninguna fila. Lo que sea"
    assert english_lines(english) == [english]
    assert english_lines(spanish) == []


def test_uncatalogued_english_prose_is_found_but_tables_paths_and_allowed_lines_are_not():
    output = "\n".join(
        [
            "Submitting windowing to spark://127.0.0.1:7077 (Ctrl-C stops it gracefully) ...",
            "Enviando windowing a spark://127.0.0.1:7077 (Ctrl-C lo para de forma ordenada) ...",
            "|2026-12-06 07:50:00|2026-12-06 07:55:00|DE |143   |",
            "+-------------------+-------------------+---+------+",
            "  - Prometheus: http://127.0.0.1:9090/graph?g0.expr=streaming_input_rows_per_second",
            "WARNING: Using incubator modules: jdk.incubator.vector and the rest",
        ]
    )
    found = english_lines(output, allowed=re.compile(r"^WARNING: Using incubator modules"))
    assert found == ["Submitting windowing to spark://127.0.0.1:7077 (Ctrl-C stops it gracefully) ..."]


def test_code_and_paths_do_not_make_a_spanish_line_english():
    assert not reads_as_english("usa `the_table.to_json()` en reports/windowing-x/report.md con JOB=the")
    assert reads_as_english("the lab is not up: run it first")
