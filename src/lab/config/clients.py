"""What the lab tells the processes it starts: the jobs and the producer.

They never read .env: `client_env(settings, paths)` turns the lab's settings into the
environment variables that streamlab.config reads (and the producer with it). Both runtimes pass
it: lab.spark.submit to spark-submit, lab.runtimes.docker.container inside the driver container,
lab.runtimes.local to the producer; Compose sets the producer service's from .env itself (and
LAB_LANG from the lab's environment, which lab.cli sets).
"""

from __future__ import annotations

from lab.config.paths import Paths
from lab.config.postgres import dsn
from lab.config.settings import Settings


def client_env(settings: Settings, paths: Paths, metrics_host: str | None = None) -> dict[str, str]:
    """KAFKA_BOOTSTRAP, TOPIC_*, the run folder's CHECKPOINT_ROOT, OUTPUT_ROOT and DATA_ROOT,
    JOB_METRICS_PORT, JOB_FINAL_SCRAPE_SECONDS, METRICS_HOST, POSTGRES_DSN, DIMENSION_SEED, and
    LAB_LANG: the language they print in, resolved (es or en), so that their locale does not matter."""
    return {
        "LAB_LANG": settings.language(),
        "KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        **{key: value for key, value in settings.values.items() if key.startswith("TOPIC_")},
        "CHECKPOINT_ROOT": str(paths.checkpoints),
        "OUTPUT_ROOT": str(paths.outputs),
        "DATA_ROOT": str(paths.data),
        "JOB_METRICS_PORT": settings["JOB_METRICS_PORT"],
        "JOB_FINAL_SCRAPE_SECONDS": settings["JOB_FINAL_SCRAPE_SECONDS"],
        "METRICS_HOST": metrics_host or settings.host,
        "POSTGRES_DSN": dsn(settings),
        "DIMENSION_SEED": settings["DIMENSION_SEED"],
    }
