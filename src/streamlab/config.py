"""Where a job finds Kafka, its topics, its folders and its metrics port.

`Config.from_env(environ)` reads them once, when the job parses its options
(`streamlab.options.parse` puts the result in `opts.config`). Each comes from an environment
variable, else a default that suits a plain `spark-submit` beside a Kafka on this machine:

    KAFKA_BOOTSTRAP      127.0.0.1:9092         Kafka's bootstrap servers (--bootstrap-servers wins)
    TOPIC_<NAME>         the name in lowercase  a topic: TOPIC_PAGE_VIEWS=page_views, ...
    CHECKPOINT_ROOT      checkpoints            each query checkpoints in <root>/<job>/<query>
    OUTPUT_ROOT          outputs                a Parquet sink writes to <root>/<job>
    DATA_ROOT            data                   the files job's input, the producer's dimensions
    JOB_METRICS_PORT     9108                   the listener's Prometheus endpoint (0: none)
    METRICS_HOST         127.0.0.1              the address it listens on
    JOB_FINAL_SCRAPE_SECONDS  6                 at its end, how long a job whose metrics Prometheus
                                                scrapes waits for one more scrape, so the final
                                                figures reach it (0: no wait)
    POSTGRES_DSN         the lab's local one    the custom sink's database (libpq key=value)
    PATHS_ON_SERVER      0                      1: the folders above are a Spark Connect server's,
                                                on another machine (a container): the job does
                                                not read its checkpoints itself (no state guard,
                                                no data-loss check before it starts)

Relative folders are relative to the working directory. The lab's control plane (`make submit`)
sets every variable from .env, so a job never reads .env itself: copy a job file and this
package into a project of your own, and it runs with `spark-submit --py-files streamlab.zip`.
Stdlib only, like streamlab.options.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from streamlab.i18n import Catalogue

TOPICS = ("page_views", "orders", "payments", "quarantine", "results")
DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_METRICS_PORT = 9108
DEFAULT_FINAL_SCRAPE_SECONDS = 6.0  # the lab's scrape interval (5 s) and a second
DEFAULT_POSTGRES_DSN = "host=127.0.0.1 port=5432 dbname=lab user=lab password=lab-local-only"
MESSAGES = Catalogue.load("streamlab", "options")


class ConfigError(ValueError):
    """An environment variable is malformed; the message names it."""


@dataclass(frozen=True)
class Config:
    bootstrap: str = DEFAULT_BOOTSTRAP
    topics: dict[str, str] = field(default_factory=lambda: {t: t for t in TOPICS})
    checkpoint_root: Path = Path("checkpoints")
    output_root: Path = Path("outputs")
    data_root: Path = Path("data")
    metrics_port: int = DEFAULT_METRICS_PORT
    metrics_host: str = "127.0.0.1"
    final_scrape_seconds: float = DEFAULT_FINAL_SCRAPE_SECONDS
    postgres_dsn: str = DEFAULT_POSTGRES_DSN
    paths_on_server: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        topics = {t: env.get(f"TOPIC_{t.upper()}") or t for t in TOPICS}
        raw_port = env.get("JOB_METRICS_PORT") or str(DEFAULT_METRICS_PORT)
        try:
            port = int(raw_port)
        except ValueError:
            raise ConfigError(MESSAGES("bad_metrics_port", value=raw_port)) from None
        raw_wait = env.get("JOB_FINAL_SCRAPE_SECONDS") or str(DEFAULT_FINAL_SCRAPE_SECONDS)
        try:
            final_scrape = float(raw_wait)
        except ValueError:
            final_scrape = -1.0
        if not final_scrape >= 0:
            raise ConfigError(MESSAGES("bad_final_scrape", value=raw_wait))
        return cls(
            bootstrap=env.get("KAFKA_BOOTSTRAP") or DEFAULT_BOOTSTRAP,
            topics=topics,
            checkpoint_root=Path(env.get("CHECKPOINT_ROOT") or "checkpoints"),
            output_root=Path(env.get("OUTPUT_ROOT") or "outputs"),
            data_root=Path(env.get("DATA_ROOT") or "data"),
            metrics_port=port,
            metrics_host=env.get("METRICS_HOST") or "127.0.0.1",
            final_scrape_seconds=final_scrape,
            postgres_dsn=env.get("POSTGRES_DSN") or DEFAULT_POSTGRES_DSN,
            paths_on_server=env.get("PATHS_ON_SERVER") == "1",
        )

    @property
    def dimensions(self) -> Path:
        """Where the producer writes the users and products files that the joins read."""
        return self.data_root / "dimensions"

    def topic(self, name: str) -> str:
        """A logical topic (page_views, orders, ...) -> its name in Kafka."""
        return self.topics[name]
