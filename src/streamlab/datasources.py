"""Python data sources (pyspark.sql.datasource, Spark 4.0+): register the lab's two in a session.

`register(spark)` registers them (spark.dataSource.register); then:

    spark.readStream.format("lab_events").option("kind", "page_views").option("rowsPerSecond", 100).load()
    result.writeStream.format("lab_postgres").option("table", "t").option("keys", "a,b").option("dsn", dsn)...

- lab_events (streamlab.eventsource): a streaming reader of the lab's events, made inside Spark:
  a stream without Kafka, and a load source that one producer process does not limit;
- lab_postgres (streamlab.pgsink): a streaming writer into PostgreSQL, exactly-once by batch id
  (two-phase: executors stage, the driver commits with a ledger of batch ids).
"""

from __future__ import annotations

from streamlab.eventsource import EVENTS, LabEvents
from streamlab.pgsink import POSTGRES, LabPostgres

__all__ = ["EVENTS", "POSTGRES", "register"]


def register(spark) -> None:
    """Register lab_events and lab_postgres in `spark` (again is harmless)."""
    spark.dataSource.register(LabEvents)
    spark.dataSource.register(LabPostgres)
