"""The cluster profile for real: `make up CLUSTER=1` on the Docker engine, its replication checked,
its brokers and workers broken by the five cluster drills, from a host without Java.

Runs after the single-broker lab's module (tests/conftest.py orders them), on the same engine:
1. `make up CLUSTER=1` from the learner-like host: three brokers and two workers healthy, each
   container's memory figured;
2. every lab topic, and Kafka's own __consumer_offsets, with three replicas in sync and
   min.insync.replicas 2; Prometheus scrapes the three brokers and both workers, and every panel
   of the Kafka board returns a value per broker;
3. `make drill NAME=cluster SIZE=small`: the five drills, each 0 lost and 0 duplicated, their
   figures printed; no driver container is left running;
4. `make down` and `make clean`, told nothing of the profile, take its brokers and volumes away.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter

import pytest

from lab.config.settings import ROOT
from lab.course.drills import CLUSTER_DRILLS
from lab.observe import dashboards
from streamlab.wait import WaitTimeout, wait_for
from tests.docker.conftest import PROJECT, figure
from tests.docker.labhost import Lab, lab_env, learner_host, running
from tests.support import netns

pytestmark = [pytest.mark.docker, pytest.mark.timeout(2700)]


@pytest.fixture(scope="module")
def cluster(docker_engine, tmp_path_factory):
    """The cluster profile, up: `make up CLUSTER=1` from the learner-like host."""
    lab = Lab(lab_env(*docker_engine, CLUSTER="1"), docker_engine[1])
    # Only `make up` is told CLUSTER=1: later commands know the running profile from the run folder.
    host = {k: v for k, v in lab.env.items() if k != "CLUSTER"}
    lab.host_env = learner_host(host, tmp_path_factory.mktemp("docker-cluster"))
    try:
        t0 = time.monotonic()
        up = _make(lab, "up", "CLUSTER=1", timeout=900)
        healthy = re.search(r"==> healthy in (\d+)s", up.stdout)
        assert up.returncode == 0 and healthy, up.stdout[-3000:] + up.stderr[-2000:]
        figure(
            f"make up CLUSTER=1: healthy {healthy.group(1)}s after `compose up`, {time.monotonic() - t0:.0f}s in all"
        )
        yield lab
    finally:
        lab.lab("down", check=False, timeout=300)
        lab.lab("clean", check=False, timeout=300)


def _make(lab: Lab, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        netns.command(lab.ns, ["make", *args]),
        cwd=ROOT,
        env=lab.host_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_three_brokers_replicate_and_are_watched(cluster):
    lab = cluster
    status = _make(lab, "status").stdout
    for service in ("kafka", "kafka-2", "kafka-3", "spark-worker"):
        assert re.search(rf"^{service}\s+running \(healthy\)", status, re.M), status
    memory = _memory(lab)
    assert {"kafka-1", "kafka-2-1", "kafka-3-1", "spark-worker-1", "spark-worker-2"} <= set(memory), memory
    figure(
        f"cluster profile memory: {sum(memory.values()):.0f} MiB in {len(memory)} containers ("
        + ", ".join(f"{name} {mib:.0f}" for name, mib in sorted(memory.items()))
        + ")"
    )
    replicas = lab.call(_replication, lab.settings.kafka_bootstrap, list(lab.settings.topics.values()))
    want = {"replicas": {3}, "in_sync": {3}, "min_insync": {"2"}, "internal": {"3"}, "brokers": {3}}
    assert replicas == want, replicas

    def targets() -> Counter:
        return Counter(t["labels"]["job"] for t in lab.targets() if t["health"] == "up")

    wait_for(lambda: targets()["kafka"] == 3 and targets()["spark-worker"] == 2, 120, "3 brokers and 2 workers up")
    board = next(d for d in dashboards.DASHBOARDS if d.uid == "lab-kafka")
    per_broker = [t.expr for p in board.panels for t in p.targets if "{{instance}}" in t.legend]
    assert per_broker, "the Kafka board has no panel per broker"

    def brokers_missing() -> list[str]:
        return [e for e in per_broker if len({r["metric"].get("instance") for r in lab.query(e)}) < 3]

    try:
        wait_for(lambda: not brokers_missing(), 120, "every per-broker panel to show the three brokers")
    except WaitTimeout:
        pass
    assert not brokers_missing(), f"panels without a series for each broker: {brokers_missing()}"
    figure(f"cluster: {len(per_broker)} per-broker panel queries show 3 brokers; topics RF 3, min.insync 2")


def _memory(lab: Lab) -> dict[str, float]:
    """MiB used by each of the project's containers, as `docker stats` reads them once."""
    out = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"],
        env=lab.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    scale = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}
    found = {}
    for name, used in re.findall(r"^(\S+) ([\d.]+\w+) /", out, re.M):
        if name.startswith(f"{PROJECT}-"):
            number, unit = re.match(r"([\d.]+)(\w+)", used).groups()
            found[name[len(PROJECT) + 1 :]] = float(number) * scale[unit]
    return found


def _replication(bootstrap: str, topics: list[str]) -> dict[str, set]:
    """Each topic's replica counts, in-sync replica counts and min.insync.replicas, as sets; and
    each broker's replication factors for Kafka's own topics (consumer offsets, transactions),
    which exist only once a client needs them."""
    from confluent_kafka.admin import AdminClient, ConfigResource

    admin = AdminClient({"bootstrap.servers": bootstrap})
    meta = admin.list_topics(timeout=10)
    parts = [p for t in topics for p in meta.topics[t].partitions.values()]
    resources = [ConfigResource(ConfigResource.Type.TOPIC, t) for t in topics]
    configs = [f.result(30) for f in admin.describe_configs(resources).values()]
    for broker in meta.brokers:  # one broker per call, as the protocol wants
        (future,) = admin.describe_configs([ConfigResource(ConfigResource.Type.BROKER, str(broker))]).values()
        configs.append(future.result(30))
    internal = ("offsets.topic.replication.factor", "transaction.state.log.replication.factor")
    return {
        "replicas": {len(p.replicas) for p in parts},
        "in_sync": {len(p.isrs) for p in parts},
        "min_insync": {c["min.insync.replicas"].value for c in configs},
        "internal": {c[key].value for c in configs for key in internal if key in c},
        "brokers": {len(meta.brokers)},
    }


def test_the_cluster_drills(cluster):
    """`make drill NAME=cluster` from the host without Java: the five drills, each exact."""
    lab = cluster
    proc = _make(lab, "drill", "NAME=cluster", "SIZE=small", timeout=2400)
    lines = {m.group(1): m.group(0) for m in re.finditer(r"^drill ([\w-]+): .*$", proc.stdout, re.M)}
    assert set(lines) == set(CLUSTER_DRILLS), proc.stdout[-4000:] + proc.stderr[-2000:]
    failed = [line for line in lines.values() if not line.endswith("0 lost, 0 duplicated -> PASS")]
    assert proc.returncode == 0 and not failed, proc.stdout[-6000:] + proc.stderr[-2000:]
    left = [name for name in running(lab) if name.startswith(f"{PROJECT}-job-")]
    assert not left, f"driver containers left running by the drills: {left}"
    for block in re.findall(r"^drill [\w-]+: .*(?:\n  - .*)*", proc.stdout, re.M):
        figure(block.replace("\n  - ", "; "))


def test_down_and_clean_take_the_cluster_away(cluster):
    """Told nothing of the profile, `make down` stops the three brokers and `make clean` deletes
    every volume, the cluster's own included."""
    lab = cluster
    down = _make(lab, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    left = [name for name in running(lab) if name.startswith(f"{PROJECT}-")]
    assert not left, f"containers left after make down: {left}"
    clean = _make(lab, "clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    volumes = subprocess.run(
        ["docker", "volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}"],
        env=lab.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not volumes, f"volumes left after make clean: {volumes}"
