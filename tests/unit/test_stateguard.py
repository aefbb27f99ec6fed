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


def test_what_feeds_the_watermark_may_change_and_a_whole_plan_checkpoint_is_adopted(spark, tmp_path):
    ckpt = tmp_path / "ckpt" / "windowing"
    stateguard.check(windowing.build(stream(spark, tmp_path)), str(ckpt), "windowing")
    text = (ckpt / "lab-plan.txt").read_text()
    assert "EventTimeWatermark" in text and "Relation" not in text
    # Parsing below the watermark changes (here: a filter and a projection): the state still fits.
    fed_otherwise = (
        stream(spark, tmp_path)
        .where("country IS NOT NULL")
        .selectExpr("upper(country) AS country", "user_id", "event_time")
    )
    stateguard.check(windowing.build(fed_otherwise), str(ckpt), "windowing")
    # A checkpoint stamped by the older guard, with the whole plan: compared on its stateful part.
    (ckpt / "lab-plan.txt").write_text(text + "            +- ~Project [old parsing]\n")
    (ckpt / "lab-plan.sha256").write_text("0" * 64 + "\n")
    stateguard.check(windowing.build(stream(spark, tmp_path)), str(ckpt), "windowing")
    assert (ckpt / "lab-plan.txt").read_text() == text
    with pytest.raises(stateguard.StateMismatch):
        stateguard.check(windowing.build(stream(spark, tmp_path), watermark="5 minutes"), str(ckpt), "windowing")


def test_transform_with_state_is_guarded(spark, tmp_path):
    import transform_with_state

    (tmp_path / "p").mkdir()
    payments = spark.readStream.schema("order_id string, event_time timestamp").json(str(tmp_path / "p"))
    orders = stream(spark, tmp_path).selectExpr("user_id AS order_id", "user_id", "1.0D AS amount", "event_time")
    ckpt = str(tmp_path / "ckpt" / "transform_with_state")
    job = "transform_with_state"
    stateguard.check(transform_with_state.build(orders, payments), ckpt, job)
    assert "TransformWithStateInPySpark" in (tmp_path / "ckpt" / job / "lab-plan.txt").read_text()
    stateguard.check(transform_with_state.build(orders, payments), ckpt, job)  # a restart
    with pytest.raises(stateguard.StateMismatch):
        stateguard.check(transform_with_state.build(orders, payments, watermark="1 minute"), ckpt, job)
