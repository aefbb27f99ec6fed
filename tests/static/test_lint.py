"""`make lint` in the test suite: ruff's lint rules and its formatting, and import-linter's contracts
(pyproject.toml), hold over the whole tree; and what the contracts cannot see."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from lab.config.settings import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """import-linter on the tree at `cwd` (its pyproject.toml and packages), nothing cached."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{cwd / 'src'}:{cwd}", "PYTHONSAFEPATH": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_ruff_finds_nothing():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"ruff found problems (`make lint`):\n{proc.stdout[-3000:]}{proc.stderr[-1000:]}"


def test_the_code_is_formatted():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"files to format (`make fmt`):\n{proc.stdout[-3000:]}{proc.stderr[-1000:]}"


def test_the_import_contracts_hold():
    """The layers (src/lab/__init__.py draws them), the protected runtimes, the Docker SDK's one
    importer, and no cycle inside lab."""
    proc = lint_imports(ROOT)
    assert proc.returncode == 0 and "0 broken" in proc.stdout, (
        f"`make lint`:\n{proc.stdout[-4000:]}{proc.stderr[-1000:]}"
    )


def test_a_broken_contract_fails_the_lint(tmp_path):
    """The same contracts on a copy of the tree where the job library imports the control plane and
    a report module reaches into the local runtime: both are named, and the exit is non-zero."""
    for part in ("src", "jobs", "tests"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "src" / "streamlab" / "wait.py").open("a") as f:
        f.write("\nfrom lab.config import settings  # noqa\n")
    with (tmp_path / "src" / "lab" / "observe" / "verdict.py").open("a") as f:
        f.write("\nfrom lab.runtimes.local import runtime  # noqa\n")
    proc = lint_imports(tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-1000:]
    assert "streamlab.wait -> lab.config.settings" in proc.stdout, proc.stdout[-3000:]
    assert "lab.observe.verdict -> lab.runtimes.local.runtime" in proc.stdout, proc.stdout[-3000:]
    assert "Contracts: 4 kept, 2 broken." in proc.stdout, proc.stdout[-3000:]


def test_nothing_edits_the_import_path():
    """The import path is the editable install's (pyproject.toml), set in one place."""
    offenders = [
        str(p.relative_to(ROOT))
        for folder in (ROOT / "src", ROOT / "jobs", ROOT / "tests")
        for p in sorted(folder.rglob("*.py"))
        if "sys.path" in p.read_text() and p != Path(__file__)
    ]
    assert not offenders, f"sys.path is edited in {offenders}"


def test_the_spark_images_entry_point_imports_nothing_the_image_lacks():
    """lab.runtimes.docker.container runs inside the Spark image, whose Python has the jobs' packages
    (requirements/jobs.in) and not the host's: importing it must not pull requests, markdown or
    docker (the Docker SDK)."""
    code = (
        "import sys; sys.modules.update(requests=None, markdown=None, docker=None); "
        "import lab.runtimes.docker.container"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]


MODULE_LINES, FUNCTION_LINES = 450, 60


def test_no_module_is_over_450_lines_and_no_function_over_60():
    """A module a reader takes in whole, a function a reader takes in at a glance (src/ only)."""
    long_modules, long_functions = [], []
    for path in sorted((ROOT / "src").rglob("*.py")):
        text = path.read_text()
        name = str(path.relative_to(ROOT))
        if text.count("\n") > MODULE_LINES:
            long_modules.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text, name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES:
                    long_functions.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    assert not long_modules, f"modules over {MODULE_LINES} lines: {long_modules}"
    assert not long_functions, f"functions over {FUNCTION_LINES} lines: {long_functions}"
