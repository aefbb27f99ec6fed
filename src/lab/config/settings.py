"""The lab's settings: `.env` at the project root, overridden by the process environment.

Contract: `load()` returns a `Settings` whose keys are exactly those in `.env`; a key set in
the environment wins over the file, so `KAFKA_PORT=19092 make up` works without editing it.
This module is stdlib-only on purpose: the Makefile runs `lab runtime` and `lab config` on the
system Python before the venv, or any package, exists. That is why it parses .env itself (a
dozen lines: KEY=VALUE, comments, optional quotes) rather than with python-dotenv. The jobs and
the producer never read .env: the control plane passes them what they need (lab.config.clients).

Not for: secrets. `.env` is committed and holds only local-only defaults.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lab.errors import UsageError
from streamlab.i18n import Catalogue, language

ROOT = Path(__file__).resolve().parents[3]  # src/lab/config/settings.py -> the project root
ENV_FILE = ROOT / ".env"

_LINE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*$")
MESSAGES = Catalogue.load("lab", "commands")


class SettingsError(UsageError):
    """A setting is missing or malformed; the message names the key."""


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; `#` starts a comment line. Quotes around a value are removed."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise SettingsError(MESSAGES("settings_bad_line", file=path.name, line=number, text=line))
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


@dataclass(frozen=True)
class Settings:
    values: dict[str, str]
    file: dict[str, str] = field(default_factory=dict)  # what .env itself says, before any override

    def __getitem__(self, key: str) -> str:
        try:
            return self.values[key]
        except KeyError:
            raise SettingsError(MESSAGES("settings_missing", key=key)) from None

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def int(self, key: str) -> int:
        raw = self[key]
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(MESSAGES("settings_not_int", key=key, raw=raw)) from None

    # --- derived values, computed in one place ---
    @property
    def host(self) -> str:
        """Where every service listens: on this machine only, since none asks who connects (Kafka,
        PostgreSQL, Spark, the Spark Connect server). A class reaches Spark Connect through
        classroom mode's gate instead, which does (CLASS_HOST)."""
        host = self["LAB_HOST"]
        if not _loopback(host):
            raise SettingsError(MESSAGES("settings_host_exposed", host=host))
        return host

    @property
    def state(self) -> Path:
        path = Path(self["LAB_STATE"])
        return path if path.is_absolute() else ROOT / path

    @property
    def cluster(self) -> bool:
        """The cluster profile: three brokers and at least two workers (CLUSTER=1)."""
        return self.get("CLUSTER", "0") == "1"

    @property
    def connect(self) -> bool:
        """Spark Connect: `make up` starts its server and jobs run as its clients (CONNECT=1; so do
        classroom mode and a job run as a learner)."""
        return self.get("CONNECT", "0") == "1" or self.classroom or bool(self.learner)

    @property
    def classroom(self) -> bool:
        """Classroom mode (`make class`, CLASS=1): the gate that lets a class's learners in."""
        return self.get("CLASS", "0") == "1"

    @property
    def learner(self) -> str | None:
        """LEARNER=ana: a job or a check runs as that learner of the class, through the gate."""
        return self.get("LEARNER") or None

    @property
    def class_address(self) -> str:
        """Where the classroom's gate listens (CLASS_HOST), and so where this machine reaches it."""
        return self["CLASS_HOST"]

    @property
    def connect_url(self) -> str:
        """Where a thin client reaches the lab's Spark Connect server."""
        return f"sc://{self.host}:{self['SPARK_CONNECT_PORT']}"

    @property
    def brokers(self) -> tuple[str, ...]:
        """The .env keys of the ports the host reaches the brokers on: one, or three with the cluster."""
        return ("KAFKA_PORT", "KAFKA_2_PORT", "KAFKA_3_PORT") if self.cluster else ("KAFKA_PORT",)

    @property
    def workers(self) -> int:
        """How many Spark workers the Docker runtime runs: WORKERS, and at least two with the cluster."""
        return max(self.int("WORKERS"), 2 if self.cluster else 1)

    @property
    def kafka_bootstrap(self) -> str:
        return self.get("KAFKA_BOOTSTRAP") or ",".join(f"{self.host}:{self[key]}" for key in self.brokers)

    @property
    def spark_master(self) -> str:
        return self.get("SPARK_MASTER") or f"spark://{self.host}:{self['SPARK_MASTER_PORT']}"

    def overridden(self, environ: dict[str, str]) -> Settings:
        """These settings with the keys that `environ` sets replaced: what `load(environ=...)`
        would give, without reading .env again."""
        values = {k: environ.get(k, v) for k, v in self.values.items()}
        # Keys that .env leaves out on purpose but a user may point elsewhere.
        values.update({k: environ[k] for k in ("KAFKA_BOOTSTRAP", "SPARK_MASTER") if environ.get(k)})
        return Settings(values, self.file)

    def language(self, environ: dict[str, str] | None = None) -> str:
        """es or en: LAB_LANG as these settings hold it (the environment's, else .env's), else the
        locale of `environ` (default: this process's), as streamlab.i18n.language reads them."""
        env = dict(os.environ if environ is None else environ)
        return language({**env, "LAB_LANG": self.get("LAB_LANG") or ""})

    @property
    def topics(self) -> dict[str, str]:
        """Logical name (page_views, ...) -> topic name, from every TOPIC_* key."""
        return {k[len("TOPIC_") :].lower(): v for k, v in self.values.items() if k.startswith("TOPIC_")}


def load(env_file: Path = ENV_FILE, environ: dict[str, str] | None = None) -> Settings:
    file = parse_env_file(env_file)
    return Settings(file, file).overridden(os.environ if environ is None else environ)
