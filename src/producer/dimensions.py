"""Static dimension data for stream-static joins: products and users, from the same seed as the
events. The files are JSON Lines, so Spark reads them with a schema and learners can read them
with any text tool."""

from __future__ import annotations

import json
from pathlib import Path

from producer.generator import Pools


def write(pools: Pools, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, rows in (("products", pools.products), ("users", pools.users)):
        path = folder / f"{name}.jsonl"
        tmp = path.with_suffix(".tmp")
        with tmp.open("w") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        tmp.replace(path)  # atomic: a job never reads a half-written dimension
        out[name] = path
    return out
