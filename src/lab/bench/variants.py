"""The settings the bench drains its stages under, beside the lab's own, in every size.

- READ_SETTINGS: the read path with Kafka's consumer defaults, then with each of the lab's settings
  (streamlab.sources.READ_OPTIONS) added in turn: the before and after of each, in one run. Its
  keys are the results' JSON keys; READ_SETTING_CODES names them on the page (bench.toml).
- TUNING and DRAIN_OPTIONS (full run only): Spark settings and job options tried on the window
  stage; TUNING_WITH, the settings that go with a value; `tuning_label`, a value as the page shows it.
- FIXED_COST_SETTINGS: the checkpoint files under Spark's default manager and under the lab's
  (services/spark/spark-defaults.conf), for the fixed cost of a micro-batch (lab.bench.fixedcost);
  FIXED_COST_CODES names them on the page.
- REAL_TIME_BATCH: real-time mode's checkpoint interval for the realtime job: the job's default, so
  the figures describe the job as it ships (a unit test holds them equal).
"""

from __future__ import annotations

READ_SETTINGS = {
    "Kafka's defaults": ["kafka.fetch.max.wait.ms=500", "kafka.max.poll.records=500"],
    "+ fetch.max.wait.ms=10": ["kafka.max.poll.records=500"],
    "+ max.poll.records=10000 (the lab's)": [],
}
READ_SETTING_CODES = {
    "Kafka's defaults": "setting_defaults",
    "+ fetch.max.wait.ms=10": "setting_fetch_wait",
    "+ max.poll.records=10000 (the lab's)": "setting_poll_records",
}
FILE_CONTEXT = "org.apache.spark.sql.execution.streaming.checkpointing.FileContextBasedCheckpointFileManager"
FIXED_COST_SETTINGS = {
    "Spark's default (FileContext)": [f"spark.sql.streaming.checkpointFileManagerClass={FILE_CONTEXT}"],
    "the lab's (FileSystem)": [],
}
FIXED_COST_CODES = dict(zip(FIXED_COST_SETTINGS, ("setting_file_context", "setting_file_system"), strict=True))
DRAIN_OPTIONS = {"maxOffsetsPerTrigger": ["10000", "50000"]}
REAL_TIME_BATCH = "60 seconds"  # jobs/realtime.py DEFAULT_REAL_TIME
ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"
TUNING = {
    "spark.sql.shuffle.partitions": ["2", "4", "8", "16"],
    "spark.sql.streaming.stateStore.providerClass": [
        "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider",
        ROCKSDB,
    ],
}
# RocksDB with changelog checkpointing (it then writes only the changed rows at each commit, not a
# snapshot), as recommended for it.
TUNING_WITH = {ROCKSDB: ["spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled=true"]}


def tuning_label(value: str) -> str:
    """A TUNING value as the tables show it: a class's short name, plus the settings that go with it."""
    return " + ".join([value.rsplit(".", 1)[-1], *TUNING_WITH.get(value, [])])
