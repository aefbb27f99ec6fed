"""`python -m lab <command>`: what the Makefile calls. One line per error, non-zero exit codes:
1 for a failure, 2 for bad usage (unknown job, service or option)."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable

from lab import runtimes
from lab.config.settings import ROOT, Settings, load
from lab.errors import LabError, report
from lab.spark import jobs
from streamlab.cliparse import Parser
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="lab", description="Spark Structured Streaming lab control")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "install", help="install what the runtime needs: jars and Debian packages (local), Compose checks (docker)"
    )
    sub.add_parser("up", help="start the lab and wait until every service is healthy")
    sub.add_parser("down", help="stop everything the lab started")
    sub.add_parser("status", help="show each service's state")
    for name in ("start", "stop", "kill"):
        sp = sub.add_parser(name, help=f"{name} one service")
        sp.add_argument("service")
    lp = sub.add_parser("logs", help="show a service's log")
    lp.add_argument("service")
    lp.add_argument("--lines", type=int, default=100)
    lp.add_argument("--follow", action="store_true")
    sub.add_parser("clean", help="delete run state (data, logs, checkpoints, outputs); the lab must be down")
    sub.add_parser("jobs", help="list the jobs")
    dm = sub.add_parser("demo", help="run the windowing job on live events, then say where to look next")
    dm.add_argument("--duration", type=int, default=60)
    sub.add_parser("produce", help="run the producer in the foreground (extra arguments go to it)")
    sub.add_parser("notebook", help="JupyterLab on the course's notebooks, its kernels' `spark` on the lab")
    cp = sub.add_parser(
        "consume", help="print a topic's records with keys and headers (extra arguments go to producer.consume)"
    )
    cp.add_argument("topic", help="a lab topic (page_views, orders, payments, quarantine, results) or a topic's name")
    _measuring_parsers(sub)
    cp = sub.add_parser("check", help="check a learner's exercises on the running lab: PASS, or FAIL with a hint")
    cp.add_argument("exercise", nargs="?", default="", help="1, 2, 3, 4, capstone, or all (the default)")
    cp.add_argument(
        "files", nargs="*", help="files to check, relative to the project; globs allowed (default: exercises/)"
    )
    sp = sub.add_parser("submit", help="run a job with spark-submit (extra arguments go to the job)")
    sp.add_argument("job")
    stp = sub.add_parser("state", help="print what a job keeps in its state, read from its checkpoint")
    stp.add_argument("job")
    stp.add_argument("--batch", type=int, default=None, help="the state after this batch (default: the last)")
    stp.add_argument("--limit", type=int, default=20, help="rows shown per operator; 0 for all (default 20)")
    stp.add_argument("--checkpoint", default=None, help="the job's checkpoint folder (default: its own)")
    stp.add_argument("--json", default=None, help="also write what was read to this file (under the run folder)")
    rp = sub.add_parser("reset", help="delete a job's checkpoints and default output")
    rp.add_argument("job")
    clp = sub.add_parser("class", help="classroom mode: one lab for a class, over Spark Connect")
    clp.add_argument("--learners", type=int, default=None, help="N learners: learner01..learnerNN")
    clp.add_argument("--names", default=None, help="the learners' names, comma-separated")
    clp.add_argument("--status", action="store_true", help="the teacher's view: learners, queries, rates")
    clp.add_argument("--stop", action="store_true", help="end the class: stop the gate (the roster stays)")
    sub.add_parser("runtime", help="print the runtime in use (local or docker)")
    sub.add_parser("config", help="print every setting in use, and which ones the environment overrides")
    sub.add_parser("generate", help="write the generated files: the Grafana dashboards")
    _report_parser(sub)
    return p


def _measuring_parsers(sub) -> None:
    """The commands that measure or break the running lab: bench and drill."""
    bp = sub.add_parser("bench", help="run the benchmark on the running lab")
    bp.add_argument("--quick", action="store_true", help="a few minutes instead of half an hour")
    bp.add_argument(
        "--cluster",
        action="store_true",
        help="windowing on one broker and on the cluster profile, side by side (Docker)",
    )
    bp.add_argument(
        "--connect",
        action="store_true",
        help="windowing as a classic driver and over Spark Connect, side by side",
    )
    bp.add_argument("--sessions", action="store_true", help="with --connect: only the learners' sessions held")
    dp = sub.add_parser("drill", help="run a reliability drill on the running lab")
    dp.add_argument("name", help="a drill name, all, or cluster")
    dp.add_argument("--size", choices=("small", "full"), default="full")


def _report_parser(sub) -> None:
    rp = sub.add_parser("report", help="write a performance report of a job's run from Prometheus")
    rp.add_argument("--job", default="windowing")
    rp.add_argument("--since", default="24h", help="how far back to look for runs, e.g. 15m, 2h (default 24h)")
    rp.add_argument("--start", type=float, default=None, help="start, Unix seconds (overrides --since)")
    rp.add_argument("--end", type=float, default=None, help="end, Unix seconds (default now)")
    rp.add_argument("--trigger-seconds", type=float, default=5.0, help="the run's trigger interval, for hints")
    rp.add_argument(
        "--run", default=None, help="the run to report: its number in --list, or its run id (default: the latest)"
    )
    rp.add_argument("--list", action="store_true", help="list the job's runs in the time range, and write no report")


# Commands that may be followed by arguments of their own (they go to the job, the producer or the consumer).
TAKES_EXTRA = ("submit", "produce", "consume")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args, extra = _parser().parse_known_args(argv)
    if extra and args.command not in TAKES_EXTRA:
        print(MESSAGES("unexpected_arguments", command=args.command, arguments=" ".join(extra)), file=sys.stderr)
        return 2
    try:
        settings = load()
        if args.command != "config":  # `config` shows the settings as given
            # The language, chosen once (LAB_LANG from the environment or .env, else the locale): this
            # process's messages and those of every process it starts (lab.config.clients tells the
            # jobs).
            os.environ["LAB_LANG"] = settings.language()
            settings = settings.overridden(os.environ)
        if args.command in BEFORE_RUNTIME:
            return BEFORE_RUNTIME[args.command](args, extra, settings)
        rt, settings = _runtime(settings)
        return COMMANDS[args.command](rt, args, extra, settings)
    except (LabError, KeyboardInterrupt) as exc:
        return report(exc)


def _runtime(settings: Settings) -> tuple[runtimes.Runtime, Settings]:
    """The runtime every other command works through, and the settings as it sees them."""
    choice = runtimes.choose(settings)
    # Chosen once: the commands this one runs (drills run `lab submit`, say) inherit it. Each
    # runtime keeps its own run folder, since their Kafkas hold different offsets.
    os.environ["RUNTIME"] = choice.name
    if choice.name == "docker" and not settings.get("LAB_RUN"):
        os.environ["LAB_RUN"] = str(settings.state / "docker")
    settings = settings.overridden(os.environ)
    return runtimes.get(settings, choice), settings


# --- commands that need no runtime -----------------------------------------------------------------
# `runtime` and `config` run on the system Python before the venv exists (the Makefile's BOOT), so
# this module imports only the standard library and stdlib-only lab modules at the top; whatever
# else a command needs, it imports itself.


def _jobs(args, extra, settings: Settings) -> int:
    catalog = jobs.available()
    width = max(map(len, catalog), default=0)
    for name, summary in catalog.items():
        print(f"{name:<{width}}  {summary}")
    return 0


def _generate(args, extra, settings: Settings) -> int:
    from lab.generated import write_all

    for path in write_all():
        print(MESSAGES("wrote", path=path.relative_to(ROOT)))
    return 0


def _config(args, extra, settings: Settings) -> int:
    """KEY=value for every setting, as .env would hold it; a key the environment overrides says so."""
    file = settings.file
    overridden = 0
    for key, value in settings.values.items():
        if key in file and file[key] == value:
            print(f"{key}={value}")
        else:
            overridden += 1
            print(MESSAGES("config_overridden", key=key, value=value, file=file.get(key, MESSAGES("config_nothing"))))
    print(MESSAGES("config_summary", count=len(settings.values), overridden=overridden), file=sys.stderr)
    return 0


def _which_runtime(args, extra, settings: Settings) -> int:
    choice = runtimes.choose(settings)
    print(f"{choice.name}  ({choice.reason})")
    return 0


def _consume(args, extra, settings: Settings) -> int:
    """producer.consume on Kafka as this machine sees it (settings.kafka_bootstrap: in both runtimes,
    since the Docker runtime publishes Kafka on 127.0.0.1), with a lab topic's name mapped to the
    topic's name in Kafka (TOPIC_*); any other name goes through as it is."""
    if not args.topic:
        print(MESSAGES("consume_needs_topic"), file=sys.stderr)
        return 2
    from producer import consume

    topic = settings.topics.get(args.topic, args.topic)
    return consume.main(["--bootstrap", settings.kafka_bootstrap, "--topic", topic, *extra])


BEFORE_RUNTIME: dict[str, Callable[[argparse.Namespace, list[str], Settings], int]] = {
    "jobs": _jobs,
    "consume": _consume,
    "config": _config,
    "generate": _generate,
    "runtime": _which_runtime,
}


# --- commands that work through the chosen runtime -------------------------------------------------

Handler = Callable[[runtimes.Runtime, argparse.Namespace, list[str], Settings], int]


def _install(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    rt.install()
    return 0


def _kill(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    print(MESSAGES("killed", service=args.service, what=rt.kill(args.service)))
    return 0


def _on_a_running_lab(handler: Handler) -> Handler:
    """The bench and the drills work on the running lab: without it they stop before doing anything."""

    @functools.wraps(handler)
    def checked(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
        if not rt.is_up():
            print(MESSAGES("not_up"), file=sys.stderr)
            return 1
        return handler(rt, args, extra, settings)

    return checked


@_on_a_running_lab
def _bench(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    from lab import bench

    if args.cluster:
        from lab.bench import cluster

        cluster.compare(rt, dict(os.environ))
        return 0
    if args.connect:
        from lab.bench import connect

        connect.compare(rt, dict(os.environ), sessions_only=args.sessions)
        return 0
    bench.run(rt, "quick" if args.quick else "full", dict(os.environ))
    return 0


@_on_a_running_lab
def _drill(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    from lab.course import drills

    groups = {"all": list(drills.DRILLS), "cluster": list(drills.CLUSTER_DRILLS)}
    names = groups.get(args.name, [args.name])
    known = {**drills.DRILLS, **drills.CLUSTER_DRILLS}
    unknown = [n for n in names if n not in known]
    if unknown:
        print(MESSAGES("unknown_drill", name=unknown[0], drills=", ".join(known)), file=sys.stderr)
        return 2
    if not rt.settings.cluster and any(n in drills.CLUSTER_DRILLS for n in names):
        print(MESSAGES("drill_needs_cluster", name=args.name), file=sys.stderr)
        return 2
    results = drills.run(names, args.size)
    return 0 if all(r.passed for r in results) else 1


def _check(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    from lab.course import exercises

    return exercises.check(rt, settings, args.exercise, args.files)


def _report(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    """Every line it prints in the learner's language (lab.observe.report's catalogue)."""
    import time

    from lab.observe.report import TEXT, Prometheus, ReportError, build, head, list_text, no_runs, runs
    from streamlab.i18n import language
    from streamlab.options import interval_seconds

    lang = language()
    end = args.end or time.time()
    try:
        start = args.start or end - interval_seconds(args.since)  # e.g. 15m, 2h, 90 seconds
    except ValueError:
        raise ReportError("bad_since", since=args.since) from None
    if args.list:
        found = runs(Prometheus.of(settings), args.job, start, end)
        print(list_text(args.job, found, lang) if found else no_runs(args.job, start, end, lang))
        return 0
    out = build(settings, args.job, start, end, trigger_seconds=args.trigger_seconds, run=args.run, lang=lang)
    print(TEXT.text("written", lang, html=out / "report.html", md=out / "report.md"))
    print(head((out / "report.md").read_text(), lang))
    return 0


def _class(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    from lab import classroom
    from lab.classroom import command

    if args.status:
        return command.show(rt.paths)
    # The lab with its Spark Connect server and the classroom's gate, where the class has it.
    host = classroom.gate_host(settings, rt.paths, os.environ.get("CLASS_HOST"))  # make class HOST=…
    rt, settings = _runtime(settings.overridden({"CLASS": "1", "CONNECT": "1", "CLASS_HOST": host}))
    if args.stop:
        return rt.stop(["class-gate"])
    return command.prepare(rt, settings, args.learners, args.names)


@_on_a_running_lab
def _state(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    from lab.spark import state

    return state.show(rt, args.job, args.batch, args.limit, args.checkpoint, args.json)


def _demo(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    from lab.course import demo

    return demo.run(rt, settings, args.duration)


def _reset(rt: runtimes.Runtime, args, extra, settings: Settings) -> int:
    from lab.spark.submit import reset

    return reset(settings, rt.paths, args.job)


# Every command _parser() knows has one handler, here or in BEFORE_RUNTIME (tests/unit/test_cli.py).
COMMANDS: dict[str, Handler] = {
    "install": _install,
    "up": lambda rt, args, extra, settings: rt.up(),
    "down": lambda rt, args, extra, settings: rt.down(),
    "status": lambda rt, args, extra, settings: rt.status(),
    "start": lambda rt, args, extra, settings: rt.up([args.service]),
    "stop": lambda rt, args, extra, settings: rt.stop([args.service]),
    "kill": _kill,
    "logs": lambda rt, args, extra, settings: rt.logs(args.service, args.lines, args.follow),
    "clean": lambda rt, args, extra, settings: rt.clean(),
    "submit": lambda rt, args, extra, settings: rt.submit(args.job, extra),
    "demo": _demo,
    "class": _class,
    "produce": lambda rt, args, extra, settings: rt.produce(extra),
    "notebook": _on_a_running_lab(lambda rt, args, extra, settings: rt.notebook()),
    "bench": _bench,
    "drill": _drill,
    "check": _check,
    "report": _report,
    "reset": _reset,
    "state": _state,
}
