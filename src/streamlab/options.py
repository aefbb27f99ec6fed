"""Command-line options shared by every job, validated before Spark starts.

`parser(prog, doc)` returns an argparse parser with the common options; a job adds its own and calls
`parse(parser, argv)`. A bad value exits 2 with one line: "<job>: error: …", in the learner's
language (streamlab.cliparse). `lab submit` runs the same parser on the common options first, so
a typo fails in milliseconds, not after the JVM has started. Stdlib only (no pyspark import), for
that reason. The options are added in groups (the query's, the Kafka reader's, the reports', the
source's), in the order `--help` lists them.

`parse` also reads the job's environment once (streamlab.config) into `opts.config`: where Kafka,
the topics and the folders are. The options that name them win over it.
"""

from __future__ import annotations

import argparse
import dataclasses
import re

from streamlab.cliparse import Parser
from streamlab.config import Config, ConfigError
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("streamlab", "options")

SINKS = ("console", "parquet", "kafka", "postgres", "noop")
OUTPUT_MODES = ("append", "update", "complete")
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\s*$")
_UNIT_SECONDS = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
}


def interval_seconds(text: str) -> float:
    """'5 seconds', '500ms', '10 minutes' -> seconds. Raises ValueError on anything else."""
    match = _INTERVAL.match(text)
    if not match:
        raise ValueError(MESSAGES("not_an_interval", text=text))
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def interval(text: str) -> str:
    """argparse type: validates and normalises to Spark's form, e.g. '5 seconds'."""
    try:
        seconds = interval_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(MESSAGES("interval_not_positive", text=text))
    millis = round(seconds * 1000)
    return f"{millis} milliseconds" if millis % 1000 else f"{millis // 1000} seconds"


def trigger_seconds(trigger: str) -> float | None:
    """A parsed --trigger -> its interval in seconds; None for availableNow and once."""
    return None if trigger in ("availableNow", "once") else interval_seconds(trigger)


def trigger(text: str) -> str:
    """'availableNow', 'once', or a processing-time interval."""
    if text in ("availableNow", "once"):
        return text
    try:
        return interval(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(MESSAGES("bad_trigger", text=text)) from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(MESSAGES("not_a_whole_number", text=text)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(MESSAGES("not_positive", text=text))
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(MESSAGES("not_a_port", text=text)) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(MESSAGES("port_out_of_range", text=text))
    return value


def source_option(text: str) -> tuple[str, str]:
    """--kafka-option: KEY=VALUE, a Kafka source option (kafka.* keys go to the consumer)."""
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(MESSAGES("not_key_value", text=text))
    return key, value


def boolean(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(MESSAGES("not_boolean", text=text))


def parser(
    prog: str,
    doc: str | None = None,
    *,
    default_sink: str = "console",
    default_mode: str = "append",
    default_trigger: str | None = "5 seconds",
) -> argparse.ArgumentParser:
    """The common options. `default_trigger=None` leaves --trigger unset unless given: a job that
    runs otherwise by default (jobs/realtime.py: real-time mode) then tells whether it was asked for."""
    p = Parser(prog=prog, description=(doc or "").strip().splitlines()[0] if doc else None)
    _query_options(p, default_sink, default_mode, default_trigger)
    _kafka_read_options(p)
    _report_options(p)
    _source_options(p)
    return p


def _query_options(
    p: argparse.ArgumentParser, default_sink: str, default_mode: str, default_trigger: str | None
) -> None:
    """How long the query runs, where its results go, how often and in which mode, and its checkpoint."""
    p.add_argument(
        "--duration",
        type=positive_int,
        default=None,
        help="stop gracefully after this many seconds (default: run until Ctrl-C)",
    )
    p.add_argument("--sink", choices=SINKS, default=default_sink, help=f"where results go (default {default_sink})")
    p.add_argument(
        "--output", default=None, help="parquet: a folder; kafka: a topic; postgres: a table (defaults per job)"
    )
    p.add_argument(
        "--trigger",
        type=trigger,
        default=default_trigger,
        help=f"availableNow, once or an interval (default '{default_trigger}')"
        if default_trigger
        else "availableNow, once or an interval (default: see the job's doc)",
    )
    p.add_argument(
        "--output-mode", choices=OUTPUT_MODES, default=default_mode, help=f"output mode (default {default_mode})"
    )
    p.add_argument("--checkpoint", default=None, help="checkpoint folder (default: the job's own)")


def _kafka_read_options(p: argparse.ArgumentParser) -> None:
    """How the Kafka source reads: where a new query starts, how much per batch, its own options,
    and what to do about deleted offsets."""
    p.add_argument(
        "--starting-offsets",
        choices=("earliest", "latest"),
        default="earliest",
        help="where a new query starts reading Kafka (a checkpoint overrides it)",
    )
    p.add_argument(
        "--max-offsets-per-trigger",
        type=positive_int,
        default=None,
        help="cap on records read per micro-batch (default: no cap)",
    )
    p.add_argument(
        "--kafka-option",
        type=source_option,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Kafka source option over the lab's defaults (streamlab.sources.READ_OPTIONS); repeatable",
    )
    p.add_argument(
        "--fail-on-data-loss",
        type=boolean,
        default=True,
        help="fail when offsets were deleted before they were read (default true)",
    )


def _report_options(p: argparse.ArgumentParser) -> None:
    """What the run reports: the listener's metrics port and the end-of-run summary file."""
    p.add_argument(
        "--metrics-port",
        type=port,
        default=None,
        help="listener metrics port (default JOB_METRICS_PORT; 0 turns it off)",
    )
    p.add_argument(
        "--summary",
        default=None,
        help="at the end, write the run's figures per query as JSON to this file (streamlab.runner)",
    )


def _source_options(p: argparse.ArgumentParser) -> None:
    """Where the input is: the source topic and Kafka's address (both default to the environment)."""
    p.add_argument("--topic", default=None, help="source topic (default: the job's topic, TOPIC_<NAME>)")
    p.add_argument(
        "--bootstrap-servers",
        default=None,
        help="Kafka's bootstrap servers (default: KAFKA_BOOTSTRAP, else 127.0.0.1:9092)",
    )


# Output modes each sink accepts (Spark's rules; the console and noop sinks take all three).
SINK_MODES = {
    "parquet": ("append",),
    "kafka": ("append", "update", "complete"),
    "postgres": ("append", "update", "complete"),
    "console": OUTPUT_MODES,
    "noop": OUTPUT_MODES,
}


def parse(
    p: argparse.ArgumentParser, argv: list[str] | None = None, environ: dict[str, str] | None = None
) -> argparse.Namespace:
    opts = p.parse_args(argv)
    try:
        opts.config = Config.from_env(environ)
    except ConfigError as exc:
        p.error(str(exc))
    if opts.bootstrap_servers:
        opts.config = dataclasses.replace(opts.config, bootstrap=opts.bootstrap_servers)
    if opts.output_mode not in SINK_MODES[opts.sink]:
        modes = SINK_MODES[opts.sink]
        p.error(
            MESSAGES(
                "sink_mode", sink=opts.sink, modes=MESSAGES("or").join(modes), mode=opts.output_mode, first=modes[0]
            )
        )
    return opts
