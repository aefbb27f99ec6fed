"""Choosing the runtime, and what the Docker runtime hands to its containers (no engine needed)."""

import os
import subprocess

import pytest

from lab import runtimes
from lab.config.settings import ROOT, load
from lab.errors import RuntimeFailure, UsageError, exit_code
from lab.runtimes.docker.compose import parse_ps
from lab.runtimes.docker.runfolder import CONTAINER_RUN
from lab.runtimes.docker.runtime import Docker


def test_local_when_asked():
    assert runtimes.choose(load(environ={"RUNTIME": "local"})) == runtimes.Choice("local", "RUNTIME=local")


def test_an_unknown_runtime_is_refused():
    with pytest.raises(UsageError, match="RUNTIME='podman' is not one of local, docker"):
        runtimes.choose(load(environ={"RUNTIME": "podman"}))


def test_docker_asked_for_where_none_answers_says_what_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker client at all
    with pytest.raises(RuntimeFailure, match=r"^RUNTIME=docker, but no Docker engine answers .*start Docker"):
        runtimes.choose(load(environ={"RUNTIME": "docker"}))


def test_without_docker_the_choice_is_local_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    choice = runtimes.choose(load(environ={"RUNTIME": ""}))
    assert choice.name == "local" and "no Docker engine answers" in choice.reason


def test_make_takes_the_runtime_from_the_environment_and_the_command_line():
    env = {k: v for k, v in os.environ.items() if k != "RUNTIME"}
    for args, extra in (([], {"RUNTIME": "local"}), (["RUNTIME=local"], {})):
        proc = subprocess.run(
            ["make", "-s", "runtime", *args], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, timeout=60
        )
        assert proc.stdout.strip() == "local  (RUNTIME=local)", proc.stdout + proc.stderr


def test_job_paths_in_the_run_folder_are_mapped_to_the_containers_mount(tmp_path):
    rt = Docker(load(environ={"LAB_RUN": str(tmp_path)}), environ={})
    args = ["--checkpoint", str(tmp_path / "drills" / "x" / "ckpt"), "--output", "/elsewhere/out", "--trigger", "5 s"]
    assert rt.job_args(args) == [
        "--checkpoint",
        f"{CONTAINER_RUN}/drills/x/ckpt",
        "--output",
        "/elsewhere/out",
        "--trigger",
        "5 s",
    ]


def test_only_settings_that_differ_from_env_file_go_into_containers(tmp_path):
    rt = Docker(load(environ={"LAB_RUN": str(tmp_path)}), environ={})
    base = load(environ={})
    env = {
        "TOPIC_PAGE_VIEWS": "drill_views",
        "KAFKA_PORT": base["KAFKA_PORT"],
        "LAB_RUN": "/somewhere",
        "HOME": "/root",
        "KAFKA_BOOTSTRAP": "kafka-1:19092",
    }
    assert rt._passed_env(env) == ["-e", "KAFKA_BOOTSTRAP=kafka-1:19092", "-e", "TOPIC_PAGE_VIEWS=drill_views"]


def test_a_driver_container_is_told_the_language_when_it_differs_from_env_file(tmp_path):
    rt = Docker(load(environ={"LAB_RUN": str(tmp_path)}), environ={})
    assert load(environ={}).file["LAB_LANG"] == "", ".env leaves the language to the locale"
    assert rt._passed_env({"LAB_LANG": "es"}) == ["-e", "LAB_LANG=es"]


def test_what_compose_ps_prints_that_is_not_json_is_the_runtimes_failure_not_bad_usage():
    """exit 1 with one line saying what Compose printed, never exit 2 (tests/unit/test_cli.py)."""
    with pytest.raises(RuntimeFailure, match=r"^`docker compose ps` printed what is not JSON \(Expecting") as caught:
        parse_ps("Error response from daemon: ...\nretry later\n")
    assert exit_code(caught.value) == 1 and "\n" not in str(caught.value)
    assert parse_ps('{"Service": "kafka"}\n{"Service": "spark-master"}\n') == [
        {"Service": "kafka"},
        {"Service": "spark-master"},
    ]
    assert parse_ps('[{"Service": "kafka"}]') == [{"Service": "kafka"}]
