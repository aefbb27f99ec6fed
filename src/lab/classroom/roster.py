"""A class's learners: each one's name, token, topics and folders, kept in one file.

Contract:
- `Roster.made(names, folder)` is a roster of these learners: a token each (secrets.token_urlsafe,
  192 bits), the tokens of learners it already had kept (so a learner's connection line stays
  valid when the teacher adds others). Names are lowercase letters, digits and '-', 1-32
  characters, starting with a letter, each once; `names_of(n, names)` turns N=30 into
  learner01..learner30.
- `save()` writes it as JSON readable by the teacher only (0600), with where its gate listens
  (`gate`: (host, port), what the learners' lines name); `Roster.load(path)` reads it.
- A learner's own names (`Learner`): topics `class.<name>.<topic>` for what they write (results,
  quarantine); checkpoints and outputs in `<folder>/<name>/`, a path on the Spark Connect
  server's side (the learner's queries run there). The live input topics (page_views, orders,
  payments) are the lab's, which many may read at once: a Kafka source keeps its offsets in its
  own checkpoint, so readers never disturb each other.
- `learner.environment(folder)` is what a job or a check needs to run as that learner
  (streamlab.config's variables); `learner.remote(address, port)` is their Spark Connect
  connection string, with the token and their name.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
OWN_TOPICS = ("results", "quarantine")  # what a learner writes; the inputs are the lab's
TOKEN_BYTES = 24


class RosterError(ValueError):
    """A learner's name is not valid, or given twice; the message says which."""


@dataclass(frozen=True)
class Learner:
    name: str
    token: str

    def topics(self) -> dict[str, str]:
        """The learner's own topics: logical name -> name in Kafka."""
        return {t: f"class.{self.name}.{t}" for t in OWN_TOPICS}

    def folder(self, root: Path) -> Path:
        return root / self.name

    def environment(self, root: Path) -> dict[str, str]:
        """streamlab.config's variables for a job or a check run as this learner."""
        home = self.folder(root)
        return {
            **{f"TOPIC_{t.upper()}": name for t, name in self.topics().items()},
            "CHECKPOINT_ROOT": str(home / "checkpoints"),
            "OUTPUT_ROOT": str(home / "outputs"),
        }

    def remote(self, address: str, port: int | str) -> str:
        return f"sc://{address}:{port}/;use_ssl=true;token={self.token};user_id={self.name}"


@dataclass(frozen=True)
class Roster:
    path: Path
    learners: tuple[Learner, ...]
    gate: tuple[str, str] | None = None

    @classmethod
    def load(cls, path: Path) -> Roster | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        gate = tuple(data["gate"]) if data.get("gate") else None
        return cls(path, tuple(Learner(**entry) for entry in data["learners"]), gate)

    @classmethod
    def made(cls, path: Path, names: list[str], gate: tuple[str, str] | None = None) -> Roster:
        for name in names:
            if not NAME.fullmatch(name):
                raise RosterError(name)
        if len(set(names)) != len(names):
            raise RosterError(next(n for n in names if names.count(n) > 1))
        old = cls.load(path)
        kept = {ln.name: ln.token for ln in old.learners} if old else {}
        learners = tuple(Learner(n, kept.get(n) or secrets.token_urlsafe(TOKEN_BYTES)) for n in names)
        return cls(path, learners, gate)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"gate": self.gate, "learners": [asdict(ln) for ln in self.learners]}, f, indent=1)
        os.replace(tmp, self.path)

    def get(self, name: str) -> Learner | None:
        return next((ln for ln in self.learners if ln.name == name), None)


def names_of(n: int | None, names: str | None) -> list[str]:
    """NAMES=ana,luis wins; else N learners, learner01..learnerNN (two digits at least)."""
    if names:
        return [x.strip() for x in names.split(",") if x.strip()]
    width = max(2, len(str(n or 0)))
    return [f"learner{i:0{width}d}" for i in range(1, (n or 0) + 1)]
