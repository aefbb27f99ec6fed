"""The layers point one way (README, "Layout"):

- the job library (streamlab), the producer and the jobs never import the control plane (lab);
- inside lab, only the runtimes (lab.local, lab.docker) and the one door to them (lab.runtime)
  import lab.local or lab.docker; everything else goes through lab.runtime.Runtime;
- only lab.docker imports the Docker SDK (`docker`).

Imports are read with ast, so one inside a function counts too.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from lab.settings import ROOT

SRC = ROOT / "src"
LIBRARIES = {"streamlab": SRC / "streamlab", "producer": SRC / "producer", "jobs": ROOT / "jobs"}
RUNTIMES = {"lab.local", "lab.docker"}
RUNTIME_DOOR = {"local.py", "docker.py", "runtime.py"}


def imported(path: Path) -> set[str]:
    """Every module a file imports, as dotted names (`from lab import local` gives lab.local)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(folder: Path) -> list[Path]:
    files = sorted(folder.rglob("*.py"))
    assert files, f"no Python files under {folder}: has the layout moved?"
    return files


@pytest.mark.parametrize("layer", sorted(LIBRARIES))
def test_the_job_library_the_producer_and_the_jobs_never_import_lab(layer):
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in imported(p) if n == "lab" or n.startswith("lab."))
        for p in python_files(LIBRARIES[layer])
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"{layer} must not depend on the control plane (lab); it imports: {offenders}"


def test_only_the_runtimes_know_how_services_run():
    files = [p for folder in (SRC, ROOT / "tests", ROOT / "jobs") for p in python_files(folder)]
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported(p) & RUNTIMES)
        for p in files
        if not (p.parent == SRC / "lab" and p.name in RUNTIME_DOOR)
        and not p.name.startswith("test_runtime")
        and p.parent.name != "docker"
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"go through lab.runtime.Runtime instead of importing a runtime module: {offenders}"


def test_only_lab_docker_imports_the_docker_sdk():
    """The Docker SDK (requirements/control.in) is the Docker runtime's host's: the Spark image and
    the local runtime's code never need it."""
    files = [p for folder in (SRC, ROOT / "jobs") for p in python_files(folder) if p != SRC / "lab" / "docker.py"]
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in imported(p) if n == "docker" or n.startswith("docker."))
        for p in files
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"only lab.docker imports the Docker SDK; also: {offenders}"


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    source = tmp_path / "job.py"
    source.write_text("def main():\n    from lab import settings\n    import lab.local\n")
    assert {"lab", "lab.settings", "lab.local"} <= imported(source)


def test_nothing_edits_the_import_path():
    """The import path is the editable install's (pyproject.toml), set in one place."""
    offenders = [
        str(p.relative_to(ROOT))
        for folder in (SRC, ROOT / "jobs", ROOT / "tests")
        for p in python_files(folder)
        if "sys.path" in p.read_text() and p != Path(__file__)
    ]
    assert not offenders, f"sys.path is edited in {offenders}"


def test_lab_container_imports_nothing_the_spark_image_lacks():
    """lab.container runs inside the Spark image, whose Python has the jobs' packages
    (requirements/jobs.in) and not the host's: importing it must not pull requests, markdown or
    docker (the Docker SDK, which only lab.docker imports)."""
    code = "import sys; sys.modules.update(requests=None, markdown=None, docker=None); import lab.container"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
