"""Look inside a Kafka topic: print its records with their keys, headers and timestamps.

    make consume TOPIC=quarantine                    # bad records, and why each was quarantined
    make consume TOPIC=results FROM=latest LIMIT=0   # a sink's output as it arrives, until Ctrl-C
    python -m producer.consume --bootstrap 127.0.0.1:9092 --topic quarantine

`make consume` takes the lab's topic names (page_views, orders, payments, quarantine, results)
or any topic's real name, and knows where the lab's Kafka is. `python -m producer.consume` needs
only a broker and the real name.

What it does:
- `--from earliest` (the default) reads each partition from its earliest offset up to its end
  offset as it was at the start, partition by partition, and stops there, or after `--limit`
  records (default 20; 0: no limit). It never waits on an empty or fully read topic.
- `--from latest` prints the records produced from now on. It stops after `--limit` records,
  after `--timeout` seconds without a new one (default 30), or on Ctrl-C.
- The first line names the topic, its partitions and where reading starts; the last says how
  many records were printed and, when the limit stopped it, how many remain.
- It joins no consumer group and commits no offsets, so it disturbs no one, and every run
  starts afresh.
- Exit codes: 0 when done (Ctrl-C too: it still prints the last line), 1 when Kafka does not
  answer, 2 for a bad option or an unknown topic, with one line on stderr.
- Its lines are in the language of the process (LAB_LANG, which the lab sets: streamlab.i18n).

What it teaches (the course session on Kafka producers and consumers):
- Consumer groups vs assign(). `subscribe()` joins a group: the group's members share the
  partitions, and the group keeps each partition's committed offset, so a restarted member
  resumes there. `assign()` takes partitions by hand, with no group and no rebalancing: right for
  a tool that looks and leaves. Spark's Kafka source works that way too: it gives each task its
  partitions and offsets, and keeps the offsets in its checkpoint, not in a group.
- Offsets. Each partition is a log whose records are numbered from 0. Its low watermark is the
  first offset still kept (retention deletes older ones), its high watermark the next one to be
  written. Offsets number records within one partition only: Kafka orders records within a
  partition, never across partitions.
- `auto.offset.reset`: where a consumer starts when it has no committed offset, or when the
  offset it asks for no longer exists.
- Keys, headers, timestamps. The key picks the partition (the producer hashes it), so records
  with one key stay in order. Headers are name/bytes pairs beside the value: the lab's quarantine
  puts a bad record's reason and origin there, and leaves its bytes untouched. The timestamp is
  the producer's (CreateTime), unless the topic is set to the broker's append time (LogAppendTime).
- Bytes. Kafka stores keys, values and headers as bytes; reading them as text is the consumer's
  choice. Here text is printed as text, and anything that is not UTF-8 as Python's repr of the bytes.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import (
    TIMESTAMP_CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME,
    Consumer,
    KafkaError,
    KafkaException,
    TopicPartition,
)

from streamlab.cliparse import translate
from streamlab.config import Config, ConfigError
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("producer", "consume")

PROG = "consume"
POLL_SECONDS = 0.5  # short polls, so Ctrl-C and --timeout are noticed promptly
UNREACHABLE = (KafkaError._TRANSPORT, KafkaError._TIMED_OUT, KafkaError._ALL_BROKERS_DOWN)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of argparse's usage block; --help has the rest
        self.exit(2, MESSAGES("usage_error", prog=self.prog, message=translate(message)) + "\n")


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(MESSAGES("not_a_count", text=text))
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(MESSAGES("not_seconds", text=text))
    return value


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Print a Kafka topic's records, with their keys, headers and timestamps.")
    p.add_argument("--topic", required=True, help="the topic's name in Kafka")
    p.add_argument(
        "--from",
        dest="start",
        choices=("earliest", "latest"),
        default="earliest",
        help="earliest: what the topic holds now, then stop (default); latest: wait for new records",
    )
    p.add_argument("--limit", type=_count, default=20, help="stop after this many records (default 20; 0: no limit)")
    p.add_argument(
        "--bootstrap", default=None, help="Kafka bootstrap servers (default: KAFKA_BOOTSTRAP, else 127.0.0.1:9092)"
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        help="seconds to wait for the next record before stopping (default 30)",
    )
    p.add_argument(
        "--connect-timeout", type=_seconds, default=10.0, help="seconds Kafka has to answer at the start (default 10)"
    )
    p.add_argument(
        "--max-value-chars", type=_count, default=200, help="cut longer values, marking the cut (default 200; 0: never)"
    )
    return p


# --- how a record is shown ----------------------------------------------------------------------


def show(data: bytes | None) -> str:
    """Bytes as a reader wants them: the text if they are UTF-8 text on one line; otherwise the
    repr, which keeps one record on its lines (b'\\xff' for bytes, 'a\\nb' for a line break)."""
    if data is None:
        return MESSAGES("null")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)
    return text if text and text.isprintable() else repr(text)


def clip(text: str, max_chars: int) -> str:
    """At most `max_chars` characters (0: all), with a marker saying how many were cut."""
    if not max_chars or len(text) <= max_chars:
        return text
    return MESSAGES("clipped", text=text[:max_chars], more=len(text) - max_chars)


def when(timestamp: tuple[int, int]) -> str:
    """A record's (type, milliseconds since 1970) as its type and a UTC time."""
    kind, ms = timestamp
    names = {TIMESTAMP_CREATE_TIME: "CreateTime", TIMESTAMP_LOG_APPEND_TIME: "LogAppendTime"}
    if kind not in names:
        return MESSAGES("no_timestamp")
    moment = datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)
    return f"{names[kind]} {moment.isoformat(timespec='milliseconds').replace('+00:00', 'Z')}"


def format_record(
    partition: int,
    offset: int,
    timestamp: tuple[int, int],
    key: bytes | None,
    headers: list[tuple[str, bytes | None]] | None,
    value: bytes | None,
    max_value_chars: int = 200,
) -> str:
    """One record as three lines: where it is, when and its key; its headers; its value."""
    shown = "  ".join(f"{name}={show(data)}" for name, data in headers or []) or MESSAGES("no_headers")
    return MESSAGES(
        "record",
        partition=partition,
        offset=offset,
        timestamp=when(timestamp),
        key=show(key),
        headers=shown,
        value=clip(show(value), max_value_chars),
    )


def describe(msg, max_value_chars: int = 200) -> str:
    """format_record for a confluent_kafka Message."""
    return format_record(
        msg.partition(), msg.offset(), msg.timestamp(), msg.key(), msg.headers(), msg.value(), max_value_chars
    )


def records(n: int, word: str = "record") -> str:
    """`n` records (or partitions, or records printed), in the process's language."""
    one, many = {"record": ("record_one", "records"), "partition": ("partition_one", "partitions")}.get(
        word, ("printed_one", "printed_many")
    )
    return MESSAGES(one) if n == 1 else MESSAGES(many, count=n)


def printed(n: int) -> str:
    return records(n, "printed")


# --- reading --------------------------------------------------------------------------------------


class UnknownTopic(Exception):
    """The topic is not in Kafka's metadata; args[0] lists the topics that are."""


class Quiet(Exception):
    """No record arrived within --timeout seconds; args[0] is Kafka's last error, if any."""


@dataclass
class Tally:
    """What a run printed, and where each partition stands: for the last line."""

    ends: dict[int, int]  # partition -> its end offset (high watermark) at the start
    next: dict[int, int]  # partition -> the next offset to read
    printed: int = 0

    def remaining(self) -> int:
        # Counted in offsets: a compacted or transactional topic may hold fewer records than that.
        return sum(end - self.next[p] for p, end in self.ends.items())


def consumer_config(bootstrap: str, start: str) -> dict:
    quiet = logging.getLogger("producer.consume.rdkafka")  # the client's own log lines: our errors say it
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    return {
        "bootstrap.servers": bootstrap,
        # confluent-kafka asks for a group.id even with assign(). This group is never joined (assign,
        # not subscribe) and never gets an offset (nothing is committed), so the broker never hears
        # of it: a random name keeps it that way.
        "group.id": f"lab-consume-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        # We ask for explicit offsets, so this matters only if retention deletes the ones we asked
        # for before we read them: then start at the earliest still kept (or the end, for latest).
        "auto.offset.reset": start,
        # Reading to the end needs to hear when a partition has no more records; following doesn't.
        "enable.partition.eof": start == "earliest",
        "logger": quiet,
    }


def watermarks(consumer: Consumer, topic: str, timeout: float) -> dict[int, tuple[int, int]]:
    """Each partition's (low, high) watermarks, in partition order. Raises UnknownTopic, or
    KafkaException when Kafka does not answer within `timeout` seconds."""
    meta = consumer.list_topics(timeout=timeout)  # every topic: asking for one could create it
    if topic not in meta.topics:
        names = sorted(t for t in meta.topics if not t.startswith("__"))  # not Kafka's internal ones
        shown = ", ".join(names[:8])
        raise UnknownTopic(MESSAGES("more_topics", topics=shown, more=len(names) - 8) if len(names) > 8 else shown)
    if meta.topics[topic].error is not None:
        raise KafkaException(meta.topics[topic].error)
    parts = sorted(meta.topics[topic].partitions)
    return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout) for p in parts}


def next_record(consumer: Consumer, timeout: float):
    """The next record, or the event saying a partition has no more. Other errors (a broker
    restarting, say) are passed over, since the client retries by itself. Raises Quiet after
    `timeout` seconds with neither."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        msg = consumer.poll(POLL_SECONDS)
        if msg is None:
            continue
        error = msg.error()
        if error is None or error.code() == KafkaError._PARTITION_EOF:
            return msg
        if error.fatal():
            raise KafkaException(error)
        last_error = error.str()
    raise Quiet(last_error)


def read_to_end(consumer: Consumer, topic: str, tally: Tally, args) -> bool:
    """Partition by partition, each from its earliest offset to its end offset at the start.
    Returns whether it got there (False: the limit stopped it)."""
    for partition, end in tally.ends.items():
        if tally.next[partition] >= end:
            continue  # an empty partition: nothing to wait for
        # One partition at a time, so every run prints the same records in the same order. Kafka
        # orders records only within a partition: a consumer of several partitions gets them
        # interleaved in whatever order its fetches return.
        consumer.assign([TopicPartition(topic, partition, tally.next[partition])])
        while tally.next[partition] < end:
            if args.limit and tally.printed >= args.limit:
                return False
            msg = next_record(consumer, args.timeout)
            if msg.partition() != partition:
                continue
            if msg.error() or msg.offset() >= end:
                # The end of the partition, or a record written after the start. The end can come
                # before the end offset: compaction and transaction markers leave offsets unused.
                tally.next[partition] = end
                break
            print(describe(msg, args.max_value_chars), flush=True)
            tally.next[partition] = msg.offset() + 1
            tally.printed += 1
    return True


def follow(consumer: Consumer, topic: str, tally: Tally, args) -> None:
    """Every partition from its end offset at the start: the records produced since, as they
    arrive. Across partitions, that order is arrival order. Raises Quiet after --timeout
    seconds without one."""
    consumer.assign([TopicPartition(topic, p, end) for p, end in tally.ends.items()])
    while not args.limit or tally.printed < args.limit:
        msg = next_record(consumer, args.timeout)
        print(describe(msg, args.max_value_chars), flush=True)
        tally.printed += 1


def heading(topic: str, tally: Tally, args) -> str:
    limit = MESSAGES("limit_at_most", limit=args.limit) if args.limit else MESSAGES("limit_all")
    partitions = records(len(tally.ends), "partition")
    if args.start == "earliest":
        return MESSAGES(
            "heading_earliest", topic=topic, partitions=partitions, records=records(tally.remaining()), limit=limit
        )
    return MESSAGES("heading_latest", topic=topic, partitions=partitions, limit=limit, seconds=f"{args.timeout:g}")


def fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        bootstrap = args.bootstrap or Config.from_env().bootstrap
    except ConfigError as exc:
        parser().error(str(exc))
    consumer = Consumer(consumer_config(bootstrap, args.start))  # no connection yet: that comes with the first call
    tally = None
    try:
        marks = watermarks(consumer, args.topic, args.connect_timeout)
        tally = Tally({p: high for p, (_, high) in marks.items()}, {p: low for p, (low, _) in marks.items()})
        if args.start == "latest":
            tally.next = dict(tally.ends)
        print(heading(args.topic, tally, args), flush=True)
        if args.start == "earliest":
            done = read_to_end(consumer, args.topic, tally, args)
            if done and not tally.printed:
                print(MESSAGES("printed_empty", printed=printed(0)))
            elif done:
                print(MESSAGES("printed_all", printed=printed(tally.printed)))
            else:
                print(MESSAGES("printed_more", printed=printed(tally.printed), more=tally.remaining()))
        else:
            follow(consumer, args.topic, tally, args)
            print(MESSAGES("printed_limit", printed=printed(tally.printed), limit=args.limit))
        return 0
    except UnknownTopic as exc:
        topics = exc.args[0] or MESSAGES("no_topics")
        return fail(MESSAGES("unknown_topic", topic=args.topic, bootstrap=bootstrap, topics=topics), 2)
    except KafkaException as exc:
        error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
        if error is None or error.code() in UNREACHABLE:
            reason = error.str() if error else str(exc)
            seconds = f"{args.connect_timeout:g}"
            return fail(MESSAGES("no_answer", bootstrap=bootstrap, seconds=seconds, reason=reason), 1)
        return fail(MESSAGES("kafka_error", bootstrap=bootstrap, error=error.str()), 1)
    except Quiet as exc:
        seconds = f"{args.timeout:g}"
        if args.start == "latest":
            print(MESSAGES("printed_quiet", printed=printed(tally.printed), seconds=seconds))
            return 0
        print(MESSAGES("printed_remaining", printed=printed(tally.printed), more=tally.remaining()))
        last = MESSAGES("last_error", error=exc.args[0]) if exc.args[0] else ""
        return fail(MESSAGES("quiet", seconds=seconds, last=last), 1)
    except KeyboardInterrupt:  # Ctrl-C: the usual way to stop following; not an error
        if tally is not None:
            more = MESSAGES("stopped_more", more=tally.remaining()) if args.start == "earliest" else ""
            print(MESSAGES("printed_stopped", printed=printed(tally.printed), more=more))
        return 0
    finally:
        consumer.close()  # leaves cleanly: closes the connections and frees the client's threads


if __name__ == "__main__":
    sys.exit(main())
