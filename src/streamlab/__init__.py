"""streamlab: the code every job shares, shipped to the executors as one zip (--py-files).

Modules, each with one job to do:
- config:    where Kafka, the topics and the folders are, from the environment (read once)
- options:   the common command-line options, validated before Spark starts
- schemas:   one schema per topic, shared with the producer
- session:   building the SparkSession
- sources:   the Kafka and file readers
- eventgen:  the lab's events computed from their sequence numbers (stdlib only)
- datasources: Python data sources: lab_events (a stream of eventgen's events, no Kafka) and
             lab_postgres (an exactly-once PostgreSQL sink with commit and abort)
- parsing:   JSON parsing with the quarantine split (pure: DataFrame in, DataFrames out)
- sinks:     console, Parquet, Kafka, PostgreSQL and quarantine writers
- naming:    query names and their checkpoint folders
- metric_catalog: every metric the lab defines (the listener's and the producer's)
- listener:  the StreamingQueryListener that exports Prometheus metrics
- runner:    running queries for a duration, stopping them gracefully, clear failures
- dataloss:  offsets Kafka's retention deleted before a restarted query read them
- stateguard: a stateful query that no longer matches its checkpoint, caught before it starts
- wait:      waiting on a condition with a timeout and a clear message (the lab uses it too)
- checks:    what a learner's exercise code does on make check's input (a package: facts, no verdict)

It depends on pyspark, confluent-kafka, prometheus-client, psycopg and the standard library only: never on
the lab's control plane (lab), which passes it what it needs through the environment.
"""
