"""lab.system.procs on real processes: children of this test, marked and nested as the lab's are."""

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from lab.spark.submit import MARKER
from lab.system import procs

# A grandchild that imports lab must import this checkout's, not the editable install's.
SRC = str(Path(procs.__file__).parents[1])


def spawn(script: str, env=None) -> subprocess.Popen:
    return subprocess.Popen(["sh", "-c", script], env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group may have ended already
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_alive_is_false_for_a_zombie_and_for_a_reaped_process():
    proc = subprocess.Popen(["sleep", "30"])
    assert procs.alive(proc.pid)
    proc.kill()
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
    assert not procs.alive(proc.pid)
    proc.wait()
    assert not procs.alive(proc.pid)


def test_tree_is_the_process_then_its_children_and_grandchildren():
    proc = spawn("sh -c 'sleep 30 & echo $!; wait' & echo $!; wait")
    try:
        below = {int(proc.stdout.readline()), int(proc.stdout.readline())}  # the inner sh and its sleep
        found = procs.tree(proc.pid)
        assert found[0] == proc.pid and set(found[1:]) == below and len(found) == 3
    finally:
        stop(proc)
    assert procs.tree(proc.pid) == [proc.pid]


def test_cpu_seconds_is_user_plus_system_time_and_none_once_gone():
    deadline = sum(os.times()[:2]) + 0.1
    while sum(os.times()[:2]) < deadline:  # burn CPU, so that a wrong field would show
        pass
    before = sum(os.times()[:2])
    seconds = procs.cpu_seconds(os.getpid())
    after = sum(os.times()[:2])
    assert before - 0.02 <= seconds <= after + 0.02
    proc = subprocess.Popen(["true"])
    proc.wait()
    assert procs.cpu_seconds(proc.pid) is None


def test_marked_finds_a_process_by_its_marker_and_value(tmp_path):
    proc = subprocess.Popen(["sleep", "30"], env={**os.environ, MARKER: str(tmp_path)})
    try:
        assert procs.marked(MARKER, str(tmp_path)) == [proc.pid]
        assert procs.marked(MARKER, str(tmp_path / "other")) == []
    finally:
        proc.kill()
        proc.wait()


def test_marked_skips_the_caller_and_its_marked_ancestors(tmp_path):
    """A marked shell runs a marked sleep and a marked caller: the caller finds the sleep alone."""
    caller = [
        sys.executable,
        "-c",
        "import sys; from lab.system import procs; print(*procs.marked(*sys.argv[1:]))",
        MARKER,
        str(tmp_path),
    ]
    proc = spawn(
        f"sleep 30 & echo $!; {shlex.join(caller)}; kill $!",
        env={**os.environ, "PYTHONPATH": SRC, MARKER: str(tmp_path)},
    )
    try:
        out = proc.communicate(timeout=60)[0].split()
    finally:
        stop(proc)
    assert proc.returncode == 0 and len(out) == 2 and out[0] == out[1], out
