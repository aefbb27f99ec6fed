"""Prometheus' answers to the report's queries, recorded from a real lab and replayed in unit tests.

`python -m tests.support.promrecord JOB START END OUT.json` asks the lab's Prometheus (the
settings' PROMETHEUS_PORT) what `make report` asks for the latest run of JOB in [START, END]
(Unix seconds): the runs, then that run's figures. Every answer goes to OUT.json as it came, with
the query that asked for it. `Replay(path)` is a lab.observe.report.Prometheus that answers from such a
file: the same question (path, query and times) gets the same answer; one the file lacks is an
error naming it. tests/unit/data/README.md lists the recordings.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from lab.config.settings import load
from lab.observe import report


def _key(path: str, params: dict) -> str:
    return json.dumps([path, {k: str(v) for k, v in params.items()}], sort_keys=True)


class Recording(report.Prometheus):
    """The lab's Prometheus, keeping each answer."""

    def __init__(self, base: str):
        super().__init__(base)
        self.answers: list[dict] = []

    def _get(self, path: str, params: dict) -> dict:
        data = super()._get(path, params)
        self.answers.append({"path": path, "params": params, "data": data})
        return data


class Replay(report.Prometheus):
    def __init__(self, path: Path):
        super().__init__(f"replay of {path.name}")
        self.recorded = json.loads(path.read_text())
        self.answers = {_key(a["path"], a["params"]): a["data"] for a in self.recorded["answers"]}

    def _get(self, path: str, params: dict) -> dict:
        try:
            return self.answers[_key(path, params)]
        except KeyError:
            raise AssertionError(f"the recording has no answer to {path} {params['query']}") from None


def record(job: str, start: float, end: float, out: Path) -> dict:
    settings = load()
    prom = Recording(f"http://{settings.host}:{settings['PROMETHEUS_PORT']}")
    found = report.runs(prom, job, start, end)
    run = found[-1]
    step = max(5.0, (run.end - run.start) / 200)
    report.figures(prom, job, run, step)
    body = {
        "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
        "job": job,
        "start": start,
        "end": end,
        "answers": prom.answers,
    }
    out.write_text(json.dumps(body, indent=1) + "\n")
    return body


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: python -m tests.support.promrecord JOB START END OUT.json", file=sys.stderr)
        return 2
    body = record(argv[0], float(argv[1]), float(argv[2]), Path(argv[3]))
    print(f"{len(body['answers'])} answers recorded in {argv[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
