"""Classroom mode: one lab for a whole class, over Spark Connect.

`make class N=30` (lab.classroom.command) makes the roster (lab.classroom.roster), the gate's
certificate (lab.classroom.tls), each learner's topics and folders, starts the Spark Connect server
and the gate (lab.classroom.gate) and prints one connection line per learner; `make class STATUS=1`
is the teacher's view (lab.classroom.status). `LEARNER=ana` runs a job or a check as that learner,
through the gate, as their own laptop would.

This module holds what the runtimes and the Connect client need of it: where the class's files
are, the gate's command line, and a learner's client environment.
"""

from __future__ import annotations

from pathlib import Path

from lab.config.paths import Paths
from lab.config.settings import Settings
from lab.errors import UsageError
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "classroom")


def folder(paths: Paths) -> Path:
    """The class's files, in the lab's run folder (`make clean` ends the class): the roster, the
    gate's certificate, each learner's connection file (connections/<name>.env)."""
    return paths.run / "class"


def learners_root(run: Path) -> Path:
    """The learners' checkpoints and outputs, one folder each (class/learners/<name>/), in the run
    folder `run`: the host's, or as the Spark Connect server sees it (Runtime.server_view)."""
    return run / "class" / "learners"


def roster_path(paths: Paths) -> Path:
    return folder(paths) / "roster.json"


def certificates(settings: Settings, paths: Paths) -> dict[str, Path]:
    from lab.classroom import tls

    return tls.ensure(folder(paths) / "tls", settings.class_address)


ANY_ADDRESS = ("0.0.0.0", "::", "")


def _listening(settings: Settings, paths: Paths) -> str:
    """Where the class's gate listens: the roster's address, or CLASS_HOST before there is a roster."""
    from lab.classroom.roster import Roster

    roster = Roster.load(roster_path(paths))
    return roster.gate[0] if roster and roster.gate else settings["CLASS_HOST"]


def gate_host(settings: Settings, paths: Paths, given: str | None) -> str:
    """Where `make class` puts the gate: `given` (HOST), else where the class's gate listened last
    time, else .env's CLASS_HOST. An address learners can reach, never "every address": it is also
    what their lines and the gate's certificate name."""
    host = given or _listening(settings, paths)
    if host in ANY_ADDRESS:
        raise UsageError(MESSAGES("class_host_any", host=host))
    return host


def gate_command(settings: Settings, paths: Paths) -> list[str]:
    """The gate's process, listening where the roster says (CLASS_HOST before there is one)."""
    host = _listening(settings, paths)
    tls = folder(paths) / "tls"
    return [
        str(paths.python),
        "-m",
        "lab.classroom.gate",
        "--roster",
        str(roster_path(paths)),
        "--listen",
        f"{host}:{settings['CLASS_PORT']}",
        "--upstream",
        f"{settings.host}:{settings['SPARK_CONNECT_PORT']}",
        "--cert",
        str(tls / "gate.pem"),
        "--key",
        str(tls / "gate.key"),
        "--status",
        str(folder(paths) / "gate-status.json"),
    ]


def learner_environment(
    settings: Settings, paths: Paths, name: str, gate: tuple[str, str] | None = None, server_run: Path | None = None
) -> dict[str, str]:
    """What a client needs to run as learner `name`: their SPARK_REMOTE through the gate (at `gate`,
    (address, port), default where the roster says it listens), the class's certificate authority, their
    topics and folders as the server sees them (under `server_run`, default the run folder)."""
    from lab.classroom.roster import Roster

    roster = Roster.load(roster_path(paths))
    learner = roster.get(name) if roster else None
    if learner is None:
        raise UsageError(MESSAGES("unknown_learner", name=name, roster=roster_path(paths)))
    address, port = gate or roster.gate or (settings.class_address, settings["CLASS_PORT"])
    return {
        "SPARK_REMOTE": learner.remote(address, port),
        "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(folder(paths) / "tls" / "class-ca.pem"),
        **learner.environment(learners_root(server_run or paths.run)),
        "PATHS_ON_SERVER": "1",
    }
