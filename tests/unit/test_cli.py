"""`python -m lab <command>` (lab.cli): every command has a handler, the Makefile's commands exist, the
module stays importable on the system Python, and the handlers keep their lines and exit codes."""

import json
import re
import subprocess
import sys

import pytest

from lab import cli, errors, runtimes
from lab.config.settings import ROOT, SettingsError, load
from lab.errors import UsageError


def commands_parsed() -> set[str]:
    (sub,) = [a for a in cli._parser()._actions if a.dest == "command"]
    return set(sub.choices)


def test_every_command_has_one_handler():
    assert not set(cli.BEFORE_RUNTIME) & set(cli.COMMANDS)
    assert set(cli.BEFORE_RUNTIME) | set(cli.COMMANDS) == commands_parsed()


def test_every_command_the_makefile_runs_has_a_handler():
    makefile = (ROOT / "Makefile").read_text()
    used = set(re.findall(r"\$\(LAB\) ([a-z-]+)", makefile)) | set(re.findall(r"-m lab ([a-z-]+)", makefile))
    assert {"up", "runtime", "config", "submit", "drill"} <= used, "has the Makefile's way of calling lab moved?"
    assert used <= set(cli.BEFORE_RUNTIME) | set(cli.COMMANDS)


def test_the_commands_the_makefile_runs_before_the_venv_exists_need_no_runtime():
    assert {"runtime", "config"} <= set(cli.BEFORE_RUNTIME)


# streamlab's stdlib-only modules the CLI uses: its messages (i18n) and its argument parser (cliparse).
STDLIB_ONLY = {"streamlab", "streamlab.i18n", "streamlab.cliparse"}


def test_importing_the_cli_loads_only_the_standard_library_and_lab():
    """The Makefile runs `lab runtime` and `lab config` on the system Python, before the venv exists."""
    code = (
        "import sys; before = set(sys.modules); import lab.cli; "
        "print(*sorted(m for m in set(sys.modules) - before "
        "if m.split('.')[0] not in sys.stdlib_module_names and m.split('.')[0] != 'lab'))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert set(proc.stdout.split()) <= STDLIB_ONLY


class FakeRuntime:
    name = "fake"

    def __init__(self, up: bool):
        self.up_, self.paths = up, None
        self.settings = load(environ={})  # the single-broker lab

    def is_up(self):
        return self.up_

    def kill(self, service):
        return "pid 42"

    def submit(self, job, args):
        return 3 if args == ["--duration", "5"] else 0


@pytest.fixture
def lab_is(monkeypatch):
    """Runs main() with a fake runtime that is up or not; RUNTIME is restored afterwards."""
    monkeypatch.setenv("RUNTIME", "local")

    def run(up: bool, argv: list[str]) -> int:
        monkeypatch.setattr(runtimes, "choose", lambda settings: runtimes.Choice("local", "test"))
        monkeypatch.setattr(runtimes, "get", lambda settings, choice: FakeRuntime(up))
        return cli.main(argv)

    return run


@pytest.mark.parametrize("command", [["bench"], ["bench", "--quick"], ["drill", "all"], ["drill", "nope"]])
def test_bench_and_drills_refuse_a_lab_that_is_not_up(lab_is, capsys, command):
    assert lab_is(False, command) == 1
    assert capsys.readouterr().err == "The lab is not up: run `make up` first.\n"


def test_an_unknown_drill_is_bad_usage(lab_is, capsys):
    assert lab_is(True, ["drill", "nope"]) == 2
    assert capsys.readouterr().err.startswith("unknown drill 'nope'; drills: driver-kill, ")


def test_the_cluster_drills_refuse_a_single_broker_lab(lab_is, capsys):
    assert lab_is(True, ["drill", "cluster"]) == 2
    assert lab_is(True, ["drill", "broker-kill"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "drill 'cluster' runs on the cluster profile only: start it with make up CLUSTER=1 (Docker runtime)",
        "drill 'broker-kill' runs on the cluster profile only: start it with make up CLUSTER=1 (Docker runtime)",
    ]


def test_the_cluster_profile_in_the_local_runtime_is_one_line_of_bad_usage():
    with pytest.raises(UsageError) as refused:
        runtimes.get(load(environ={"CLUSTER": "1", "LAB_LANG": "en"}), runtimes.Choice("local", "test"))
    assert str(refused.value) == (
        "the cluster profile (CLUSTER=1) runs in the Docker runtime only: run it with RUNTIME=docker"
    )


def test_kill_says_what_it_killed(lab_is, capsys):
    assert lab_is(True, ["kill", "kafka"]) == 0
    assert capsys.readouterr().out == "Killed kafka (pid 42) with SIGKILL.\n"


def test_only_submit_produce_and_consume_take_extra_arguments(lab_is, capsys):
    assert lab_is(True, ["submit", "windowing", "--duration", "5"]) == 3
    assert lab_is(True, ["up", "--duration", "5"]) == 2
    assert capsys.readouterr().err == "lab up: unexpected arguments --duration 5\n"


class FailingRuntime(FakeRuntime):
    """A runtime whose `status` raises what it is given."""

    def __init__(self, error: BaseException):
        super().__init__(True)
        self.error = error

    def status(self):
        raise self.error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.UsageError("unknown service 'nope'"), 2),
        (SettingsError("KAFKA_PORT='x' is not an integer"), 2),
        (errors.InstallError("java is not installed"), 1),
        (errors.RuntimeFailure("kafka exited"), 1),
        (KeyboardInterrupt(), 130),
    ],
)
def test_each_kind_of_error_has_one_exit_code_and_one_line(monkeypatch, capsys, error, code):
    monkeypatch.setenv("RUNTIME", "local")
    monkeypatch.setenv("LAB_LANG", "en")
    monkeypatch.setattr(runtimes, "choose", lambda settings: runtimes.Choice("local", "test"))
    monkeypatch.setattr(runtimes, "get", lambda settings, choice: FailingRuntime(error))
    assert cli.main(["status"]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err == ("interrupted\n" if code == 130 else f"error: {error}\n")


def test_a_json_decoding_failure_escaping_a_runtime_is_a_bug_not_bad_usage(monkeypatch):
    """A JSONDecodeError is a ValueError: it is not taken for the user's mistake (exit 2) but raised
    with its traceback. The runtimes turn what they cannot read into a RuntimeFailure, exit 1
    (tests/unit/test_runtime.py)."""
    monkeypatch.setenv("RUNTIME", "local")
    monkeypatch.setattr(runtimes, "choose", lambda settings: runtimes.Choice("local", "test"))
    raw = json.JSONDecodeError("Expecting value", "not json", 0)
    assert errors.exit_code(raw) is None
    monkeypatch.setattr(runtimes, "get", lambda settings, choice: FailingRuntime(raw))
    with pytest.raises(json.JSONDecodeError):
        cli.main(["status"])
