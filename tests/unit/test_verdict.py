"""The one "keeps up" rule (lab.observe.verdict)."""

from lab.observe.verdict import allowed_lag, keeps_up


def test_a_lag_that_grows_and_is_large_falls_behind():
    assert not keeps_up(input_rate=100, lag_slope=50, lag_end=5000)


def test_a_large_lag_that_does_not_grow_is_a_delay_not_falling_behind():
    assert keeps_up(input_rate=100, lag_slope=0, lag_end=50_000)


def test_a_small_lag_that_grows_is_the_sawtooth():
    assert keeps_up(input_rate=1000, lag_slope=500, lag_end=5000)  # below 10 s of input


def test_growth_below_the_share_of_the_input_rate_is_noise():
    assert keeps_up(input_rate=1000, lag_slope=99, lag_end=100_000)
    assert not keeps_up(input_rate=1000, lag_slope=101, lag_end=100_000)


def test_the_allowance_is_ten_seconds_of_input_plus_the_trigger_and_at_least_a_thousand_offsets():
    assert allowed_lag(10) == 1000
    assert allowed_lag(1000) == 10_000
    assert allowed_lag(1000, trigger_seconds=5) == 15_000
    assert keeps_up(input_rate=1000, lag_slope=200, lag_end=14_000, trigger_seconds=5)
    assert not keeps_up(input_rate=1000, lag_slope=200, lag_end=16_000, trigger_seconds=5)
