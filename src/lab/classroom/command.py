"""`make class`: one lab for a class, and the teacher's view of it.

Contract:
- `prepare(rt, settings, n, names)`: the roster of N=30 learners (learner01..) or NAMES=ana,luis
  (a learner already in it keeps their token; without either, the roster's learners again), the
  gate's certificate for CLASS_HOST, each learner's folders and topics; then the Spark Connect
  server and the gate (started on a lab that is up, or with the whole lab), and one connection
  line per learner, with each learner's environment written to `<class folder>/connections/<name>.env`
  (beside a copy of the class's certificate authority, class-ca.pem). A gate already running for
  another address is restarted on the new one.
  Bad names or no learners: one line, exit 2.
- `show(paths, lang)`: the teacher's view (lab.classroom.status), as a table.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from lab import classroom
from lab.classroom import status
from lab.classroom.roster import Roster, RosterError, names_of
from lab.config.settings import Settings
from lab.errors import UsageError
from streamlab.i18n import language, number

MESSAGES = classroom.MESSAGES


def prepare(rt, settings: Settings, n: int | None, names: str | None) -> int:
    paths = rt.paths
    path = classroom.roster_path(paths)
    old = Roster.load(path)
    chosen = names_of(n, names) or [ln.name for ln in (old.learners if old else ())]
    if not chosen:
        raise UsageError(MESSAGES("no_learners"))
    gate = (settings["CLASS_HOST"], settings["CLASS_PORT"])
    try:
        roster = Roster.made(path, chosen, gate)
    except RosterError as e:
        raise UsageError(MESSAGES("bad_name", name=str(e))) from None
    roster.save()
    if old and old.gate and old.gate != gate and rt.is_up(("class-gate",)):
        rt.stop(["class-gate"])  # its certificate and address change
    classroom.certificates(settings, paths)
    for learner in roster.learners:
        for sub in ("checkpoints", "outputs"):
            (learner.folder(classroom.learners_root(paths.run)) / sub).mkdir(parents=True, exist_ok=True)
    rt.hand_over(classroom.folder(paths))  # the gate and the server read and write there
    rt.up()
    _topics(settings, roster)
    return _say(rt, settings, roster)


def _topics(settings: Settings, roster: Roster) -> None:
    from confluent_kafka.admin import AdminClient

    from lab.kafka.admin import create_topics

    wanted = [t for ln in roster.learners for t in ln.topics().values()]
    existing = AdminClient({"bootstrap.servers": settings.kafka_bootstrap}).list_topics(timeout=30).topics
    missing = [t for t in wanted if t not in existing]
    if missing:
        create_topics(settings.kafka_bootstrap, missing, partitions=1)


def env_file(rt, settings: Settings, name: str, address: str) -> Path:
    """Write learner `name`'s environment for their own machine, and return its path."""
    paths = rt.paths
    server_run, bootstrap = rt.server_view()
    env = classroom.learner_environment(settings, paths, name, (address, settings["CLASS_PORT"]), server_run)
    env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = "class-ca.pem"  # the file the teacher hands out beside this one
    env["KAFKA_BOOTSTRAP"] = bootstrap  # as the server reaches Kafka: the queries run there
    target = classroom.folder(paths) / "connections" / f"{name}.env"
    target.parent.mkdir(parents=True, exist_ok=True)
    head = "\n".join(f"# {MESSAGES.text('env_file_head', lang, name=name)}" for lang in ("es", "en"))
    body = "\n".join(f"export {k}='{v}'" for k, v in env.items())
    ca = "\n".join(f"# {MESSAGES.text('env_file_ca', lang)}" for lang in ("es", "en"))
    target.write_text(f"{head}\n{ca}\n{body}\n")
    target.chmod(0o600)
    return target


def _say(rt, settings: Settings, roster: Roster) -> int:
    paths = rt.paths
    address, port = roster.gate
    ca = classroom.folder(paths) / "connections" / "class-ca.pem"
    ca.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(classroom.folder(paths) / "tls" / "class-ca.pem", ca)
    print(MESSAGES("ready", count=len(roster.learners), address=address, port=port, ca=ca))
    if address in ("127.0.0.1", "localhost", "::1"):
        print(MESSAGES("on_loopback", host=address))
    print(MESSAGES("lines_head", folder=classroom.folder(paths) / "connections"))
    width = max(len(ln.name) for ln in roster.learners)
    for learner in roster.learners:
        env_file(rt, settings, learner.name, address)
        print(f"  {learner.name:<{width}}  {learner.remote(address, port)}")
    return 0


def show(paths, lang: str | None = None) -> int:
    lang = lang or language()
    if Roster.load(classroom.roster_path(paths)) is None:
        print(MESSAGES("no_class"))
        return 1
    found, gate_up = status.rows(paths)
    now = time.time()
    table = [MESSAGES.text("status_columns", lang).split("|")]
    for row in found:
        last = (
            MESSAGES.text("ago", lang, seconds=number(now - row.last_call, lang, 0))
            if row.last_call
            else MESSAGES.text("never", lang)
        )
        table.append([row.learner, last, str(row.queries), str(row.running), number(row.rows_per_second, lang, 1)])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    gate = status.gate_status(paths, now)
    if gate and gate.get("refused"):
        print(MESSAGES.text("status_refused", lang, count=number(gate["refused"], lang)))
    if not gate_up:
        print(MESSAGES.text("status_gate_down", lang))
    return 0
