"""streamlab.state: which stores a checkpoint holds, and their rows as plain columns, on a local
windowed query whose state is read before and after the watermark evicts a window."""

import json

import windowing
from streamlab import state


def meta(op_id, name, store="default", props=None):
    return {
        "operatorId": op_id,
        "operatorName": name,
        "stateStoreName": store,
        "numPartitions": 4,
        "minBatchId": 0,
        "maxBatchId": 3,
        "operatorProperties": props,
    }


def test_a_join_is_read_by_side_and_a_processor_by_its_own_state_variables():
    join = [meta(0, "symmetricHashJoin", f"{side}-{kind}") for side in ("left", "right") for kind in ("a", "b")]
    tws = json.dumps(
        {
            "stateVariables": [
                {"stateName": "order", "stateVariableType": "ValueState"},
                {"stateName": "$eventTimers_keyToTimestamp", "stateVariableType": "TimerState"},
                {"stateName": "x", "stateVariableType": "ListState"},
            ]
        }
    )
    stores = state.stores_of([*join, meta(1, "transformWithStateInPandasExec", props=tws), meta(2, "stateStoreSave")])
    assert [(s.operator_id, s.join_side, s.state_var) for s in stores] == [
        (0, "left", None),
        (0, "right", None),
        (1, None, "order"),
        (1, None, "x"),
        (1, None, None),
        (2, None, None),
    ]
    assert stores[4].timers and stores[4].options() == {"operatorId": "1", "readRegisteredTimers": "true"}
    assert stores[4].label == "operator 1 (transformWithStateInPandasExec, registered timers)"
    assert stores[0].options(5) == {"operatorId": "0", "joinSide": "left", "batchId": "5"}
    assert stores[2].options() == {"operatorId": "1", "stateVarName": "order"}
    assert stores[1].label == "operator 0 (symmetricHashJoin, right side)"


def test_flatten_names_each_leaf_by_its_path(spark):
    df = spark.createDataFrame(
        [((("s", "e"), "ES", "o1"), ("o1", 3))],
        "key struct<window: struct<start: string, end: string>, country: string, order_id: string>, "
        "value struct<order_id: string, count: long>",
    )
    flat = state.flatten(df)
    assert flat.columns == ["window_start", "window_end", "country", "order_id", "value_order_id", "count"]
    assert flat.collect()[0].asDict() == {
        "window_start": "s",
        "window_end": "e",
        "country": "ES",
        "order_id": "o1",
        "value_order_id": "o1",
        "count": 3,
    }
    join_key = spark.createDataFrame([(("o1",), ("o1",))], "key struct<field0: string>, value struct<order_id: string>")
    assert state.flatten(join_key).columns == ["key", "order_id"]


def test_the_state_holds_the_open_windows_and_the_watermark_evicts_the_closed_ones(spark, tmp_path):
    """One batch of page views; with a 10-minute watermark, the windows that end before
    max(event_time) - 10 minutes are emitted (append mode) and evicted by the next, no-data
    batch. Batch 0's state still holds them all."""
    src, ckpt = tmp_path / "in", tmp_path / "ckpt" / "windowing"
    src.mkdir()
    rows = [("ES", "00:01"), ("ES", "00:02"), ("FR", "00:07"), ("ES", "00:31"), ("FR", "00:33")]
    (src / "1.json").write_text(
        "\n".join(json.dumps({"country": c, "event_time": f"2026-01-01T{t}:00Z"}) for c, t in rows)
    )
    stream = spark.readStream.schema("event_time timestamp, country string").json(str(src))
    query = (
        windowing.build(stream)
        .writeStream.format("memory")
        .queryName("state_unit")
        .outputMode("append")
        .option("checkpointLocation", str(ckpt))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination(120)
    emitted = {(r.window_start.strftime("%H:%M"), r.key, r.events) for r in spark.table("state_unit").collect()}

    assert state.has_state(ckpt) and not state.has_state(tmp_path)
    (store,) = state.stores(spark, str(ckpt))
    assert (store.operator, store.min_batch, store.max_batch) == ("stateStoreSave", 0, 1)

    def windows(batch):
        return {
            (r.window_start.strftime("%H:%M"), r.country, r["count"])
            for r in state.read(spark, str(ckpt), store, batch).collect()
        }

    assert emitted == {("00:00", "ES", 2), ("00:05", "FR", 1)}
    assert windows(0) == {("00:00", "ES", 2), ("00:05", "FR", 1), ("00:30", "ES", 1), ("00:30", "FR", 1)}
    assert windows(None) == windows(1) == {("00:30", "ES", 1), ("00:30", "FR", 1)}
