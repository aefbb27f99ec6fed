"""streamlab: the code every job shares, shipped to the executors as one zip (--py-files).

Modules, each with one job to do:
- options:   the common command-line options, validated before Spark starts
- schemas:   one schema per topic, shared with the producer
- session:   building the SparkSession
- sources:   the Kafka and file readers
- parsing:   JSON parsing with the quarantine split (pure: DataFrame in, DataFrames out)
- sinks:     console, Parquet, Kafka, PostgreSQL and quarantine writers
- listener:  the StreamingQueryListener that exports Prometheus metrics
- runner:    running queries for a duration, stopping them gracefully, clear failures
"""
