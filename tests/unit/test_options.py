import argparse

import pytest

from streamlab import options


@pytest.mark.parametrize(
    "text, normalised",
    [
        ("5 seconds", "5 seconds"),
        ("500ms", "500 milliseconds"),
        ("1 minute", "60 seconds"),
        ("10 minutes", "600 seconds"),
        ("2s", "2 seconds"),
        ("1.5 s", "1500 milliseconds"),
    ],
)
def test_intervals_normalise_to_spark_form(text, normalised):
    assert options.interval(text) == normalised


@pytest.mark.parametrize("text", ["soon", "5 parsecs", "-1 s", "0 seconds", ""])
def test_bad_intervals_are_rejected(text):
    with pytest.raises(argparse.ArgumentTypeError):
        options.interval(text)


def test_triggers():
    assert options.trigger("availableNow") == "availableNow"
    assert options.trigger("once") == "once"
    assert options.trigger("1 second") == "1 seconds"
    with pytest.raises(argparse.ArgumentTypeError, match="availableNow, once, or an interval"):
        options.trigger("always")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--duration", "abc"], "not a whole number"),
        (["--duration", "0"], "must be positive"),
        (["--sink", "s3"], "invalid choice"),
        (["--trigger", "fast"], "bad trigger"),
        (["--metrics-port", "70000"], "port out of range"),
        (["--fail-on-data-loss", "maybe"], "not true/false"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        options.parse(options.parser("windowing"), argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("windowing: error:") and message in err[-1]


def test_defaults():
    opts = options.parse(options.parser("basic"), [])
    assert (opts.sink, opts.output_mode, opts.trigger, opts.starting_offsets) == (
        "console",
        "append",
        "5 seconds",
        "earliest",
    )
    assert opts.duration is None and opts.fail_on_data_loss is True


def test_kafka_options_override_the_lab_defaults_one_by_one():
    from streamlab import sources

    opts = options.parse(
        options.parser("t"), ["--kafka-option", "kafka.max.poll.records=500", "--kafka-option", "minPartitions=8"]
    )
    assert opts.kafka_option == [("kafka.max.poll.records", "500"), ("minPartitions", "8")]
    merged = sources.read_options(opts)
    assert merged["kafka.max.poll.records"] == "500" and merged["minPartitions"] == "8"
    assert merged["kafka.fetch.max.wait.ms"] == sources.READ_OPTIONS["kafka.fetch.max.wait.ms"]


@pytest.mark.parametrize("text", ["kafka.max.poll.records", "=5", "kafka.max.poll.records="])
def test_a_kafka_option_must_be_key_value(text):
    with pytest.raises(argparse.ArgumentTypeError, match="not KEY=VALUE"):
        options.source_option(text)
