"""Classroom mode's parts that need no lab: the roster, the gate's certificate, the teacher's view
read from checkpoints, a learner's client environment, and the settings that guard exposure."""

import json
import os
import ssl
import subprocess

import pytest

from lab import classroom
from lab.classroom import status, tls
from lab.classroom.roster import OWN_TOPICS, Roster, RosterError, names_of
from lab.config.paths import Paths
from lab.config.settings import SettingsError, load
from lab.errors import UsageError
from lab.runtimes import catalogue


def test_n_learners_are_numbered_and_names_win():
    assert names_of(3, None) == ["learner01", "learner02", "learner03"]
    assert names_of(120, None)[0] == "learner001"
    assert names_of(30, "ana, luis,marta") == ["ana", "luis", "marta"]
    assert names_of(None, None) == []


@pytest.mark.parametrize("bad", ["Ana", "ana maria", "1ana", "a" * 33, "ana_b", ""])
def test_a_name_that_is_not_a_learners_is_refused(tmp_path, bad):
    with pytest.raises(RosterError):
        Roster.made(tmp_path / "roster.json", ["luis", bad])


def test_a_name_given_twice_is_refused(tmp_path):
    with pytest.raises(RosterError, match="ana"):
        Roster.made(tmp_path / "roster.json", ["ana", "luis", "ana"])


def test_tokens_are_random_secret_and_kept_when_the_class_grows(tmp_path):
    path = tmp_path / "class" / "roster.json"
    first = Roster.made(path, ["ana", "luis"])
    first.save()
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert len({ln.token for ln in first.learners}) == 2
    assert all(len(ln.token) >= 32 for ln in first.learners)
    grown = Roster.made(path, ["ana", "luis", "marta"])
    assert grown.learners[:2] == first.learners
    assert Roster.load(path) == first
    assert Roster.load(tmp_path / "none.json") is None


def test_a_learners_topics_folders_and_connection_line(tmp_path):
    ana = Roster.made(tmp_path / "r.json", ["ana"]).learners[0]
    assert ana.topics() == {t: f"class.ana.{t}" for t in OWN_TOPICS}
    env = ana.environment(tmp_path)
    assert env["TOPIC_RESULTS"] == "class.ana.results" and env["TOPIC_QUARANTINE"] == "class.ana.quarantine"
    assert env["CHECKPOINT_ROOT"] == str(tmp_path / "ana" / "checkpoints")
    assert "TOPIC_PAGE_VIEWS" not in env  # the live inputs are the lab's, shared
    assert ana.remote("10.0.0.5", 15443) == f"sc://10.0.0.5:15443/;use_ssl=true;token={ana.token};user_id=ana"


def _settings(tmp_path, **more):
    return load(environ={"LAB_RUN": str(tmp_path / "run"), **more})


def test_a_learner_runs_through_the_gate_with_the_class_authority(tmp_path):
    settings = _settings(tmp_path, CLASS_PORT="35443")
    paths = Paths.of(settings)
    Roster.made(classroom.roster_path(paths), ["ana"]).save()
    env = classroom.learner_environment(settings, paths, "ana")
    assert env["SPARK_REMOTE"].startswith("sc://127.0.0.1:35443/;use_ssl=true;token=")
    assert env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] == str(tmp_path / "run" / "class" / "tls" / "class-ca.pem")
    assert env["PATHS_ON_SERVER"] == "1"
    with pytest.raises(UsageError, match="LEARNER=luis"):
        classroom.learner_environment(settings, paths, "luis")


def test_the_gate_listens_where_the_teacher_says_and_forwards_to_the_server_on_loopback(tmp_path):
    settings = _settings(tmp_path, CLASS_HOST="192.168.1.20", CLASS="1")
    paths = Paths.of(settings)
    command = classroom.gate_command(settings, paths)
    assert command[command.index("--listen") + 1] == f"192.168.1.20:{settings['CLASS_PORT']}"
    assert command[command.index("--upstream") + 1] == f"127.0.0.1:{settings['SPARK_CONNECT_PORT']}"
    assert settings.classroom and settings.connect
    assert classroom.gate_host(settings, paths, None) == "192.168.1.20"
    # Later, without HOST: where the class's gate listened last time, which the learners' lines name.
    Roster.made(classroom.roster_path(paths), ["ana"], ("192.168.1.20", "15443")).save()
    assert classroom.gate_host(_settings(tmp_path), paths, None) == "192.168.1.20"
    assert classroom.gate_host(_settings(tmp_path), paths, "127.0.0.1") == "127.0.0.1"  # back to this machine
    command = classroom.gate_command(_settings(tmp_path), paths)
    assert command[command.index("--listen") + 1].startswith("192.168.1.20:")
    assert classroom.learner_environment(_settings(tmp_path), paths, "ana")["SPARK_REMOTE"].startswith(
        "sc://192.168.1.20:15443/"
    )
    for anywhere in ("0.0.0.0", "::"):
        with pytest.raises(UsageError, match="names no address learners can reach"):
            classroom.gate_host(_settings(tmp_path), paths, anywhere)


def test_the_gate_runs_only_in_classroom_mode():
    names = lambda **kw: [s.name for s in catalogue.up_services("local", **kw)]  # noqa: E731
    assert "class-gate" not in names(connect=True)
    assert names(connect=True, classroom=True)[-1] == "class-gate"
    assert "class-gate" not in catalogue.BUILT


def test_a_learner_setting_means_spark_connect():
    assert load(environ={"LEARNER": "ana"}).connect
    assert not load().connect and load().learner is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "lab.example"])
def test_services_beyond_this_machine_are_refused_in_one_line(host):
    with pytest.raises(SettingsError) as refused:
        load(environ={"LAB_HOST": host}).host  # noqa: B018
    assert "\n" not in str(refused.value) and f"LAB_HOST={host} would let" in str(refused.value)
    assert "make class HOST=<this machine's address on the class's network>" in str(refused.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_are_fine(host):
    assert load(environ={"LAB_HOST": host}).host == host


def test_the_gate_certificate_is_signed_by_the_class_authority_for_its_address(tmp_path):
    files = tls.ensure(tmp_path, "192.168.1.20")
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(files["class-ca.pem"]), str(files["gate.pem"])],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stderr
    text = subprocess.run(
        ["openssl", "x509", "-in", str(files["gate.pem"]), "-noout", "-ext", "subjectAltName"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "IP Address:192.168.1.20" in text and "IP Address:127.0.0.1" in text and "DNS:localhost" in text
    assert os.stat(files["gate.key"]).st_mode & 0o777 == 0o600
    ssl.create_default_context(cafile=str(files["class-ca.pem"]))  # a valid authority file
    authority = files["class-ca.pem"].read_bytes()
    again = tls.ensure(tmp_path, "10.0.0.7")  # another address: a new certificate, the same authority
    assert again["class-ca.pem"].read_bytes() == authority
    assert (
        "IP Address:10.0.0.7"
        in subprocess.run(
            ["openssl", "x509", "-in", str(again["gate.pem"]), "-noout", "-ext", "subjectAltName"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def _batch(folder, n, offsets, at):
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / str(n)
    f.write_text("v1\n" + json.dumps({"batchWatermarkMs": 0}) + "\n" + json.dumps({"t": offsets}) + "\n")
    os.utime(f, (at, at))


def test_the_teachers_view_reads_queries_and_rates_from_the_learners_checkpoints(tmp_path):
    settings = _settings(tmp_path)
    paths = Paths.of(settings)
    Roster.made(classroom.roster_path(paths), ["ana", "luis", "marta"]).save()
    now = 1_000_000.0
    home = classroom.learners_root(paths.run)
    # ana: a running query (two partitions, 200 + 100 rows/s over its last 10 s) and an old one.
    for n, t in enumerate((now - 10, now - 5, now - 0)):
        _batch(
            home / "ana" / "checkpoints" / "windowing" / "windowing" / "offsets", n, {"0": 1000 * n, "1": 500 * n}, t
        )
    _batch(home / "ana" / "checkpoints" / "old" / "offsets", 0, {"0": 5}, now - 3600)
    # luis: a query that stopped a minute ago.
    _batch(home / "luis" / "checkpoints" / "q" / "offsets", 0, {"0": 7}, now - 60)
    gate = classroom.folder(paths) / "gate-status.json"
    gate.write_text(json.dumps({"written": now, "learners": {"ana": [12, now - 2]}}))
    os.utime(gate)
    rows, gate_up = status.rows(paths, now)
    assert [r.learner for r in rows] == ["ana", "luis", "marta"]
    ana, luis, marta = rows
    assert (ana.queries, ana.running, ana.rows_per_second, ana.last_call) == (2, 1, 300.0, now - 2)
    assert (luis.queries, luis.running, luis.rows_per_second, luis.last_call) == (1, 0, 0.0, None)
    assert (marta.queries, marta.running) == (0, 0)
    assert gate_up
    assert status.rows(paths, now + 60)[1] is False  # a gate that stopped writing is not running
