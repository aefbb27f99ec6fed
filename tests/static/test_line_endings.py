"""A Windows checkout keeps what the containers run LF (.gitattributes).

Git for Windows checks text out with CRLF by default (core.autocrlf=true), and a CRLF shell script
breaks an image's entrypoint, a CRLF .env or config hands values ending in \\r to the services.
The test clones this repository as such a checkout would (`git clone --config core.autocrlf=true`)
and reads the files back: scripts, Dockerfiles, .env, the Makefile, configs and Python files have
no CRLF, and a text file the attributes leave to the checkout (the README) does have them, which
shows the clone converted what it was allowed to."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
from pathlib import Path

import pytest

from lab.config.settings import ROOT

# What must stay LF, by name: whatever the images, Compose, make and Python read.
LF = (
    "*.sh", "Dockerfile", ".env", "Makefile", "*.py", "*.yml", "*.yaml", "*.properties", "*.conf", "*.toml",
    "*.xml", "*.json", "*.in", "*.txt", ".dockerignore",
)  # fmt: skip
LF_PATHS = (".ci/run",)
CONVERTED = "README.md"  # text the attributes leave to the checkout's setting


def must_be_lf(path: str) -> bool:
    return path in LF_PATHS or any(fnmatch.fnmatch(Path(path).name, pattern) for pattern in LF)


@pytest.fixture(scope="module")
def windows_checkout(tmp_path_factory) -> Path:
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path_factory.mktemp("autocrlf") / "lab"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", "--config", "core.autocrlf=true", str(ROOT), str(clone)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return clone


def tracked(clone: Path) -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=clone, check=True, capture_output=True, text=True).stdout.split()


def test_the_clone_converts_what_the_attributes_leave_to_it(windows_checkout):
    text = (windows_checkout / CONVERTED).read_bytes()
    assert b"\r\n" in text, f"{CONVERTED} has no CRLF in an autocrlf=true clone: the test would prove nothing"


def test_scripts_dockerfiles_env_makefile_configs_and_python_stay_lf(windows_checkout):
    files = [f for f in tracked(windows_checkout) if must_be_lf(f)]
    assert {".env", "Makefile", ".ci/run", "services/spark/docker-entrypoint.sh", "services/spark/Dockerfile"} <= set(
        files
    ), "has the layout moved?"
    crlf = [f for f in files if b"\r\n" in (windows_checkout / f).read_bytes()]
    assert not crlf, f"CRLF in a Windows checkout: {crlf}"
