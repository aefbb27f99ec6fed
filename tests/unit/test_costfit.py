import pytest

from lab.bench import costfit


def _line(a, b, caps, per_cap=3):
    return [(cap, cap, a + b * cap) for cap in caps for _ in range(per_cap)]


def test_fit_recovers_an_exact_line():
    cost = costfit.fit(_line(0.25, 2e-6, (10_000, 50_000, 200_000)))
    assert cost["fixed_seconds"] == pytest.approx(0.25)
    assert cost["seconds_per_row"] == pytest.approx(2e-6)
    assert cost["ceiling_rows_per_second"] == pytest.approx(500_000)
    assert cost["r2"] == pytest.approx(1.0)
    assert cost["batches"] == 9
    assert cost["sizes"] == {10_000: 0.27, 50_000: 0.35, 200_000: 0.65}


def test_a_noisy_batch_moves_its_median_not_the_line():
    batches = [*_line(0.3, 1e-6, (20_000, 100_000), per_cap=5), (20_000, 20_000, 2.5)]
    cost = costfit.fit(batches)
    assert cost["seconds_per_row"] == pytest.approx(1e-6)
    assert cost["r2"] < 0.5  # the line is right, and the outlier still shows in r2


def test_partial_batches_are_left_out():
    # the backlog's tail: 3,000 rows under a 20,000 cap, slow because it ends at the end of the log
    batches = [*_line(0.3, 1e-6, (20_000, 100_000)), (20_000, 3_000, 0.9), (100_000, 40_000, 0.9)]
    cost = costfit.fit(batches)
    assert cost["seconds_per_row"] == pytest.approx(1e-6) and cost["batches"] == 6


def test_fit_needs_two_caps_with_full_batches():
    assert costfit.fit(_line(0.2, 1e-6, (1000,))) is None
    assert costfit.fit([*_line(0.2, 1e-6, (1000,)), (5000, 100, 0.2)]) is None


def test_a_flat_or_falling_line_has_no_ceiling():
    cost = costfit.fit([(1000, 1000, 0.3), (2000, 2000, 0.3), (4000, 4000, 0.2)])
    assert cost["seconds_per_row"] < 0
    assert cost["ceiling_rows_per_second"] is None
    assert costfit.sustainable(cost, 1.0) is None


def test_sustainable_rate_leaves_room_for_the_fixed_cost():
    cost = costfit.fit(_line(0.4, 4e-6, (20_000, 60_000, 120_000)))
    # a batch of r x 1 s rows takes 0.4 + 4e-6 r: at most 1 s while r <= 150,000
    assert costfit.sustainable(cost, 1.0) == pytest.approx(150_000)
    assert costfit.sustainable(cost, 0.3) is None
    assert costfit.sustainable(cost, 5.0) == pytest.approx(0.92 * 250_000)
