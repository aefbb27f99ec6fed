"""Basic streaming: read a Kafka topic, parse its JSON, print each micro-batch (course exercise 1).

What it teaches:
- `spark.readStream.format("kafka")` and the columns the Kafka source gives you;
- turning JSON bytes into typed columns with a schema (and what happens to bad records: they go
  to the quarantine topic with a reason, never silently away);
- a checkpoint: stop the job and run it again, and it resumes where it stopped.

Run it (the lab must be up, `make up`):

    make submit JOB=basic                  # until Ctrl-C
    make submit JOB=basic DURATION=60      # stops gracefully after 60 s
    make submit JOB=basic ARGS="--topic orders"

Watch: each "Batch: N" block holds the page views that arrived since the last one.
"""

from __future__ import annotations

import sys

from streamlab import options, parsing, runner, sinks, sources

JOB = "basic"


def build(valid):
    """The transformation: the columns a learner wants to see first, newest schema fields last."""
    return valid.select("event_time", "event_id", "user_id", "page", "country", "kafka_partition", "kafka_offset")


def main(argv: list[str] | None = None) -> int:
    parser = options.parser(JOB, __doc__)
    opts = options.parse(parser, argv)
    topics = opts.config.topics
    topic_key = next((k for k, v in topics.items() if v == opts.topic), None) if opts.topic else "page_views"
    if topic_key not in parsing.schemas.SCHEMAS:
        parser.error(
            f"--topic {opts.topic!r} has no schema; topics: " + ", ".join(topics[k] for k in parsing.schemas.SCHEMAS)
        )

    def start(spark):
        raw = sources.kafka(spark, topics[topic_key], opts)
        valid, bad = parsing.split(raw, topic_key)
        shown = build(valid) if topic_key == "page_views" else valid
        return [sinks.start(shown, opts, JOB, output_mode="append"), sinks.quarantine(bad, opts, JOB)]

    return runner.run(JOB, opts, start)


if __name__ == "__main__":
    sys.exit(main())
