"""Produce the lab's events to Kafka at a controlled rate.

    python -m producer --rate 2000 --duration 30 --seed 7     # what `make produce` runs
    python -m producer --count 10 --stdout --seed 1           # look at events without Kafka

Contract:
- Delivery is idempotent with acks=all, and every delivery report is counted.
- SIGINT and SIGTERM stop the loop, flush what is in flight, and exit 0. No acknowledged event
  is lost.
- An unreachable broker is retried, with a log line per attempt, for --wait-for-broker seconds.
  After that the producer fails with one line and exit 1. So do a missing topic and any failed
  delivery.
- The last line on stderr is a summary: events sent and acknowledged, the achieved rate,
  and the injected late, malformed and duplicated counts. `--summary FILE` also writes it as JSON.
- Its lines are in the language of the process (LAB_LANG, which the lab sets: streamlab.i18n);
  the JSON summary's keys stay as they are.

Kafka's address, the topics and the data folder come from the environment, as for the jobs
(streamlab.config: KAFKA_BOOTSTRAP, TOPIC_<NAME>, DATA_ROOT); DIMENSION_SEED and METRICS_HOST too.
The lab's control plane sets them from .env.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import logging
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

from producer import dimensions
from producer.delivery import DELIVERY_TIMEOUT_SECONDS, Delivery
from producer.generator import Config, EventGenerator, Pools
from producer.metrics import Metrics, Tally
from producer.pacing import Pacer, bursty_rate
from streamlab.cliparse import Parser
from streamlab.config import Config as StreamConfig
from streamlab.i18n import Catalogue, language, number

MESSAGES = Catalogue.load("producer", "producer")

REPORT_EVERY = 5.0  # seconds between progress lines
SYNC_EVERY = 0.5  # seconds between copies of the tallies into the Prometheus counters


DEFAULT_DIMENSION_SEED = 42


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(MESSAGES("between_0_and_1", text=text))
    return value


def _non_negative(text: str, strict: bool = False) -> float:
    value = float(text)
    if value < 0 or strict and value == 0:
        raise argparse.ArgumentTypeError(MESSAGES("not_positive" if strict else "not_negative", text=text))
    return value


def _start_time(text: str) -> float | None:
    if text == "now":
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(MESSAGES("not_iso_time", text=text)) from None


def _seed(text: str) -> int:
    if text == "auto":
        return int(time.time() * 1000) % 1_000_000_000
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(MESSAGES("bad_seed", text=text)) from None


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="producer", description="Produce the lab's shop events to Kafka.")
    _volume_options(p)
    _event_time_options(p)
    _injection_options(p)
    _mix_options(p)
    _burst_options(p)
    _endpoint_options(p)
    _output_options(p)
    return p


def _volume_options(p: argparse.ArgumentParser) -> None:
    """How fast and how much: the target rate, and when to stop."""
    p.add_argument("--rate", type=_non_negative, default=1000.0, help="target events/s (0: as fast as possible)")
    p.add_argument("--duration", type=_non_negative, default=None, help="stop after this many seconds")
    p.add_argument("--count", type=int, default=None, help="stop after this many events")


def _event_time_options(p: argparse.ArgumentParser) -> None:
    """The seeds the events and the dimensions come from, and the events' clock."""
    p.add_argument("--seed", type=_seed, default=_seed("auto"), help="event seed; 'auto' picks one and prints it")
    p.add_argument(
        "--dimension-seed",
        type=int,
        default=None,
        help=f"seed of users/products (default: DIMENSION_SEED, else {DEFAULT_DIMENSION_SEED})",
    )
    p.add_argument(
        "--start-time", type=_start_time, default=None, help="event time of the first event (ISO-8601; default now)"
    )
    p.add_argument(
        "--event-rate", type=float, default=None, help="events per second of event time (default: --rate, or 1000)"
    )


def _injection_options(p: argparse.ArgumentParser) -> None:
    """The imperfections injected: out-of-order jitter, late, malformed, duplicated and mismatched records."""
    p.add_argument("--jitter-ms", type=int, default=0, help="out-of-order jitter, +/- milliseconds")
    p.add_argument("--late-share", type=_fraction, default=0.0, help="share of events made late")
    p.add_argument("--late-by", type=_non_negative, default=900.0, help="how late, in seconds")
    p.add_argument("--malformed-share", type=_fraction, default=0.0, help="share of malformed records (any kind)")
    p.add_argument(
        "--duplicate-share",
        type=_fraction,
        default=0.0,
        help="share of events sent twice, byte for byte, a few events later (an at-least-once producer's resend)",
    )
    p.add_argument(
        "--mismatch-share",
        type=_fraction,
        default=0.0,
        help="share of schema-mismatched records (valid JSON, missing field or wrong type)",
    )


def _mix_options(p: argparse.ArgumentParser) -> None:
    """The events' mix: page views against orders, the orders' payments, and the keys' skew."""
    p.add_argument(
        "--page-view-share",
        type=_fraction,
        default=0.75,
        help="share of new events that are page views; the rest are orders, each later paid (default 0.75)",
    )
    p.add_argument("--unpaid-share", type=_fraction, default=0.1, help="share of orders never paid")
    p.add_argument("--payment-delay", type=_non_negative, default=30.0, help="mean seconds from order to payment")
    p.add_argument("--key-skew", choices=("uniform", "zipf"), default="uniform")
    p.add_argument("--zipf-s", type=float, default=1.1)


def _burst_options(p: argparse.ArgumentParser) -> None:
    """Bursts: how often, how long, and how much faster than --rate."""
    p.add_argument("--burst-every", type=_non_negative, default=0.0, help="seconds between bursts (0: none)")
    p.add_argument("--burst-duration", type=_non_negative, default=5.0)
    p.add_argument("--burst-factor", type=_non_negative, default=5.0, help="rate multiplier during a burst")


def _endpoint_options(p: argparse.ArgumentParser) -> None:
    """Where the metrics are served and where Kafka is, and how long to wait for it."""
    p.add_argument("--metrics-port", type=int, default=0, help="serve Prometheus metrics here (0: off)")
    p.add_argument(
        "--metrics-host", default=None, help="the address to serve them on (default: METRICS_HOST, else 127.0.0.1)"
    )
    p.add_argument(
        "--bootstrap", default=None, help="Kafka bootstrap servers (default: KAFKA_BOOTSTRAP, else 127.0.0.1:9092)"
    )
    p.add_argument("--wait-for-broker", type=_non_negative, default=30.0, help="seconds to retry an unreachable broker")
    p.add_argument(
        "--delivery-timeout",
        type=functools.partial(_non_negative, strict=True),  # 0 would be librdkafka's "never"
        default=DELIVERY_TIMEOUT_SECONDS,
        help="seconds a record may wait for its acknowledgement before it counts as failed",
    )


def _output_options(p: argparse.ArgumentParser) -> None:
    """Where the events and the summary go: the dimensions' folder, stdout or a folder of files
    instead of Kafka, the summary file, and the send path's benchmark (--replay)."""
    p.add_argument(
        "--dimensions-dir", default=None, help="where to write products/users (default: DATA_ROOT/dimensions; '' skips)"
    )
    p.add_argument("--stdout", action="store_true", help="print events as JSON lines instead of producing")
    p.add_argument(
        "--to-folder",
        default=None,
        help="write the orders as JSON Lines files into this folder (for the files job) instead of producing to Kafka",
    )
    p.add_argument("--file-events", type=int, default=500, help="with --to-folder: events per file")
    p.add_argument("--summary", default=None, help="also write the final summary as JSON to this file")
    p.add_argument(
        "--replay",
        type=int,
        default=None,
        metavar="N",
        help="benchmark the send path: make N events before the clock starts, then send them over and over "
        "(they repeat, keys and event times included: not for a job's results)",
    )


def log(message: str) -> None:
    print(MESSAGES("log", message=message), file=sys.stderr, flush=True)


class Stop:
    def __init__(self):
        self.requested = False

    def __call__(self, *_):
        self.requested = True


def wait_for_broker(bootstrap: str, timeout: float, topics: list[str]) -> None:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    quiet = logging.getLogger("producer.rdkafka")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": quiet})
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        try:
            meta = admin.list_topics(timeout=1.0)
            missing = [t for t in topics if t not in meta.topics]
            if missing:
                raise SystemExit(MESSAGES("missing_topics", topics=", ".join(missing), bootstrap=bootstrap))
            return
        except KafkaException as exc:
            reason = exc.args[0].str() if exc.args else str(exc)
        log(MESSAGES("waiting_for_kafka", bootstrap=bootstrap, attempt=attempt, reason=reason))
        if time.monotonic() >= deadline:
            raise SystemExit(MESSAGES("unreachable", bootstrap=bootstrap, seconds=f"{timeout:.0f}", reason=reason))
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.count is not None and args.count <= 0:
        parser().error(MESSAGES("count_positive"))
    if args.replay is not None and (args.replay <= 0 or args.stdout or args.to_folder):
        parser().error(MESSAGES("replay_usage"))
    try:
        env = StreamConfig.from_env()
        dimension_seed = int(os.environ.get("DIMENSION_SEED") or DEFAULT_DIMENSION_SEED)
    except ValueError as exc:  # ConfigError included
        parser().error(str(exc))
    if args.dimension_seed is not None:
        dimension_seed = args.dimension_seed
    topics = {k: env.topic(k) for k in ("page_views", "orders", "payments")}
    config = Config(
        seed=args.seed,
        start_time=args.start_time,
        event_rate=args.event_rate or (args.rate if args.rate > 0 else 1000.0),
        jitter_ms=args.jitter_ms,
        late_share=args.late_share,
        late_by=args.late_by,
        malformed_share=args.malformed_share,
        mismatch_share=args.mismatch_share,
        duplicate_share=args.duplicate_share,
        unpaid_share=args.unpaid_share,
        payment_delay=args.payment_delay,
        key_skew=args.key_skew,
        zipf_s=args.zipf_s,
        topics=topics,
        mix=(args.page_view_share, 1.0 - args.page_view_share),
    )
    pools = Pools(dimension_seed, config.users, config.products)
    gen = EventGenerator(config, pools)
    if args.dimensions_dir != "":
        dimensions.write(pools, Path(args.dimensions_dir) if args.dimensions_dir else env.dimensions)
    if args.stdout:
        return _to_stdout(gen, args)
    if args.to_folder:
        return _to_folder(gen, args, Path(args.to_folder))
    return _to_kafka(
        gen,
        args,
        args.bootstrap or env.bootstrap,
        args.metrics_host or env.metrics_host,
        topics,
    )


def _to_stdout(gen: EventGenerator, args) -> int:
    limit = args.count or 10
    for n, event in enumerate(gen.events()):
        if n >= limit:
            break
        sys.stdout.write(event.value.decode() + "\n")
    return 0


def _to_folder(gen: EventGenerator, args, folder: Path) -> int:
    """Orders only, `--file-events` per file. Each file is written under a dot-name and renamed
    into place, so a file source never reads a half-written file."""
    folder.mkdir(parents=True, exist_ok=True)
    limit = args.count or 1000
    orders = (e for e in gen.events() if e.topic_key == "orders")
    written = files = 0
    while written < limit:
        batch = [next(orders).value for _ in range(min(args.file_events, limit - written))]
        name = f"orders-{args.seed}-{files:05d}.json"
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(b"\n".join(batch) + b"\n")
        tmp.rename(folder / name)
        written += len(batch)
        files += 1
    log(MESSAGES("wrote_files", written=written, files=files, folder=folder, seed=args.seed))
    return 0


def _to_kafka(gen: EventGenerator, args, bootstrap: str, metrics_host: str, topics: dict[str, str]) -> int:
    """The send loop: the pacer says how many, the generator composes them, Delivery sends them,
    and Progress keeps the metrics and the log up to date. Ends on --duration, --count or a signal."""
    metrics = Metrics()
    metrics.target.set(args.rate)
    if args.metrics_port and not _serve_metrics(metrics, args.metrics_port, metrics_host):
        return 1
    wait_for_broker(bootstrap, args.wait_for_broker, list(topics.values()))
    metrics.declare(list(topics.values()))
    tally = Tally()
    delivery = Delivery(bootstrap, tally, args.delivery_timeout)
    stop = Stop()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    rate = MESSAGES("producing_max") if not args.rate else MESSAGES("producing_rate", rate=f"{args.rate:g}")
    log(
        MESSAGES("producing", bootstrap=bootstrap, rate=rate, seed=args.seed)
        + (MESSAGES("producing_for", seconds=f"{args.duration:g}") if args.duration else "")
        + (MESSAGES("producing_count", count=args.count) if args.count else "")
    )
    gen.anchor(time.time())
    events = gen.events()
    if args.replay:  # the generator's cost (Python, one core) kept out of the measured loop
        events = itertools.cycle(list(itertools.islice(events, args.replay)))
    start = time.monotonic()
    pacer = Pacer(bursty_rate(args.rate, args.burst_every, args.burst_duration, args.burst_factor), start)
    progress = Progress(metrics, tally, start)
    send, sent = delivery.send, 0
    while not stop.requested:
        now = time.monotonic()
        if (args.duration is not None and now - start >= args.duration) or (
            args.count is not None and sent >= args.count
        ):
            break
        n = pacer.take(now)
        if args.count is not None:
            n = min(n, args.count - sent)
        for _ in range(n):
            event = next(events)
            topic = topics[event.topic_key]
            send(topic, event.value, event.key)
            tally.sent[topic] += 1
            if event.late:
                tally.late[topic] += 1
            if event.malformed:
                tally.malformed[event.malformed] += 1
            if event.duplicate:
                tally.duplicated[topic] += 1
        sent += n
        delivery.poll(0)
        progress.tick(now, sent)
    return _finish(args, delivery, progress, sent, time.monotonic() - start)


def _serve_metrics(metrics: Metrics, port: int, host: str) -> bool:
    from prometheus_client import start_http_server

    try:
        start_http_server(port, addr=host, registry=metrics.registry)
        return True
    except OSError as exc:
        log(MESSAGES("metrics_port_taken", port=port, reason=exc.strerror))
        return False


class Progress:
    """Copies the tallies into the Prometheus counters every SYNC_EVERY seconds, and logs the
    achieved rate every REPORT_EVERY seconds."""

    def __init__(self, metrics: Metrics, tally: Tally, start: float):
        self.metrics, self.tally = metrics, tally
        self.last_sync = self.last_report = start
        self.sent_at_report = 0

    def tick(self, now: float, sent: int) -> None:
        if now - self.last_sync >= SYNC_EVERY:
            self.metrics.sync(self.tally)
            self.last_sync = now
        if now - self.last_report >= REPORT_EVERY:
            achieved = (sent - self.sent_at_report) / (now - self.last_report)
            self.metrics.rate.set(achieved)
            lang = language()
            acked = sum(self.tally.acked.values())
            log(MESSAGES("progress", sent=sent, acked=acked, rate=number(achieved, lang)))
            self.last_report, self.sent_at_report = now, sent


def _finish(args, delivery: Delivery, progress: Progress, sent: int, elapsed: float) -> int:
    """Flush, write the summary (and --summary), and say whether every event was acknowledged."""
    # As long as a record may wait for its report: each one ends acknowledged or failed, none unknown
    # (a broker that restarts under load can take longer than a minute to take the backlog).
    remaining = delivery.flush(delivery.timeout + 10)
    tally, metrics = progress.tally, progress.metrics
    metrics.sync(tally)
    acked, failed = sum(tally.acked.values()), sum(tally.failed.values())
    summary = {
        "seed": args.seed,
        "sent": sent,
        "acked": acked,
        "failed": failed,
        "unflushed": remaining,
        "seconds": round(elapsed, 3),
        "events_per_second": round(sent / elapsed, 1) if elapsed else 0.0,
        "per_topic": dict(tally.sent),
        "late": dict(tally.late),
        "malformed": dict(tally.malformed),
        "duplicated": dict(tally.duplicated),
    }
    metrics.rate.set(summary["events_per_second"])
    if args.summary:
        Path(args.summary).write_text(json.dumps(summary, indent=2) + "\n")
    lang = language()
    log(
        MESSAGES(
            "summary",
            sent=sent,
            seconds=number(elapsed, lang, 1),
            rate=number(summary["events_per_second"], lang, 1),
            acked=acked,
            failed=failed,
            late=sum(tally.late.values()),
            malformed=sum(tally.malformed.values()),
            duplicated=sum(tally.duplicated.values()),
            seed=args.seed,
        )
    )
    if failed or remaining:
        errors = "; ".join(delivery.errors)
        log(MESSAGES("failed", failed=failed, remaining=remaining, errors=errors))
        return 1
    return 0
