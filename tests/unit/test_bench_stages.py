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
