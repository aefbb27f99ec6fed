import pytest

import windowing
from streamlab import stateguard


def stream(spark, tmp_path):
    (tmp_path / "in").mkdir(exist_ok=True)
    return spark.readStream.schema("country string, user_id string, event_time timestamp").json(str(tmp_path / "in"))


def test_same_query_passes_and_a_changed_key_is_refused(spark, tmp_path):
    ckpt = str(tmp_path / "ckpt" / "windowing")
    stateguard.check(windowing.build(stream(spark, tmp_path), key="country"), ckpt, "windowing")
    stateguard.check(windowing.build(stream(spark, tmp_path), key="country"), ckpt, "windowing")  # a restart
    with pytest.raises(stateguard.StateMismatch, match=r"run `make reset JOB=windowing` to start over"):
        stateguard.check(windowing.build(stream(spark, tmp_path), key="user_id"), ckpt, "windowing")
    with pytest.raises(stateguard.StateMismatch):
        stateguard.check(windowing.build(stream(spark, tmp_path), window="10 minutes"), ckpt, "windowing")


def test_stateless_queries_are_not_guarded(spark, tmp_path):
    ckpt = tmp_path / "ckpt" / "basic"
    stateguard.check(stream(spark, tmp_path).select("country"), str(ckpt), "basic")
    assert not ckpt.exists()
