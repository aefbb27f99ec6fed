"""`make drill`: the drills by name, run one after the other, each with its result line.

`DRILLS` run on any lab, `CLUSTER_DRILLS` on the cluster profile only (lab.course.drills.cluster).
`run(names, size, environ)` runs each drill on a `Drill` of its own, prints its result line as
soon as it ends (and how long it took), then a summary, and returns the results. A drill that
breaks (an exception) is a failed drill, said in one line; a drill that passes deletes its
topics, a failed one keeps them to be read.
"""

from __future__ import annotations

import time

from lab.course.drills.bad_data import bad_input, data_loss, late_data
from lab.course.drills.base import MESSAGES, Drill, Result
from lab.course.drills.cluster import broker_kill, controller_kill, one_worker_lost, rolling_restart, two_brokers_down
from lab.course.drills.refusals import bad_config, state_incompatible
from lab.course.drills.restarts import driver_kill, python_sink_kill, stop_produce_restart
from lab.course.drills.services import broker_restart, worker_loss
from streamlab.i18n import language, number

DRILLS = {
    "driver-kill": driver_kill,
    "python-sink-kill": python_sink_kill,
    "stop-produce-restart": stop_produce_restart,
    "worker-loss": worker_loss,
    "broker-restart": broker_restart,
    "bad-input": bad_input,
    "late-data": late_data,
    "state-incompatible": state_incompatible,
    "data-loss": data_loss,
    "bad-config": bad_config,
}
# On the cluster profile only (`make up CLUSTER=1`); `make drill NAME=cluster` runs the five.
CLUSTER_DRILLS = {
    "broker-kill": broker_kill,
    "controller-kill": controller_kill,
    "two-brokers-down": two_brokers_down,
    "one-worker-lost": one_worker_lost,
    "rolling-restart": rolling_restart,
}


def run(names: list[str], size: str = "small", environ: dict[str, str] | None = None) -> list[Result]:
    results = []
    for name in names:
        print(MESSAGES("starting", name=name, size=size), flush=True)
        t0 = time.monotonic()
        result = _run_one(name, size, environ)
        result.details.append(MESSAGES("took", seconds=f"{time.monotonic() - t0:.0f}"))
        print(result.line(), flush=True)
        results.append(result)
    print(
        MESSAGES(
            "summary",
            run=len(results),
            passed=sum(r.passed for r in results),
            checked=number(sum(r.checked for r in results), language()),
            lost=sum(r.lost for r in results),
            duplicated=sum(r.duplicated for r in results),
        )
    )
    return results


def _run_one(name: str, size: str, environ: dict[str, str] | None) -> Result:
    try:
        drill = Drill(name, environ, size)
        result = {**DRILLS, **CLUSTER_DRILLS}[name](drill)
        if result.passed:
            drill.delete_topics()
    except Exception as exc:  # noqa: BLE001 - a drill that breaks is a failed drill, said in one line
        last = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
        result = Result(name, ok=False, details=[MESSAGES("broke", error=f"{type(exc).__name__}: {last}")])
    return result
