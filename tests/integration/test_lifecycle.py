"""Lifecycle and bad input. They take the session's lab down and up again, so they run last
(INTEGRATION_ORDER in tests/conftest.py)."""

import os
import re
import signal
import socket
import subprocess

import psutil

from lab import runtimes
from lab.config.paths import Paths
from lab.config.settings import ROOT
from lab.spark import cds, submit
from lab.system import procs
from streamlab.wait import wait_for
from tests.support import lab as run
from tests.support.language import english_lines


def jvm_roles(tree: list[int], run: str) -> dict[str, int]:
    """The job's driver JVM (in its process tree) and its executor (started by the worker), by role.
    The executor is this lab's (its LAB_INSTANCE marker is `run`): on a shared machine, other labs'
    executors run beside it, with archives of their own."""
    ours = set(procs.marked(submit.MARKER, run))
    found = {}
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if "CoarseGrainedExecutorBackend" in cmd and p.info["pid"] in ours:
            found["executor"] = p.info["pid"]
        elif p.info["pid"] in tree and "org.apache.spark.deploy.SparkSubmit" in cmd and "java" in cmd:
            found["driver"] = p.info["pid"]
    return found if len(found) == 2 else {}


def lab_processes(settings):
    return runtimes.get(settings).leftovers()


def test_unknown_job_lists_jobs_and_exits_2(lab_up, lab_env):
    proc = run.lab("submit", "nope", environ=lab_env)
    assert proc.returncode == 2
    from lab.spark.jobs import available

    assert proc.stderr.strip() == f"unknown job 'nope'. Available jobs: {', '.join(available())} (see `make jobs`)"


def test_bad_duration_is_one_line_and_exit_2(lab_up, lab_env):
    proc = run.lab("submit", "basic", "--duration", "soon", environ=lab_env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == "basic: error: argument --duration: not a whole number: 'soon'"


def test_down_stops_a_job_whose_caller_is_gone(lab_up, lab_env, tmp_path):
    """Drills and the bench start spark-submit in a process group of its own, which no Ctrl-C or
    dying caller reaches: `make down` must still find the driver (by the lab's marker) and end it."""
    job = ROOT / "jobs" / "basic.py"
    proc = submit.spawn(
        lab_up,
        Paths.of(lab_up),
        job,
        ["--duration", "600", "--sink", "noop", "--metrics-port", "0", "--checkpoint", str(tmp_path / "ckpt")],
        lab_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        driver = wait_for(
            lambda: proc.poll() is None and submit._python_driver(proc, job), 180, "basic's Python driver to start"
        )
        tree = procs.tree(proc.pid)
        # Both of its JVMs map the lab's class-data archive (lab.spark.cds): the driver and its executor.
        archive = str(cds.archive(Paths.of(lab_up)))
        jvms = wait_for(lambda: jvm_roles(tree, str(Paths.of(lab_up).run)), 120, "basic's executor to start")
        assert sorted(jvms) == ["driver", "executor"], jvms

        def unmapped() -> list[str]:
            return [
                role for role, pid in jvms.items() if archive not in {m.path for m in psutil.Process(pid).memory_maps()}
            ]

        # A JVM maps it as it boots: the executor may be found a moment before (a loaded machine, CI).
        try:
            wait_for(lambda: not unmapped(), 30, "both JVMs to map the class-data archive", interval=0.5)
        except TimeoutError:
            raise AssertionError(f"{unmapped()} did not map {archive}") from None
        run.lab("down", environ=lab_env, check=True)
        alive = [p for p in tree if procs.alive(p)]
        assert not alive and not procs.alive(driver), f"make down left the job's processes running: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    proc = run.lab("up", environ=lab_env, timeout=600)
    assert proc.returncode == 0, proc.stderr


def test_down_twice_then_taken_port_then_up(lab_up, lab_env):
    s = lab_up
    first = run.lab("down", environ=lab_env, check=True)
    assert "The lab is down." in first.stdout
    assert not lab_processes(s), "make down left processes behind"
    second = run.lab("down", environ=lab_env, check=True)
    assert "not running" in second.stdout
    proc = run.lab("submit", "basic", environ=lab_env)
    assert proc.returncode == 1 and proc.stderr.strip() == "The lab is not up: run `make up` first."
    spanish = {**lab_env, "LAB_LANG": "es"}
    again = run.lab("down", environ=spanish, check=True)
    assert again.stdout == "El laboratorio no estaba en marcha; no hay nada que detener.\n"
    proc = run.lab("submit", "basic", environ=spanish)
    assert proc.returncode == 1 and proc.stderr == "El laboratorio no está en marcha: ejecuta antes `make up`.\n"
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind((s.host, s.int("KAFKA_PORT")))
        squatter.listen()
        proc = run.lab("up", environ=lab_env, timeout=120)
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: port {s['KAFKA_PORT']} (Kafka) on {s.host} is already in use by pid {os.getpid()}")
    assert "nothing was started" in line
    assert not lab_processes(s), "a failed start left processes behind"
    proc = run.lab("up", environ=spanish, timeout=600)  # the whole start, in Spanish
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Arrancando el laboratorio (runtime local,"), proc.stdout
    assert re.search(r"^  kafka +arrancando \.+ listo \(\d+,\d s\)$", proc.stdout, re.M), proc.stdout
    assert english_lines(proc.stdout + proc.stderr) == [], proc.stdout
