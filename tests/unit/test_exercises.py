"""The exercises' check, without a lab: the input's truth, and every judge on observations shaped as
jobs/_check.py writes them. tests/integration/test_exercises.py runs the real thing."""

import re
from collections import Counter

import pytest

from lab.config.settings import ROOT
from lab.course import exercises as ex
from lab.kafka.reading import Record
from tests.support.language import english_lines

US = 1_000_000


@pytest.fixture(scope="module")
def records():
    return [Record("t", 0, i, e.key, e.value, {}) for i, e in enumerate(ex.input_events())]


@pytest.fixture(scope="module")
def truth(records):
    return ex.truth_of(records)


def test_the_input_has_malformed_and_late_records_and_three_batches(records, truth):
    assert truth.records == len(records) == 564
    assert truth.malformed == 16  # from the seed: fixed
    assert truth.late == 24  # every page view of the late part
    assert sum(truth.counts.values()) == len(truth.events) - truth.late
    assert {e - s for s, e, _ in truth.counts} == {300 * US}
    assert len(truth.counts) == 45  # 9 windows (10:00-10:45) x 5 countries


def test_the_truth_refuses_an_input_that_straddles_the_watermark(records):
    # Part A in one batch: the late part comes in the next, where the watermark that evicts state
    # has passed its windows and the one that drops late events has not.
    with pytest.raises(AssertionError, match="straddle"):
        ex.truth_of(records, batch=480)


def seen_2(counts, watermarks=(("event_time", "10 minutes"),), window="window"):
    rows = [{f"{window}.start": s, f"{window}.end": e, "country": c, "count": n} for (s, e, c), n in counts.items()]
    return {
        "file": "ex2.py",
        "columns": {window: "struct<start:timestamp,end:timestamp>", "country": "string", "count": "bigint"},
        "watermarks": [{"column": c, "delay": d} for c, d in watermarks],
        "batches": [rows[:10], rows[10:]],
    }


def codes(verdict):
    return [p.code for p in verdict.problems]


def test_judge_2_passes_the_exact_counts_in_both_languages(truth):
    verdict = ex.judge_2(seen_2(truth.counts), truth)
    assert verdict.passed, verdict.lines("en")
    assert verdict.lines("en")[0] == "ex2.py: PASS"
    assert "45 (window, country) counts exact" in verdict.lines("en")[1]
    assert "45 conteos por (ventana, país) exactos" in ex.judge_2(seen_2(truth.counts), truth).lines("es")[1]


def test_judge_2_update_mode_keeps_each_windows_latest_count(truth):
    seen = seen_2(truth.counts)
    first = dict(seen["batches"][1][0])
    seen["batches"].insert(0, [{**first, "count": first["count"] - 1}])  # an earlier, smaller count
    assert ex.judge_2(seen, truth).passed


def test_judge_2_hints(truth):
    late_counted = truth.counts + Counter({k: 1 for k in list(truth.counts)[:3]})
    assert codes(ex.judge_2(seen_2(truth.counts, watermarks=()), truth)) == ["missing_watermark"]
    assert codes(ex.judge_2(seen_2(late_counted, watermarks=()), truth)) == ["missing_watermark"]
    assert codes(ex.judge_2(seen_2(truth.counts, watermarks=[("event_time", "1 hour")]), truth)) == ["watermark_delay"]
    assert codes(ex.judge_2(seen_2(truth.counts, watermarks=[("timestamp", "10 minutes")]), truth)) == [
        "watermark_column"
    ]
    now = 1_795_000_000 * US
    assert codes(ex.judge_2(seen_2({(now, now + 300 * US, "ES"): 3}), truth)) == ["processing_time"]
    ten = {(s, s + 600 * US, c): n for (s, _, c), n in truth.counts.items()}
    assert codes(ex.judge_2(seen_2(ten), truth)) == ["window_length"]
    sliding = truth.counts + Counter({(s + 60 * US, e + 60 * US, c): n for (s, e, c), n in truth.counts.items()})
    assert codes(ex.judge_2(seen_2(sliding), truth)) == ["sliding_windows"]
    verdict = ex.judge_2(seen_2(late_counted), truth)
    assert codes(verdict) == ["counts_differ"]
    assert "3 of 45 (window, country) counts differ" in verdict.lines("en")[1]


def renamed(seen, columns, names):
    """`seen` with its columns as `columns`, each row's fields renamed by `names` (old -> new)."""
    seen["columns"] = columns
    for batch in seen["batches"]:
        for r in batch:
            for old, new in names.items():
                r[new] = r.pop(old)
    return seen


def test_judge_2_names_the_column_to_rename_when_the_counts_are_right(truth):
    seen = renamed(
        seen_2(truth.counts),
        {"window": "struct<start:timestamp,end:timestamp>", "country": "string", "count(country)": "bigint"},
        {"count": "count(country)"},
    )
    verdict = ex.judge_2(seen, truth)
    assert codes(verdict) == ["column_name"]
    assert verdict.lines("en")[1] == (
        "  Hint (column_name): your result's columns are window, country, count(country); the exercise names them "
        'window, country, count. Rename `count(country)`: .alias("count") on the expression that makes it, or '
        '.withColumnRenamed("count(country)", "count").'
    )
    assert "Renombra `count(country)`" in verdict.lines("es")[1]
    flat = renamed(
        seen_2(truth.counts),
        {"window_start": "timestamp", "window_end": "timestamp", "country": "string", "count": "bigint"},
        {"window.start": "window_start", "window.end": "window_end"},
    )
    assert codes(ex.judge_2(flat, truth)) == ["column_name"]
    assert "keep the `window` column" in ex.judge_2(flat, truth).lines("en")[1]
    extra = seen_2(truth.counts)
    extra["columns"]["views"] = "bigint"
    assert codes(ex.judge_2(extra, truth)) == ["column_name"]
    assert "leave out the columns the exercise does not name (views)" in ex.judge_2(extra, truth).lines("en")[1]


def test_judge_2_puts_the_name_last_when_the_counts_are_wrong_too(truth):
    seen = renamed(
        seen_2(truth.counts, watermarks=()),
        {"window": "struct<start:timestamp,end:timestamp>", "country": "string", "n": "bigint"},
        {"count": "n"},
    )
    assert codes(ex.judge_2(seen, truth)) == ["missing_watermark", "column_name"]


def error(spark_class=None, params=None, message="", type_="AnalysisException"):
    return {"type": type_, "spark_class": spark_class, "params": params or {}, "message": message}


@pytest.mark.parametrize(
    "err, code",
    [
        (
            error("CANNOT_PARSE_INTERVAL", {"intervalString": "'5 mins'"}, "[CANNOT_PARSE_INTERVAL] Unable to parse"),
            "bad_duration",
        ),
        (
            error(
                "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                {"sqlExpr": '"from_json(value)"', "inputType": '"BINARY"', "requiredType": '"STRING"'},
                '[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "from_json(value)"',
            ),
            "value_not_cast",
        ),
        (
            error(
                "_LEGACY_ERROR_TEMP_3102",
                {},
                "Distinct aggregations are not supported on streaming DataFrames/Datasets.",
            ),
            "distinct_count",
        ),
        (error(None, {}, "No module named 'ex2_windowing'", "ModuleNotFoundError"), "missing_sibling"),
        (error(None, {}, "main: TODO 1-4", "NotImplementedError"), "todo"),
        (error(None, {}, "boom", "ZeroDivisionError"), "error"),
    ],
)
def test_the_errors_the_courses_code_leads_to_get_their_own_hint(truth, err, code):
    verdict = ex.judge_2({"file": "ex.py", "error": err}, truth)
    assert codes(verdict) == [code]
    assert not english_lines(verdict.lines("es")[1])


def test_a_file_that_ran_out_of_time_or_lost_its_driver_has_a_verdict_of_its_own(truth):
    verdict = ex.judge_3({"file": "ex3.py", "timeout": 120.0}, truth)
    assert codes(verdict) == ["timeout"]
    assert "ran out of its 120 s" in verdict.lines("en")[1]
    lost = ex.judge_1({"file": "ex1.py", "not_checked": {"code": 137, "last": "Killed"}}, truth)
    assert codes(lost) == ["not_checked"]
    assert "(exit 137); its last line: Killed" in lost.lines("en")[1]


def test_judge_2_explains_the_courses_columns(truth):
    error = {
        "type": "AnalysisException",
        "spark_class": "UNRESOLVED_COLUMN.WITH_SUGGESTION",
        "params": {"objectName": "`key`", "proposal": "`country`, `page`"},
        "message": "[UNRESOLVED_COLUMN.WITH_SUGGESTION] ...",
    }
    verdict = ex.judge_2({"file": "ex2.py", "error": error}, truth)
    assert codes(verdict) == ["unresolved_column"]
    assert 'count per country: groupBy(window(...), "country")' in verdict.lines("en")[1]
    assert 'cuenta por país: groupBy(window(...), "country")' in verdict.lines("es")[1]
    missing = ex.judge_2({"file": "ex2.py", "columns": {"window": "struct", "count": "bigint"}}, truth)
    assert codes(missing) == ["missing_columns"]
    assert codes(ex.judge_2({"file": "ex2.py", "missing_function": "windowed_counts"}, truth)) == ["missing_function"]


def seen_1(truth, rows=None, columns=None, streaming=True):
    rows = list(truth.events.values()) if rows is None else rows
    return {
        "file": "ex1.py",
        "streaming": streaming,
        "columns": columns or dict.fromkeys(next(iter(truth.events.values())), "string"),
        "batches": [rows],
    }


def test_judge_1(truth):
    assert ex.judge_1(seen_1(truth), truth).passed
    assert codes(ex.judge_1(seen_1(truth, streaming=False), truth)) == ["not_streaming"]
    assert codes(ex.judge_1(seen_1(truth, rows=[]), truth)) == ["no_rows"]
    kafka = {"key": "binary", "value": "binary", "topic": "string", "timestamp": "timestamp"}
    assert codes(ex.judge_1(seen_1(truth, columns=kafka), truth)) == ["not_parsed"]
    nulls = [*truth.events.values(), dict.fromkeys(next(iter(truth.events.values())))]
    verdict = ex.judge_1(seen_1(truth, rows=nulls), truth)
    assert codes(verdict) == ["malformed_kept"]
    assert verdict.lines("en")[1].startswith("  Hint (malformed_kept): 1 rows lack a required field")
    rows = list(truth.events.values())
    changed = [{**rows[0], "country": "XX"}, *rows[1:-1], rows[1]]
    verdict = ex.judge_1(seen_1(truth, rows=changed), truth)
    assert codes(verdict) == ["rows_differ"]
    assert "1 missing, 0 that are not in it, 1 repeated, 1 with other values" in verdict.lines("en")[1]
    assert "country='XX', not" in verdict.lines("en")[1]


def seen_3(mode="Complete", checkpoint="/run/cp", sink="org.apache.spark.sql.execution.streaming.ConsoleTable$@1"):
    def run(rows):
        return {
            "sink": sink,
            "output_mode": mode,
            "checkpoint": f"file:{checkpoint}",
            "progress": [{"batch": i, "input_rows": n} for i, n in enumerate(rows)],
        }

    again = [240, 240, 84] if "temporary-" in checkpoint else [0]
    return {"file": "ex3.py", "given_checkpoint": "/run/cp", "runs": [run([240, 240, 84]), run(again)]}


def test_judge_3(truth):
    verdict = ex.judge_3(seen_3(), truth)
    assert verdict.passed
    assert "3 batches, then a restart that carried on" in verdict.lines("en")[1]
    assert codes(ex.judge_3(seen_3(mode="Update"), truth)) == ["output_mode"]
    assert codes(ex.judge_3(seen_3(checkpoint="/tmp/temporary-123"), truth)) == ["no_checkpoint", "started_over"]
    assert codes(ex.judge_3(seen_3(checkpoint="/checkpoint"), truth)) == ["checkpoint_elsewhere"]
    assert codes(ex.judge_3(seen_3(sink="org.apache.spark.sql.execution.streaming.sources.MemorySink@2"), truth)) == [
        "sink"
    ]


def test_judge_3_a_function_that_waits_in_await_termination_gets_its_own_hint_first(truth):
    seen = seen_3(mode="Update")
    seen.update(await_termination=True, runs=seen["runs"][:1])
    verdict = ex.judge_3(seen, truth)
    assert codes(verdict) == ["await_termination", "output_mode"]
    assert "right at the end of a script (exercise 4)" in verdict.lines("en")[1]
    assert "va bien al final de un script (el ejercicio 4)" in verdict.lines("es")[1]


def live_truth(n=60):
    """Exercise 4's truth for n live page views (no Kafka: records made from the generator's events)."""
    events = [e for e in ex.live_events(now=1_795_000_000) if not e.malformed][:n]
    return ex.pipeline_truth_of([Record("t", 0, i, e.key, e.value, {}) for i, e in enumerate(events)], late=3)


def seen_4(truth, read=(20, 40), second_checkpoint="/run/cp/pipeline", state=None, returned_early=False):
    def run(rows, checkpoint):
        return {
            "sink": "org.apache.spark.sql.execution.streaming.ConsoleTable$@1",
            "output_mode": "Complete",
            "checkpoint": f"file:{checkpoint}",
            "progress": [{"batch": 0, "input_rows": rows}],
        }

    rows = [
        {"window_start": s, "window_end": e, "country": c, "count": n}
        for (s, e, c), n in (state or truth.counts).items()
    ]
    seen = {
        "file": "ex4.py",
        "runs": [run(read[0], "/run/cp/pipeline"), run(read[1], second_checkpoint)],
        "state": rows,
    }
    return {**seen, "returned_early": True} if returned_early else seen


def test_judge_4():
    truth = live_truth()
    verdict = ex.judge_4(seen_4(truth), truth)
    assert verdict.passed, verdict.lines("en")
    assert (
        "read 60 live records in two runs on one checkpoint (20 before the restart, 40 after" in verdict.lines("en")[1]
    )
    assert codes(ex.judge_4(seen_4(truth, read=(20, 60), second_checkpoint="/run/cp/pipeline-2"), truth)) == [
        "started_over"
    ]
    wrong = truth.counts.copy()
    wrong[next(iter(wrong))] += 1
    assert codes(ex.judge_4(seen_4(truth, state=wrong), truth)) == ["counts_differ"]
    assert codes(ex.judge_4(seen_4(truth, returned_early=True), truth)) == ["no_wait"]
    assert codes(ex.judge_4(seen_4(truth, read=(20, 30)), truth)) == ["incomplete"]
    assert codes(ex.judge_4({"file": "ex4.py", "runs": [], "no_query": True}, truth)) == ["no_query"]


def test_files_default_to_the_learners_own_and_stay_in_the_project():
    assert ex.files_of("2", []) == [("2", "exercises/ex2_windowing.py")]
    assert ex.files_of("2", ["instructors/wrong-answers/ex2_*.py"]) == [
        ("2", "instructors/wrong-answers/ex2_bad_duration.py"),
        ("2", "instructors/wrong-answers/ex2_count_column.py"),
        ("2", "instructors/wrong-answers/ex2_distinct_count.py"),
        ("2", "instructors/wrong-answers/ex2_no_watermark.py"),
        ("2", "instructors/wrong-answers/ex2_processing_time.py"),
        ("2", "instructors/wrong-answers/ex2_window_length.py"),
    ]
    with pytest.raises(ex.UsageError, match="unknown exercise '7'"):
        ex.files_of("7", [])
    with pytest.raises(ex.UsageError, match="el ejercicio '7' no existe"):
        ex.files_of("7", [], "es")
    with pytest.raises(ex.UsageError, match="no file matches"):
        ex.files_of("1", ["nowhere/*.py"])
    with pytest.raises(ex.UsageError, match="inside the project folder"):
        ex.files_of("1", ["/etc/hostname"])


def test_without_an_exercise_every_exercise_is_checked_each_file_under_the_one_its_name_says():
    own = [(number, f"exercises/{name}") for number, name in ex.EXERCISES.items()]
    assert ex.files_of("", []) == ex.files_of("all", []) == own
    files = ["instructors/solutions/capstone.py", "exercises/ex3_output.py", "instructors/wrong-answers/ex1_*.py"]
    assert ex.files_of("", files) == [
        ("1", "instructors/wrong-answers/ex1_batch_read.py"),
        ("1", "instructors/wrong-answers/ex1_latest_offsets.py"),
        ("1", "instructors/wrong-answers/ex1_malformed_kept.py"),
        ("1", "instructors/wrong-answers/ex1_value_not_cast.py"),
        ("3", "exercises/ex3_output.py"),
        ("capstone", "instructors/solutions/capstone.py"),
    ]
    assert ex.files_of("2", ["instructors/solutions/ex1_read_kafka.py"]) == [
        ("2", "instructors/solutions/ex1_read_kafka.py")  # EXERCISE decides
    ]
    with pytest.raises(ex.UsageError, match="README.md: which exercise is it"):
        ex.files_of("", ["README.md"])
    with pytest.raises(ex.UsageError, match="README.md: ¿de qué ejercicio es"):
        ex.files_of("all", ["README.md"], "es")


def test_every_exercise_has_a_starter_a_solution_and_wrong_answers_that_name_their_hint():
    for number, name in ex.EXERCISES.items():
        assert (ROOT / "exercises" / name).exists()
        assert (ROOT / "instructors" / "solutions" / name).exists()
        wrong = sorted((ROOT / "instructors" / "wrong-answers").glob(f"{ex.file_prefix(number)}_*.py"))
        assert wrong, f"exercise {number} has no typical wrong answer"
        for path in wrong:  # each names the hint it must get, which the integration test checks
            hint = re.search(r"# FAIL: (\w+)", path.read_text())
            assert hint and hint.group(1) in ex.HINTS, path.name
