"""Where the lab keeps runtime state: one gitignored folder (LAB_STATE, `.lab` by default).

Everything a run creates lives below it, so `make clean` is one `rm -rf` and git never sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.config.settings import ROOT, Settings


@dataclass(frozen=True)
class Paths:
    state: Path
    run_dir: Path | None = None

    @classmethod
    def of(cls, settings: Settings) -> Paths:
        run = settings.get("LAB_RUN")
        return cls(settings.state, (Path(run) if Path(run).is_absolute() else ROOT / run) if run else None)

    # installed dependencies (kept by `make clean`, removed by `make distclean`)
    @property
    def venv(self) -> Path:
        return self.state / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def thin_venv(self) -> Path:
        """A Spark Connect client's virtual environment: pyspark-client, no Java (lab.spark.connect)."""
        return self.state / "thin"

    @property
    def jars(self) -> Path:
        return self.state / "jars"

    @property
    def kafka_jars(self) -> Path:
        return self.jars / "kafka"

    @property
    def spark_jars(self) -> Path:
        return self.jars / "spark"

    @property
    def agent_jars(self) -> Path:
        return self.jars / "agents"

    # run state (removed by `make clean`)
    @property
    def run(self) -> Path:
        return self.run_dir or self.state / "run"

    @property
    def logs(self) -> Path:
        return self.run / "logs"

    @property
    def conf(self) -> Path:
        """Configs rendered from services/ templates and .env."""
        return self.run / "conf"

    @property
    def data(self) -> Path:
        return self.run / "data"

    @property
    def checkpoints(self) -> Path:
        return self.run / "checkpoints"

    @property
    def outputs(self) -> Path:
        return self.run / "outputs"

    @property
    def supervisor_conf(self) -> Path:
        return self.conf / "supervisord.conf"

    @property
    def supervisor_sock(self) -> Path:
        return self.run / "supervisor.sock"

    @property
    def supervisor_pid(self) -> Path:
        return self.run / "supervisord.pid"


SERVICES_DIR = ROOT / "services"
# Spark's settings for the lab's daemons and jobs, passed as --properties-file (lab.spark.cds says why).
SPARK_DEFAULTS = SERVICES_DIR / "spark" / "spark-defaults.conf"
JOBS_DIR = ROOT / "jobs"
# The job library, zipped for spark-submit's --py-files (the venv imports it from here too).
STREAMLAB_DIR = ROOT / "src" / "streamlab"
