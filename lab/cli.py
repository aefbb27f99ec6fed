"""`python -m lab <command>`: what the Makefile calls. One line per error, non-zero exit codes:
1 for a failure, 2 for bad usage (unknown job, service or option)."""

from __future__ import annotations

import argparse
import sys

from lab import jobs, runtime
from lab.paths import Paths
from lab.settings import SettingsError, load


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lab", description="Spark Structured Streaming lab control")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="resolve jars and Debian packages the local runtime needs")
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
    sub.add_parser("produce", help="run the producer in the foreground (extra arguments go to it)")
    bp = sub.add_parser("bench", help="run the benchmark on the running lab")
    bp.add_argument("--quick", action="store_true", help="a few minutes instead of half an hour")
    dp = sub.add_parser("drill", help="run a reliability drill on the running lab")
    dp.add_argument("name", help="a drill name, or all")
    dp.add_argument("--size", choices=("small", "full"), default="full")
    sp = sub.add_parser("submit", help="run a job with spark-submit (extra arguments go to the job)")
    sp.add_argument("job")
    rp = sub.add_parser("reset", help="delete a job's checkpoints and default output")
    rp.add_argument("job")
    sub.add_parser("runtime", help="print the runtime in use (local or docker)")
    sub.add_parser("generate", help="write the generated files: Grafana dashboards and Compose's Prometheus targets")
    rp2 = sub.add_parser("report", help="write a performance report of a job's run from Prometheus")
    rp2.add_argument("--job", default="windowing")
    rp2.add_argument("--since", default="30m", help="how far back to look, e.g. 15m, 2h (default 30m)")
    rp2.add_argument("--start", type=float, default=None, help="start, Unix seconds (overrides --since)")
    rp2.add_argument("--end", type=float, default=None, help="end, Unix seconds (default now)")
    rp2.add_argument("--trigger-seconds", type=float, default=5.0, help="the run's trigger interval, for hints")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args, extra = _parser().parse_known_args(argv)
    if extra and args.command not in ("submit", "produce"):
        print(f"lab {args.command}: unexpected arguments {' '.join(extra)}", file=sys.stderr)
        return 2
    try:
        settings = load()
        paths = Paths.of(settings)
        which = runtime.choose(settings)
        if args.command == "runtime":
            print(which)
            return 0
        if args.command == "generate":
            from lab.dashboards import write_all
            from lab.render import compose_targets
            from lab.settings import ROOT

            written = write_all()
            folder = ROOT / "compose" / "prometheus-targets"
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in compose_targets(load(environ={})).items():
                (folder / name).write_text(text)
                written.append(folder / name)
            for path in written:
                print(f"wrote {path.relative_to(ROOT)}")
            return 0
        if args.command == "jobs":
            catalog = jobs.available()
            width = max(map(len, catalog), default=0)
            for name, summary in catalog.items():
                print(f"{name:<{width}}  {summary}")
            return 0
        if which == "docker":
            from lab import docker as rt
        else:
            from lab import local as rt
        return _dispatch(rt, args, extra, settings, paths)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (SettingsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one clear line, not a traceback
        from lab.install import InstallError
        from lab.local import LabError

        if isinstance(exc, (LabError, InstallError)):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


def _dispatch(rt, args, extra, settings, paths) -> int:
    from lab import install

    cmd = args.command
    if cmd == "install":
        install.install(settings, paths)
        print("Everything the lab needs is installed.")
        return 0
    if cmd == "up":
        return rt.up(settings, paths)
    if cmd == "down":
        return rt.down(settings, paths)
    if cmd == "status":
        return rt.status(settings, paths)
    if cmd == "start":
        return rt.up(settings, paths, [args.service])
    if cmd == "stop":
        return rt.stop(settings, paths, [args.service])
    if cmd == "kill":
        pid = rt.kill(settings, paths, args.service)
        print(f"Killed {args.service} (pid {pid}) with SIGKILL.")
        return 0
    if cmd == "logs":
        return rt.logs(settings, paths, args.service, args.lines, args.follow)
    if cmd == "clean":
        return rt.clean(settings, paths)
    if cmd == "submit":
        return rt.submit(settings, paths, args.job, extra)
    if cmd == "produce":
        return rt.produce(settings, paths, extra)
    if cmd == "bench":
        import os

        from lab import bench

        if not rt.is_up(settings, paths):
            print("The lab is not up: run `make up` first.", file=sys.stderr)
            return 1
        bench.run(settings, paths, args.quick, dict(os.environ))
        return 0
    if cmd == "drill":
        from lab import drills

        names = list(drills.DRILLS) if args.name == "all" else [args.name]
        unknown = [n for n in names if n not in drills.DRILLS]
        if unknown:
            print(f"unknown drill {unknown[0]!r}; drills: {', '.join(drills.DRILLS)}, all", file=sys.stderr)
            return 2
        if not rt.is_up(settings, paths):
            print("The lab is not up: run `make up` first.", file=sys.stderr)
            return 1
        results = drills.run(names, args.size)
        return 0 if all(r.passed for r in results) else 1
    if cmd == "report":
        import time

        from lab.report import ReportError, build
        from streamlab.options import interval_seconds

        end = args.end or time.time()
        try:
            start = args.start or end - interval_seconds(args.since)  # e.g. 15m, 2h, 90 seconds
            out = build(settings, args.job, start, end, trigger_seconds=args.trigger_seconds)
        except ReportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"Report written: {out / 'report.html'} (summary: {out / 'report.md'})")
        print((out / "report.md").read_text().split("## Figures")[0].strip())
        return 0
    if cmd == "reset":
        from lab.submit import reset

        return reset(settings, paths, args.job)
    raise AssertionError(cmd)
