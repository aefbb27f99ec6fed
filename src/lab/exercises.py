"""`make check EXERCISE=n [FILE=…]`: run a learner's exercise on the lab and say PASS, or FAIL with a hint.

Contract:
- The input is deterministic: a fresh one-partition topic, filled from fixed seeds with page views
  from a fixed past day (2024-03-01, 10:00-10:45 UTC), read in micro-batches of BATCH records
  (`maxOffsetsPerTrigger` on one partition cuts them the same way every time):
  - batches 0 and 1: 40 minutes of page views (10:00-10:40), and a few malformed records;
  - batch 2: page views from 10:00-10:02, late, then on-time ones from 10:40-10:45.
  Spark drops an event whose window ended before the watermark of the batch before (the one it
  evicts state with; SPARK-40925). Batch 2's late events are behind both batch 1's watermark
  (10:10) and batch 2's (10:30), so the drop does not hang on that detail; truth_of asserts it.
- The ground truth is computed here, from the records read back from Kafka (lab.truth), never
  from Spark.
- jobs/_check.py runs the learner's code on Spark and records what it did (observed.json); the
  judges here compare that with the truth. Every problem found gets a hint (HINTS, in English
  and Spanish); the first is the one to fix first.
- Exit code: 0 when every file passes, 1 when one fails, 2 for bad usage (an unknown exercise, a
  file that does not exist).
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lab.settings import ROOT, Settings
from lab.truth import valid_events, window_start
from streamlab.i18n import Catalogue

EXERCISES = {"1": "ex1_read_kafka.py", "2": "ex2_windowing.py", "3": "ex3_output.py", "capstone": "capstone.py"}
DAY = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)
WATERMARK = timedelta(minutes=10)
# (seed, first event's time, records, malformed share) of each part, in the topic's order; 0.2
# page views per second of event time.
PARTS = ((501, DAY, 480, 0.04), (503, DAY, 24, 0.0), (502, DAY + timedelta(minutes=40), 60, 0.0))
EVENT_RATE = 0.2
BATCH = 240
# The capstone: 40 minutes of orders and their payments (0.5 events/s: about 520 orders), then a
# burst three hours later whose watermarks close every earlier window.
CAPSTONE_PARTS = ((601, DAY, 1200, 0.02), (602, DAY + timedelta(hours=3), 60, 0.0))
CAPSTONE_RATE = 0.5
CAPSTONE_BATCH = 200  # records per source per micro-batch
PAID_WITHIN = timedelta(minutes=10)
TIMEOUT_PER_FILE = 240.0


class UsageError(ValueError):
    """A bad EXERCISE or FILE: one line, exit 2."""


# --- the hints -------------------------------------------------------------------------------------
# One message per problem the judges know (src/lab/messages/hints.toml); {names} are filled from
# what was observed.
HINTS = Catalogue.load("lab", "hints")

# Why a column the course's code names is not there (exercise 2's starter).
COLUMN_WHY = {
    "key": {
        "en": 'The course groups by Kafka\'s key; here, count per country: groupBy(window(...), "country").',
        "es": 'El curso agrupa por la clave de Kafka; aquí, cuenta por país: groupBy(window(...), "country").',
    },
    "value": {
        "en": "The JSON is already parsed into columns: count the rows with .count().",
        "es": "El JSON ya está analizado en columnas: cuenta las filas con .count().",
    },
}


def file_prefix(exercise: str) -> str:
    """How the exercise's files start: ex2_windowing.py, capstone.py; wrong answers ex2_*.py, capstone_*.py."""
    return EXERCISES[exercise].split("_")[0].removesuffix(".py")


def language(environ=os.environ) -> str:
    """es or en: LAB_LANG, else the locale's LANG (es_ES.UTF-8 says Spanish)."""
    chosen = environ.get("LAB_LANG") or environ.get("LANG", "")
    return "es" if chosen.lower().startswith("es") else "en"


@dataclass
class Problem:
    code: str
    values: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The hint in `lang`; a value given in both languages (a dict with en and es) takes `lang`'s."""
        return HINTS.text(self.code, lang, **self.values)


@dataclass
class Verdict:
    file: str
    problems: list[Problem]
    checked: dict[str, str] = field(default_factory=dict)  # what a pass stands for, in en and es

    @property
    def passed(self) -> bool:
        return not self.problems

    def lines(self, lang: str) -> list[str]:
        if self.passed:
            return [f"{self.file}: PASS", f"  {self.checked[lang]}"]
        first, *more = self.problems
        label = "Pista" if lang == "es" else "Hint"
        also = "También" if lang == "es" else "Also"
        return [
            f"{self.file}: FAIL",
            f"  {label} ({first.code}): {first.text(lang)}",
            *(f"  {also} ({p.code}): {p.text(lang)}" for p in more),
        ]


# --- the input and its truth -----------------------------------------------------------------------


@dataclass
class Truth:
    """What a right answer gives, from the records in Kafka (independent of Spark)."""

    records: int
    events: dict[str, dict]  # event_id -> the page view's fields (event_time in µs since 1970)
    malformed: int
    counts: Counter  # (window start µs, window end µs, country) -> page views, late ones left out
    late: int  # page views more than the watermark behind part A's latest: dropped


def micros(t: datetime) -> int:
    """µs since 1970 of a UTC time (lab.truth's times are naive UTC)."""
    return int(t.replace(tzinfo=UTC).timestamp() * 1_000_000)


def window_of(t: datetime) -> tuple[int, int, datetime]:
    """The 5-minute window holding `t`: its ends in µs, and its start."""
    start = window_start(t, 5)
    return micros(start), micros(start + WINDOW), start


def truth_of(records, batch: int = BATCH) -> Truth:
    """The right answers for these records (read back from Kafka, in offset order), read in
    micro-batches of `batch` records (see the module's docstring)."""
    batches = [valid_events(records[i : i + batch], "page_views") for i in range(0, len(records), batch)]
    counts: Counter = Counter()
    late = 0
    latest: list[datetime] = []  # each batch's latest event time
    for k, events in enumerate(batches):
        # The watermarks in force in batch k: the one late events are dropped by, from the batches
        # up to k-2; and the one state is evicted by, up to k-1.
        drop_by = max(latest[: k - 1], default=None) if k >= 2 else None
        evict_by = max(latest[:k], default=None) if k >= 1 else None
        for e in events:
            w_start, w_end, start = window_of(e["event_time"])
            dropped = drop_by is not None and start + WINDOW <= drop_by - WATERMARK
            evicted = evict_by is not None and start + WINDOW <= evict_by - WATERMARK
            assert dropped == evicted, "the check's input must not straddle the watermark"
            if dropped:
                late += 1
            else:
                counts[(w_start, w_end, e["country"])] += 1
        latest.append(max(e["event_time"] for e in events))
    events = {e["event_id"]: {**e, "event_time": micros(e["event_time"])} for b in batches for e in b}
    return Truth(len(records), events, len(records) - len(events), counts, late)


def input_events() -> list:
    """The check's input, as producer.generator Events in the topic's order (the module's docstring)."""
    from producer.generator import Config, EventGenerator, Pools

    pools = Pools(PARTS[0][0], 1000, 200)
    events = []
    for seed, start, count, malformed in PARTS:
        config = Config(
            seed=seed, start_time=start.timestamp(), event_rate=EVENT_RATE, mix=(1.0, 0.0), malformed_share=malformed
        )
        events += itertools.islice(EventGenerator(config, pools).events(), count)
    return events


def create_topic(bootstrap: str, name: str) -> None:
    """A one-partition topic: one partition keeps the records in the order they were sent."""
    from lab.kafkatools import create_topics

    create_topics(bootstrap, [name], partitions=1)


def delete_topic(bootstrap: str, name: str) -> None:
    from lab.kafkatools import delete_topics

    delete_topics(bootstrap, [name])


@dataclass
class CapstoneTruth:
    """The capstone's right answer, from the orders and payments in Kafka."""

    records: int  # in both topics
    malformed: int
    orders: int  # valid orders before the burst
    rows: dict[tuple[int, int, str], tuple[int, float]]  # (window start µs, end µs, country) -> (paid, revenue)


def capstone_events() -> list:
    from producer.generator import Config, EventGenerator, Pools

    pools = Pools(CAPSTONE_PARTS[0][0], 1000, 200)
    events = []
    for seed, start, count, malformed in CAPSTONE_PARTS:
        config = Config(
            seed=seed,
            start_time=start.timestamp(),
            event_rate=CAPSTONE_RATE,
            mix=(0.0, 1.0),
            malformed_share=malformed,
        )
        events += itertools.islice(EventGenerator(config, pools).events(), count)
    return events


def capstone_truth_of(orders, payments) -> CapstoneTruth:
    """Paid orders and their revenue per (5-minute window of the order's time, country), for the
    orders before the burst (the burst's own windows stay open). An order is paid by a payment
    with its order_id between its time and PAID_WITHIN later."""
    valid_orders = valid_events(orders, "orders")
    paid_at: dict[str, list[datetime]] = {}
    for p in valid_events(payments, "payments"):
        paid_at.setdefault(p["order_id"], []).append(p["event_time"])
    burst = CAPSTONE_PARTS[1][1].replace(tzinfo=None)
    rows: dict[tuple, list] = {}
    main = [o for o in valid_orders if o["event_time"] < burst]
    for o in main:
        t = o["event_time"]
        if any(t <= p <= t + PAID_WITHIN for p in paid_at.get(o["order_id"], [])):
            w_start, w_end, _ = window_of(t)
            row = rows.setdefault((w_start, w_end, o["country"]), [0, 0.0])
            row[0] += 1
            row[1] += o["amount"]
    valid = len(valid_orders) + sum(len(v) for v in paid_at.values())
    return CapstoneTruth(
        len(orders) + len(payments),
        len(orders) + len(payments) - valid,
        len(main),
        {k: (n, round(r, 2)) for k, (n, r) in rows.items()},
    )


def produce(bootstrap: str, topics: dict[str, str], events) -> None:
    """Send `events` (producer.generator Events) to the topic of each one's kind; a malformed one
    (made from an event of any kind) to the first topic."""
    from confluent_kafka import Producer

    # Idempotence keeps the records in the order they are sent: the batches depend on it.
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "log_level": 3})
    for event in events:
        topic = topics[event.topic_key] if not event.malformed else next(iter(topics.values()))
        producer.produce(topic, key=event.key, value=event.value)
        producer.poll(0)
    if producer.flush(30):
        raise RuntimeError(f"the check's input did not reach Kafka at {bootstrap} within 30 s")


# --- the judges ------------------------------------------------------------------------------------


def _when(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%d %H:%M")


def _first_error(seen: dict) -> list[Problem]:
    if "missing_function" in seen:
        return [Problem("missing_function", {"name": seen["missing_function"]})]
    if "not_a_query" in seen:
        return [Problem("not_a_query", {"type": seen["not_a_query"]})]
    err = seen.get("error")
    if not err:
        return []
    if "checkpointLocation must be specified" in err["message"]:
        return [Problem("checkpoint_required")]
    if (err.get("spark_class") or "").startswith("UNRESOLVED_COLUMN"):
        column = err["params"].get("objectName", "?")
        name = column.strip("`").split(".")[-1]
        why = COLUMN_WHY.get(name, {"en": "", "es": ""})
        return [
            Problem("unresolved_column", {"column": column, "available": err["params"].get("proposal", ""), "why": why})
        ]
    return [Problem("error", {"type": err["type"], "message": err["message"]})]


def judge_1(seen: dict, truth: Truth) -> Verdict:
    problems = _first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    if not seen["streaming"]:
        return Verdict(seen["file"], [Problem("not_streaming")])
    rows = [r for batch in seen["batches"] for r in batch]
    if not rows:
        return Verdict(seen["file"], [Problem("no_rows")])
    fields = list(next(iter(truth.events.values())))
    found = list(seen["columns"])
    missing = [f for f in fields if f not in found]
    if "value" in found and len(missing) == len(fields):
        return Verdict(seen["file"], [Problem("not_parsed", {"found": ", ".join(found)})])
    if missing:
        return Verdict(
            seen["file"], [Problem("missing_columns", {"missing": ", ".join(missing), "found": ", ".join(found)})]
        )
    from streamlab.schemas import PAGE_VIEWS

    incomplete = [r for r in rows if any(r.get(f) is None for f in PAGE_VIEWS.required)]
    if incomplete:
        nulls = sorted({f for r in incomplete for f in PAGE_VIEWS.required if r.get(f) is None})
        return Verdict(
            seen["file"], [Problem("malformed_kept", {"count": len(incomplete), "fields": ", ".join(nulls)})]
        )
    by_id = Counter(r["event_id"] for r in rows)
    changed = [
        r for r in rows if r["event_id"] in truth.events and any(r[f] != truth.events[r["event_id"]][f] for f in fields)
    ]
    diff = {
        "missing": len(set(truth.events) - set(by_id)),
        "extra": len(set(by_id) - set(truth.events)),
        "duplicated": sum(n - 1 for n in by_id.values()),
        "changed": len(changed),
    }
    if any(diff.values()):
        example = ""
        if changed:
            r = changed[0]
            f = next(f for f in fields if r[f] != truth.events[r["event_id"]][f])
            example = f"{r['event_id']} {f}={r[f]!r}, not {truth.events[r['event_id']][f]!r}"
        return Verdict(seen["file"], [Problem("rows_differ", {**diff, "example": example or "-"})])
    checked = {
        "en": f"{len(rows)} page views, each exactly as in the topic; the {truth.malformed} malformed records "
        "left out.",
        "es": f"{len(rows)} visitas, cada una tal como está en el topic; los {truth.malformed} registros "
        "malformados, fuera.",
    }
    return Verdict(seen["file"], [], checked)


def _window_columns(cols: dict[str, str]) -> tuple[str, str] | None:
    if "window.start" in cols or "window" in cols:
        return "window.start", "window.end"
    if "window_start" in cols and "window_end" in cols:
        return "window_start", "window_end"
    return None


def judge_2(seen: dict, truth: Truth) -> Verdict:
    problems = _first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    cols = seen["columns"]
    ends = _window_columns(cols)
    numeric = [c for c, t in cols.items() if t in ("bigint", "int") and c != "country"]
    missing = [n for n, ok in (("window", ends), ("country", "country" in cols), ("count", numeric)) if not ok]
    if missing:
        return Verdict(
            seen["file"], [Problem("missing_columns", {"missing": ", ".join(missing), "found": ", ".join(cols)})]
        )
    count_col = "count" if "count" in cols else numeric[0]
    # Update mode: a window's latest row holds its count so far.
    final: dict[tuple, int] = {}
    for batch in seen["batches"]:
        for r in batch:
            final[(r[ends[0]], r[ends[1]], r["country"])] = r[count_col]
    problems = []
    windows = sorted({(s, e) for s, e, _ in final})
    day_start, day_end = micros(DAY), micros(DAY + timedelta(hours=1))
    if windows and all(not (day_start <= s < day_end) for s, _ in windows):
        return Verdict(
            seen["file"], [Problem("processing_time", {"seen": _when(windows[0][0]), "day": _when(day_start)})]
        )
    lengths = {e - s for s, e in windows}
    if lengths and lengths != {int(WINDOW.total_seconds() * 1e6)}:
        length = timedelta(microseconds=min(lengths))
        problems.append(Problem("window_length", {"length": _duration(length)}))
    elif len({s for s, _ in windows}) > 1:
        starts = sorted({s for s, _ in windows})
        slide = min(b - a for a, b in itertools.pairwise(starts))
        if slide < WINDOW.total_seconds() * 1e6:
            problems.append(Problem("sliding_windows", {"slide": _duration(timedelta(microseconds=slide))}))
    marks = seen["watermarks"]
    if not marks:
        problems.append(Problem("missing_watermark", {"late": truth.late}))
    else:
        mark = marks[0]
        if mark["column"] != "event_time":
            problems.append(Problem("watermark_column", {"column": mark["column"]}))
        elif mark["delay"] != "10 minutes":
            problems.append(Problem("watermark_delay", {"delay": mark["delay"]}))
    if not problems:
        expected = dict(truth.counts)
        wrong = {k for k in set(expected) | set(final) if expected.get(k) != final.get(k)}
        if wrong:
            k = sorted(wrong)[0]
            example = f"{_when(k[0])}-{_when(k[1])[-5:]} {k[2]}: {final.get(k, 0)}, not {expected.get(k, 0)}"
            problems.append(Problem("counts_differ", {"wrong": len(wrong), "total": len(expected), "example": example}))
    if problems:
        return Verdict(seen["file"], problems)
    checked = {
        "en": f"{len(final)} (window, country) counts exact, from {sum(final.values())} page views; the "
        f"{truth.late} late ones left out by the watermark.",
        "es": f"{len(final)} conteos por (ventana, país) exactos, de {sum(final.values())} visitas; las "
        f"{truth.late} tardías, fuera por la marca de agua.",
    }
    return Verdict(seen["file"], [], checked)


def _duration(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


MODE_PRINTS = {
    "Complete": {
        "en": "every window at every batch (a file sink cannot take it)",
        "es": "todas las ventanas en cada batch (un sink de ficheros no lo admite)",
    },
    "Append": {
        "en": "each window once, when the watermark closes it",
        "es": "cada ventana una vez, al cerrarla la marca de agua",
    },
    "Update": {
        "en": "only the windows that changed in each batch",
        "es": "solo las ventanas que cambiaron en cada batch",
    },
}


def judge_3(seen: dict, truth: Truth) -> Verdict:
    problems = _first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    first, *rest = seen["runs"]
    if "ConsoleTable" not in first["sink"]:
        problems.append(Problem("sink", {"sink": first["sink"].split("@")[0] or "?"}))
    if first["output_mode"] != "Complete":
        what = MODE_PRINTS.get(first["output_mode"], {"en": "?", "es": "?"})
        problems.append(Problem("output_mode", {"mode": first["output_mode"].lower(), "what": what}))
    problems += _checkpoint_problems(first, seen["given_checkpoint"])
    read = sum(p["input_rows"] for p in first["progress"])
    if read < truth.records:
        problems.append(Problem("incomplete", {"read": read, "rows": truth.records}))
    again = sum(p["input_rows"] for p in rest[0]["progress"]) if rest else 0
    if again:
        problems.append(Problem("started_over", {"rows": again}))
    if problems:
        return Verdict(seen["file"], problems)
    batches = len([p for p in first["progress"] if p["input_rows"]])
    checked = {
        "en": f"console sink, complete mode, checkpoint in the given folder: {batches} batches, then a restart "
        "that carried on from the checkpoint (read nothing again).",
        "es": f"sink de consola, modo complete, checkpoint en la carpeta dada: {batches} batches, y un "
        "rearranque que siguió desde el checkpoint (no volvió a leer nada).",
    }
    return Verdict(seen["file"], [], checked)


def judge_capstone(seen: dict, truth: CapstoneTruth) -> Verdict:
    err = seen.get("error") or {}
    if err.get("type") == "NotImplementedError":
        return Verdict(seen["file"], [Problem("todo", {"message": err["message"]})])
    problems = []
    if "join" in seen and not seen["join"]:
        problems.append(Problem("no_join"))
    if "watermarks" in seen and len(seen["watermarks"]) < 2:
        problems.append(Problem("join_watermarks", {"found": len(seen["watermarks"])}))
    problems += _first_error(seen)
    if problems:
        return Verdict(seen["file"], problems)
    cols = seen["columns"]
    ends = _window_columns(cols)
    missing = [
        n for n, ok in (("window", ends), *((c, c in cols) for c in ("country", "paid_orders", "revenue"))) if not ok
    ]
    if missing:
        return Verdict(
            seen["file"], [Problem("missing_columns", {"missing": ", ".join(missing), "found": ", ".join(cols)})]
        )
    first = seen["runs"][0]
    if "FileSink" not in first["sink"]:
        problems.append(Problem("parquet_sink", {"sink": first["sink"].split("@")[0] or "?"}))
    if first["output_mode"] != "Append":
        problems.append(Problem("append_mode", {"mode": first["output_mode"].lower()}))
    problems += _checkpoint_problems(first, seen["given_checkpoint"])
    rows = seen["rows"]
    if not rows and not problems:
        problems.append(Problem("no_output"))
    got = Counter((r[ends[0]], r[ends[1]], r["country"]) for r in rows)
    repeated = sum(n - 1 for n in got.values() if n > 1)
    if repeated:
        problems.append(Problem("duplicates", {"count": repeated}))
    if rows and not problems:
        found = {(r[ends[0]], r[ends[1]], r["country"]): (r["paid_orders"], round(r["revenue"], 2)) for r in rows}
        # The burst's windows stay open: they are not in the truth, nor expected in the output.
        wrong = {k for k in set(truth.rows) | set(found) if truth.rows.get(k) != found.get(k)}
        if wrong:
            k = sorted(wrong)[0]
            example = f"{_when(k[0])}-{_when(k[1])[-5:]} {k[2]}: {found.get(k, '-')}, not {truth.rows.get(k, '-')}"
            problems.append(
                Problem("revenue_differs", {"wrong": len(wrong), "total": len(truth.rows), "example": example})
            )
    if problems:
        return Verdict(seen["file"], problems)
    paid = sum(n for n, _ in truth.rows.values())
    revenue = sum(r for _, r in truth.rows.values())
    batches = len([p for p in first["progress"] if p["input_rows"]])
    checked = {
        "en": f"{len(truth.rows)} (window, country) rows exact: {paid} of {truth.orders} orders paid, {revenue:,.2f} "
        f"of revenue; stopped after {batches} batch(es), restarted on its checkpoint, nothing written twice.",
        "es": f"{len(truth.rows)} filas (ventana, país) exactas: {paid} de {truth.orders} pedidos pagados, "
        f"{revenue:,.2f} de ingresos; parada tras {batches} batch(es), rearrancada sobre su checkpoint, nada "
        "escrito dos veces.",
    }
    return Verdict(seen["file"], [], checked)


def _checkpoint_problems(run: dict, given: str) -> list[Problem]:
    where = run["checkpoint"].removeprefix("file:")
    if Path(where).name.startswith("temporary-"):
        return [Problem("no_checkpoint", {"where": where})]
    if Path(where) != Path(given):
        return [Problem("checkpoint_elsewhere", {"where": where, "given": given})]
    return []


JUDGES = {"1": judge_1, "2": judge_2, "3": judge_3, "capstone": judge_capstone}


# --- the command -----------------------------------------------------------------------------------


def files_of(exercise: str, patterns: list[str]) -> list[str]:
    """The files to check, relative to the project: the learner's own by default, else every
    match of the patterns (shell globs, relative to the project). They must be in the project:
    the Docker runtime's driver sees only the project folder."""
    if exercise not in EXERCISES:
        raise UsageError(f"unknown exercise {exercise!r}; exercises: {', '.join(EXERCISES)}")
    if not patterns:
        return [f"exercises/{EXERCISES[exercise]}"]
    found = []
    for pattern in patterns:
        matches = (
            sorted(glob.glob(pattern, root_dir=ROOT)) if not Path(pattern).is_absolute() else sorted(glob.glob(pattern))
        )
        if not matches:
            raise UsageError(f"no file matches {pattern!r}")
        for match in matches:
            path = (ROOT / match).resolve()
            if not path.is_relative_to(ROOT):
                raise UsageError(f"{match}: the files to check must be inside the project folder ({ROOT})")
            found.append(str(path.relative_to(ROOT)))
    return found


def check(rt, settings: Settings, exercise: str, patterns: list[str], environ: dict[str, str] | None = None) -> int:
    from lab.kafkatools import consume_all

    environ = dict(os.environ if environ is None else environ)
    lang = language(environ)
    files = files_of(exercise, patterns)
    if not rt.is_up():
        print("The lab is not up: run `make up` first.", file=sys.stderr)
        return 1
    bootstrap = settings.kafka_bootstrap
    suffix = uuid.uuid4().hex[:8]
    work = rt.paths.run / "checks" / f"ex{exercise}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{suffix}"
    work.mkdir(parents=True)
    if exercise == "capstone":
        topics = {k: f"check_capstone_{k}_{suffix}" for k in ("orders", "payments")}
    else:
        topics = {"page_views": f"check_ex{exercise}_{suffix}"}
    for topic in topics.values():
        create_topic(bootstrap, topic)
    try:
        if exercise == "capstone":
            produce(bootstrap, topics, capstone_events())
            truth = capstone_truth_of(*(consume_all(bootstrap, topics[k]) for k in ("orders", "payments")))
            about = f"{truth.orders} orders and their payments, {truth.malformed} malformed"
            batch = CAPSTONE_BATCH
        else:
            produce(bootstrap, topics, input_events())
            truth = truth_of(consume_all(bootstrap, topics["page_views"]))
            about = f"{len(truth.events)} page views, {truth.malformed} malformed, {truth.late} late"
            batch = BATCH
        print(
            f"Checking exercise {exercise}: {len(files)} file(s), on {truth.records} records in "
            f"{', '.join(topics.values())} ({about}).",
            flush=True,
        )
        args = [
            "--exercise",
            exercise,
            *(f"--topic={k}={t}" for k, t in topics.items()),
            "--records",
            str(truth.records),
        ]
        observed = _run_driver(
            rt, [*args, "--batch", str(batch), "--work", str(work), *files], len(files), work, environ
        )
    finally:
        for topic in topics.values():
            delete_topic(bootstrap, topic)
    verdicts = [JUDGES[exercise](seen, truth) for seen in observed]
    print()
    for verdict in verdicts:
        print("\n".join(verdict.lines(lang)))
    if len(verdicts) > 1:
        passed = sum(v.passed for v in verdicts)
        print(f"\n{passed} of {len(verdicts)} passed" if lang == "en" else f"\n{passed} de {len(verdicts)} correctos")
    print(f"\nSpark's output (your queries' console included): {work / 'driver.log'}")
    return 0 if all(v.passed for v in verdicts) else 1


def _run_driver(rt, args: list[str], files: int, work: Path, environ) -> list[dict]:
    timeout = 120 + TIMEOUT_PER_FILE * files
    with (work / "driver.log").open("w") as log:
        job = rt.spawn_job("_check", rt.job_args(args), environ, stdout=subprocess.PIPE, stderr=log, text=True)

        def echo():  # the driver's progress, one line per file; everything to the log
            for line in job.proc.stdout:
                log.write(line)
                if line.startswith("check: "):
                    print(f"  running {line.removeprefix('check: ').strip()} on Spark ...", flush=True)

        reader = threading.Thread(target=echo, daemon=True)
        reader.start()
        try:
            job.proc.wait(timeout=timeout)
        except BaseException:  # the timeout, or Ctrl-C: end the driver, then say why
            job.kill()
            raise
        finally:
            reader.join(10)
    observed = work / "observed.json"
    if job.proc.returncode != 0 or not observed.exists():
        tail = (work / "driver.log").read_text(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(
            f"the checker's driver failed (exit {job.proc.returncode}): {tail}; see {work / 'driver.log'}"
        )
    return json.loads(observed.read_text())
