import json
from datetime import datetime

import kafka_sink
from streamlab.sinks import to_kafka_records


def test_results_become_keyed_json_records(spark):
    df = spark.createDataFrame(
        [("ES", 10.0, datetime(2026, 1, 1, 0, 0, 30)), ("ES", 5.5, datetime(2026, 1, 1, 0, 0, 40))],
        "country string, amount double, event_time timestamp",
    )
    (rec,) = to_kafka_records(kafka_sink.build(df), "result_key").collect()
    assert rec.key == "2026-01-01T00:00:00Z|ES"
    value = json.loads(rec.value)
    assert (value["country"], value["orders"], value["revenue"]) == ("ES", 2, 15.5)
    assert value["window_start"].startswith("2026-01-01T00:00:00")
