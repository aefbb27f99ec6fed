"""The bench job's --stage: one stage or several, comma-separated; an unknown one is a clear error."""

import argparse

import pytest

import _bench


def test_one_or_several_stages():
    assert _bench.stages("count") == ["count"]
    assert _bench.stages("rate,count,json,join,window,windowing") == list(_bench.STAGES[:6])


def test_an_unknown_stage_names_the_choices():
    with pytest.raises(argparse.ArgumentTypeError, match="unknown stage 'cnt'; choose from rate, count"):
        _bench.stages("count,cnt")


def test_the_fixed_cost_leaves_out_each_querys_warm_up_and_takes_medians():
    from lab.bench import fixedcost

    phases = [
        {"triggerExecution": t, "walCommit": t / 10, "addBatch": t / 2}
        for t in (3.0, 1.0, 0.9, 0.8, 0.7, 0.2, 0.3, 0.4)
    ]
    result = {
        "fit_batches": [[2000, 2000 - i, p["triggerExecution"]] for i, p in enumerate(phases)],
        "fit_phases": phases,
    }
    found = fixedcost.figures(result)
    assert found["batches"] == 4 and found["batch_seconds_median"] == pytest.approx(0.35)
    assert found["early_batch_seconds_median"] == pytest.approx(0.35), "a short drain: the same batches for both"
    assert found["phases_median_seconds"]["walCommit"] == pytest.approx(0.035)
    assert found["phases_median_seconds"]["queryPlanning"] == 0.0 and found["rows_median"] == 1994.5
    # A longer drain: the first `steady` batches after the warm-up, and the last `steady`, whose phases count.
    split = fixedcost.figures(result, steady=2)
    assert split["early_batch_seconds_median"] == pytest.approx(0.45) and split[
        "batch_seconds_median"
    ] == pytest.approx(0.35)
    assert split["phases_median_seconds"]["addBatch"] == pytest.approx(0.175)
