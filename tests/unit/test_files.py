import files
from streamlab import schemas


def test_corrupt_and_incomplete_lines_go_to_quarantine(spark, tmp_path):
    from pyspark.sql import types as T

    good = ('{"event_id":"e1","order_id":"o1","event_time":"2026-01-01T10:00:00.000Z","user_id":"u1","product_id":"p1",'
            '"quantity":1,"unit_price":2.5,"amount":2.5,"currency":"EUR","country":"ES"}')
    (tmp_path / "a.json").write_text("\n".join([good, '{"broken": ', good.replace('"user_id":"u1",', "")]) + "\n")
    schema = schemas.spark_schema("orders").add(T.StructField("_corrupt_record", T.StringType()))
    raw = (spark.read.schema(schema).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt_record")
           .option("timestampFormat", schemas.TIMESTAMP_FORMAT).json(str(tmp_path)))
    valid, bad = files.split_corrupt(raw.cache())
    rows = files.build(valid).collect()
    assert [(r.order_id, str(r.event_date)) for r in rows] == [("o1", "2026-01-01")]
    reasons = sorted(r.reason for r in bad.collect())
    assert reasons == ["malformed_or_wrong_type", "missing_field:user_id"]
    assert all(r.source_topic.endswith("a.json") for r in bad.collect())
