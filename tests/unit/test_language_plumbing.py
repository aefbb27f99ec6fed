"""The learner's language reaches every process the lab starts: LAB_LANG (the environment's, else
.env's), else the locale, resolved once by lab.cli and handed on resolved (lab.config.clients), so a
driver container or the producer's never depends on its own locale (what reaches a driver
container: tests/unit/test_runtime.py)."""

import os
import subprocess
import sys

import pytest

from lab.config.clients import client_env
from lab.config.paths import Paths
from lab.config.settings import ROOT, load


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"LAB_LANG": "", "LANG": "es_ES.UTF-8"}, "es"),
        ({"LAB_LANG": "", "LANG": "C.UTF-8"}, "en"),
        ({"LAB_LANG": "en", "LANG": "es_ES.UTF-8"}, "en"),
        ({"LAB_LANG": "es", "LANG": "C.UTF-8"}, "es"),
    ],
)
def test_the_jobs_and_the_producer_get_the_language_resolved(monkeypatch, tmp_path, environ, expected):
    for key in ("LC_ALL", "LC_MESSAGES", "LANG", "LAB_LANG"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    settings = load(environ={**environ, "LAB_RUN": str(tmp_path)})
    assert client_env(settings, Paths.of(settings))["LAB_LANG"] == expected


def test_lab_env_file_language_reaches_the_commands_lines(tmp_path):
    """LAB_LANG=es on make's command line (as in .env) makes `lab jobs` speak Spanish."""
    env = {k: v for k, v in os.environ.items() if k not in ("LAB_LANG", "LANG", "LC_ALL", "LC_MESSAGES")}
    for lang, first in (("es", "Agregaciones:"), ("en", "Aggregations:")):
        proc = subprocess.run(
            ["make", "-s", "jobs", f"LAB_LANG={lang}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[0].split(None, 1)[1].startswith(first), proc.stdout


def test_the_makefiles_own_lines_speak_the_language(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("LAB_LANG", "LANG", "LC_ALL", "LC_MESSAGES")}
    out = subprocess.run(
        [sys.executable, "-m", "lab.config.say", "make_not_running"],
        cwd=ROOT,
        env={**env, "LAB_LANG": "es", "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert out == "El laboratorio no estaba en marcha; no hay nada que detener.\n"
