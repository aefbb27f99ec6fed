"""streamlab.dataloss: reading a checkpoint's committed Kafka offsets, and describing a gap.
The gap itself (retention deleting records for real) is the data-loss drill's job."""

import json

from streamlab import dataloss, naming


def write_batch(query, batch, sources, committed=True):
    (query / "offsets").mkdir(parents=True, exist_ok=True)
    (query / "commits").mkdir(exist_ok=True)
    meta = '{"batchWatermarkMs":0,"batchTimestampMs":1,"conf":{}}'
    (query / "offsets" / str(batch)).write_text("\n".join(["v1", meta, *sources]))
    if committed:
        (query / "commits" / str(batch)).write_text('v1\n{"nextBatchWatermarkMs":0}')


def test_the_last_committed_batch_gives_the_offsets(tmp_path):
    q = tmp_path / "basic"
    write_batch(q, 0, ['{"views":{"0":5,"1":7}}'])
    write_batch(q, 1, ['{"views":{"0":9,"1":7}}'])
    write_batch(q, 2, ['{"views":{"0":50,"1":70}}'], committed=False)  # planned, not done: re-read on restart
    assert dataloss.committed_offsets(q) == {"views": {0: 9, 1: 7}}


def test_two_sources_and_non_kafka_sources(tmp_path):
    q = tmp_path / "joins"
    write_batch(q, 0, ['{"orders":{"0":3}}', '{"payments":{"0":4,"1":1}}', "-", '{"logOffset":2}', "17"])
    assert dataloss.committed_offsets(q) == {"orders": {0: 3}, "payments": {0: 4, 1: 1}}


def test_a_new_checkpoint_has_no_offsets(tmp_path):
    assert dataloss.committed_offsets(tmp_path / "nothing") == {}
    assert dataloss.gaps(tmp_path / "nothing", "basic", "127.0.0.1:1") == []  # never asks Kafka


def test_query_names_and_checkpoint_folders_map_both_ways():
    for job, query, folder in (
        ("basic", "basic", "basic"),
        ("basic", "basic_quarantine", "quarantine"),
        ("joins", "joins_quarantine_payments", "quarantine_payments"),
    ):
        assert naming.checkpoint_folder(job, query) == folder
        assert naming.query_of_folder(job, folder) == query
    assert naming.quarantine_query("joins", "payments") == "joins_quarantine_payments"


def test_the_failure_names_records_partitions_and_both_ways_on():
    gaps = [dataloss.Gap("basic", "views", 0, 10, 25), dataloss.Gap("basic", "views", 3, 4, 9)]
    assert dataloss.describe(gaps) == "20 records for query basic (views[0] offsets 10-24, views[3] offsets 4-8)"
    assert gaps[0].records == 15


def kafka_source(start, end, rows):
    from types import SimpleNamespace as NS

    return NS(
        startOffset=json.dumps(start) if start is not None else "null", endOffset=json.dumps(end), numInputRows=rows
    )


def test_a_batch_that_read_every_offset_skipped_nothing():
    assert dataloss.skipped(kafka_source({"t": {"0": 10, "1": 5}}, {"t": {"0": 20, "1": 9}}, 14)) == 0


def test_a_batch_counts_the_offsets_it_spanned_but_did_not_read():
    # retention deleted 0:10-15 before the batch read them; Spark (failOnDataLoss=false) skipped them
    assert dataloss.skipped(kafka_source({"t": {"0": 10, "1": 5}}, {"t": {"0": 20, "1": 9}}, 8)) == 6


def test_first_batches_new_partitions_and_other_sources_count_nothing():
    from types import SimpleNamespace as NS

    assert dataloss.skipped(kafka_source(None, {"t": {"0": 20}}, 3)) == 0
    assert dataloss.skipped(kafka_source({"t": {"0": 10}}, {"t": {"0": 20, "1": 7}}, 15)) == 0  # 1 read from earliest
    assert dataloss.skipped(NS(startOffset="41", endOffset="90", numInputRows=0)) == 0  # the rate source
    assert dataloss.skipped(NS(metrics={})) == 0
