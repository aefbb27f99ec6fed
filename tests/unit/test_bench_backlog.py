"""lab.bench.backlog.measure: the verdict of a run offered a fixed rate from a backlog."""

from datetime import UTC, datetime

from lab.bench import backlog
from lab.bench.wording import TEXT


def _batches(durations, rows, start=1_800_000_000.0, trigger=1.0):
    """Progress lines as _bench --sustain writes them: a batch starts at its interval's boundary,
    or when the one before it ends if that is later (Spark's processing-time trigger)."""
    out, t = [], start
    for i, (d, n) in enumerate(zip(durations, rows, strict=True)):
        stamp = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        out.append({"batchId": i, "timestamp": stamp, "numInputRows": n, "durationMs": {"triggerExecution": d * 1000}})
        t = max(t + trigger, t + d)
    return out


def test_batches_within_the_trigger_keep_up():
    m = backlog.measure(_batches([0.6] * 12, [50_000] * 12), 50_000, 50_000, warmup_batches=2)
    assert m["keeps_up"] and not m["backlog_ran_out"]
    assert m["batches"] == 10
    # 10 batches of 50,000 from the first's start to the last's end: 9 intervals + 0.6 s
    assert m["rows_per_second"] == round(500_000 / 9.6, 1)


def test_batches_longer_than_the_trigger_fall_behind():
    m = backlog.measure(_batches([1.4] * 12, [50_000] * 12), 50_000, 50_000, warmup_batches=2)
    assert not m["keeps_up"]
    assert m["rows_per_second"] < 0.75 * 50_000
    assert m["batch_seconds_median"] == 1.4


def test_a_short_batch_before_the_last_means_the_backlog_ran_out():
    m = backlog.measure(_batches([0.5] * 8, [40_000] * 5 + [100, 0, 0]), 40_000, 40_000, warmup_batches=1)
    assert m["backlog_ran_out"]
    assert not m["keeps_up"]


def test_too_few_batches_is_not_a_verdict_of_keeping_up():
    m = backlog.measure(_batches([3.0], [50_000]), 50_000, 50_000, warmup_batches=2)
    assert not m["keeps_up"] and m["batches"] == 0
    # A search goes on from such a run (on a loaded machine, the smoke bench's first rate was one).
    step = lambda r: backlog.measure(_batches([3.0] * 3, [r] * 3), r, r, warmup_batches=2)  # noqa: E731
    best, fail = backlog.choose(step, 3_463, 3_463, max_steps=1, bisect=0, confirm=False)
    assert best is None
    assert (fail["keeps_up"], fail["backlog_ran_out"], fail["batch_seconds_median"]) == (False, False, 3.0)


def test_the_warm_up_is_counted_in_batches_however_long_they_take():
    # A fresh query's first batches run slow, then settle within the trigger (the full run of 20:16 UTC).
    m = backlog.measure(_batches([1.4] * 8 + [0.8] * 12, [52_770] * 20), 52_770, 52_770, warmup_batches=8)
    assert m["keeps_up"] and m["batches"] == 12 and m["batch_seconds_max"] == 0.8


def test_a_run_lasts_its_warm_up_batches_its_hold_and_its_start():
    assert backlog.run_seconds(10, 15) == 15 + 15 + backlog.START_SLACK
    assert backlog.run_seconds(8, 10, trigger=2.0) == 24 + 10 + backlog.START_SLACK


def _job(capacity: int, ran_out_above: int | None = None):
    """A model job for choose(): keeps up with any rate up to `capacity`, reading all it is offered;
    above it, reads `capacity`. Records the rates offered."""
    offered = []

    def step(r: int) -> dict:
        offered.append(r)
        return {
            "offered_rows_per_second": r,
            "rows_per_second": float(min(r, capacity)),
            "keeps_up": r <= capacity,
            "backlog_ran_out": ran_out_above is not None and r > ran_out_above,
        }

    return step, offered


def test_the_search_ends_offering_one_and_a_half_times_what_was_kept_up():
    # The full run of 2026-11-28 03:04 UTC: from the fit's 164,366 down, up by two bisections to
    # 123,274 kept up, whose 1.5x (184,911) is above what the 8 M-view backlog offers (181,405).
    step, offered = _job(125_000)
    best, fail = backlog.choose(step, 164_366, 181_405, max_steps=4, bisect=2, confirm=True)
    assert offered == [164_366, 109_577, 136_971, 123_274, 181_405]
    assert best["offered_rows_per_second"] == 123_274 and fail["offered_rows_per_second"] == 136_971
    step, offered = _job(125_000)
    backlog.choose(step, 164_366, 400_000, max_steps=4, bisect=2, confirm=True)
    assert offered[-1] == 184_911 and max(offered) >= 1.5 * 123_274
    # Rounded up: 1.5 x 117,621 (the capacity run of 03:41 UTC) is 176,431.5, and 176,431 is not 1.5x.
    step, offered = _job(117_621)
    backlog.choose(step, 117_621, 400_000, max_steps=1, bisect=0, confirm=True)
    assert offered == [117_621, 176_432]


def test_no_extra_run_when_the_search_already_offered_enough_or_is_told_not_to():
    step, offered = _job(60_000)
    best, fail = backlog.choose(step, 50_000, 200_000, max_steps=3, bisect=0, confirm=True)
    assert offered == [50_000, 75_000] and best["offered_rows_per_second"] == 50_000
    step, offered = _job(125_000)
    backlog.choose(step, 164_366, 181_405, max_steps=4, bisect=2, confirm=False)
    assert offered == [164_366, 109_577, 136_971, 123_274]


def test_no_rate_above_a_run_whose_backlog_ran_out():
    step, offered = _job(500_000, ran_out_above=150_000)
    best, fail = backlog.choose(step, 100_000, 300_000, max_steps=4, bisect=2, confirm=True)
    assert offered == [100_000, 150_000, 225_000]
    assert best["offered_rows_per_second"] == 150_000 and fail is None


def test_a_confirming_run_that_keeps_up_becomes_the_best():
    step, offered = _job(200_000)
    best, fail = backlog.choose(step, 100_000, 150_000, max_steps=1, bisect=0, confirm=True)
    assert offered == [100_000, 150_000]
    assert best["offered_rows_per_second"] == 150_000 and fail is None


def test_what_limits_the_rate_found():
    """A code of bench.toml, which the results page writes in the learner's language."""
    kept, behind = {"offered_rows_per_second": 100}, {"offered_rows_per_second": 150}
    assert backlog.limit(kept, behind, 150, 500) == "limit_job_trigger"
    assert backlog.limit(kept, None, 500, 500) == "limit_backlog"
    assert backlog.limit(kept, None, 150, 500) == "limit_not_found"
    assert backlog.limit(None, behind, 150, 500) == "limit_none_sustainable"
    assert TEXT.text("limit_backlog", "en") == "the backlog: it could offer no more for a whole run"
    assert TEXT.text("limit_backlog", "es") == "el acumulado: no podía ofrecer más durante toda una ejecución"
