"""`make demo`, as a learner runs it: the first screen holds the lab's lines and the batch tables,
and nothing that reads as a broken lab; in Spanish (LAB_LANG=es), not one English sentence.

It runs once, in Spanish: what it checks does not depend on the language but the lab's own lines,
and those are rendered in English from the same values and checked against the same patterns."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from datetime import datetime
from types import SimpleNamespace

from lab.config.settings import ROOT
from lab.course import demo
from streamlab.runner import first_batch_line
from tests.support import lab as run
from tests.support.language import english_lines

# The first batch's line of each query (streamlab.runner.first_batch_line), in each language.
FIRST_BATCH = {
    "en": re.compile(r"\[windowing\] (\S+): first batch took ([\d.]+) s \(.*started (\d\d:\d\d:\d\d\.\d+) UTC\)"),
    "es": re.compile(
        r"\[windowing\] (\S+): el primer batch tardó ([\d,]+) s \(.*empezó a las (\d\d:\d\d:\d\d\.\d+) UTC\)"
    ),
}
CLOSING = {"en": "Where to look next:", "es": "Dónde mirar ahora:"}
# What Spark and the JVM printed on the first screen, in English, before the lab hid it: the runner
# says the first (and any later) slow batch itself, and drivers start without the incubator module.
HIDDEN = ("Current batch is falling behind", "WARNING: Using incubator modules")


class ImpatientClient(threading.Thread):
    """Asks the driver's UI for its metrics, gzip-encoded as Prometheus asks, and hangs up at
    once, over and over. Prometheus does the same, by accident, when a scrape outlasts its 5 s
    timeout while a starting driver is busy."""

    PATHS = ("/metrics/executors/prometheus", "/api/v1/applications")

    def __init__(self, host: str, port: int):
        super().__init__(daemon=True)
        self.address = (host, port)
        self.done = threading.Event()
        self.abandoned = 0  # requests the UI received and the client left unanswered

    def run(self) -> None:
        while not self.done.wait(0.2):
            for path in self.PATHS:
                try:
                    with socket.create_connection(self.address, timeout=1) as s:
                        s.sendall(f"GET {path} HTTP/1.1\r\nHost: lab\r\nAccept-Encoding: gzip\r\n\r\n".encode())
                    self.abandoned += 1
                except OSError:
                    pass  # no driver UI yet, or no longer


def test_the_demo_shows_batches_and_no_stack_trace(topics, lab_up):
    lang = "es"
    env = {**topics, "LAB_LANG": lang}
    run.lab("reset", "windowing", environ=env, check=True)
    producer = subprocess.Popen(
        [sys.executable, "-m", "producer", "--rate", "50", "--duration", "90", "--seed", "61", "--dimensions-dir", ""],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = ImpatientClient(lab_up.host, lab_up.int("SPARK_DRIVER_UI_PORT"))
    client.start()
    try:
        proc = subprocess.run(
            ["make", "-s", "demo", "DURATION=30"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        client.done.set()
        producer.terminate()
        producer.wait(timeout=30)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert client.abandoned > 0, "the impatient client never reached the driver's UI: the test proves nothing"
    assert "Batch: 0" in out and "|window_start" in out and CLOSING[lang] in out, out[-4000:]
    assert not [line for line in out.splitlines() if any(h in line for h in HIDDEN)], out[-4000:]
    # Spark's console tables aside, every line is the lab's, in Spanish.
    assert english_lines(out) == [], "\n".join(english_lines(out))
    assert "\n".join(demo.closing_lines(lab_up, "local", lang)) in out, out[-3000:]

    # No stack trace: a client that hangs up on the driver's UI must not make Jersey print an ERROR
    # and its Java frames, and the runner stops between batches, so Hadoop prints no interrupt trace.
    traces = run.trace_lines(out)
    assert not traces, f"{len(traces)} stack-trace or ERROR lines, first: {traces[:3]}\n{out[-3000:]}"

    # The two first batches do not run at once (they would overrun the 10 s trigger): the quarantine
    # query starts when the job's own first batch is over.
    first = {
        name: (datetime.strptime(start, "%H:%M:%S.%f"), float(seconds.replace(",", ".")))
        for name, seconds, start in FIRST_BATCH[lang].findall(out)
    }
    assert set(first) == {"windowing", "windowing_quarantine"}, out[-3000:]
    (main_start, main_seconds), (q_start, _) = first["windowing"], first["windowing_quarantine"]
    assert (q_start - main_start).total_seconds() >= main_seconds - 0.05, first

    # The same lines in English, as LAB_LANG=en prints them: rendered from the values this run printed.
    assert CLOSING["en"] in demo.closing_lines(lab_up, "local", "en")
    for name, (start, seconds) in first.items():
        progress = SimpleNamespace(
            name=name,
            id=name,
            numInputRows=42,
            durationMs={"triggerExecution": round(seconds * 1000), "addBatch": round(seconds * 600)},
            timestamp=f"2026-01-01T{start.strftime('%H:%M:%S.%f')[:12]}Z",
        )
        for lang_, pattern in FIRST_BATCH.items():
            line = "[windowing] " + first_batch_line(progress, lang=lang_)
            [(got_name, got_seconds, got_start)] = pattern.findall(line)
            assert (got_name, float(got_seconds.replace(",", ".")), got_start) == (
                name,
                round(seconds, 1),
                start.strftime("%H:%M:%S.%f")[:12],
            ), (lang_, got_name, got_seconds, got_start)
