"""Read a streaming query's state from its checkpoint, with Spark 4's state data sources.

Two batch readers, both in Spark 4.0 (Spark's guide: "State Data Source Integration Guide"):
- `spark.read.format("state-metadata").load(checkpoint)`: one row per stateful operator and
  state store: operatorId, operatorName, stateStoreName, numPartitions, and the range of
  batches whose state is still kept (minBatchId, maxBatchId);
- `spark.read.format("statestore").load(checkpoint)`: the state's rows, as `key` and `value`
  structs plus `partition_id`. Options: `batchId` (default: the last committed batch),
  `operatorId` (default 0), `joinSide` (`left`/`right`, for a stream-stream join's buffers)
  `stateVarName` (one of a transformWithState processor's state variables) and
  `readRegisteredTimers` (its timers: each key's expiration_timestamp_ms).

Contract: `stores(spark, checkpoint)` lists what can be read, one `Store` per operator and side
or state variable; `read(spark, checkpoint, store, batch)` returns its rows with the key's and
value's fields as plain columns (`flatten`). Neither changes the checkpoint: a running query may
keep writing while they read.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("streamlab", "state")
# Internal stores a reader reaches through another option: a join's four stores through
# `joinSide`, a transformWithState operator's through `stateVarName`.
JOIN = "symmetricHashJoin"
JOIN_SIDES = ("left", "right")


@dataclasses.dataclass(frozen=True)
class Store:
    """One readable part of a query's state."""

    operator_id: int
    operator: str  # Spark's name: stateStoreSave, symmetricHashJoin, applyInPandasWithState, ...
    partitions: int
    min_batch: int
    max_batch: int
    join_side: str | None = None
    state_var: str | None = None
    timers: bool = False

    @property
    def label(self) -> str:
        """The store's name for a reader, in the process's language (streamlab.i18n)."""
        named = {"id": self.operator_id, "operator": self.operator}
        if self.join_side:
            return MESSAGES("operator_side", side=self.join_side, **named)
        if self.state_var:
            return MESSAGES("operator_variable", variable=self.state_var, **named)
        return MESSAGES("operator_timers" if self.timers else "operator", **named)

    def options(self, batch: int | None = None) -> dict[str, str]:
        opts = {"operatorId": str(self.operator_id)}
        if self.join_side:
            opts["joinSide"] = self.join_side
        if self.state_var:
            opts["stateVarName"] = self.state_var
        if self.timers:
            opts["readRegisteredTimers"] = "true"
        if batch is not None:
            opts["batchId"] = str(batch)
        return opts


def has_state(checkpoint: Path) -> bool:
    """A query keeps state only if its checkpoint has a `state` folder (stateless ones do not)."""
    return (checkpoint / "state").is_dir()


def stores(spark, checkpoint: str) -> list[Store]:
    """Every readable store of the query checkpointed in `checkpoint`, by operator."""
    rows = spark.read.format("state-metadata").load(checkpoint).collect()
    return stores_of([r.asDict() for r in rows])


def stores_of(metadata: list[dict]) -> list[Store]:
    """The stores that state-metadata's rows describe (pure, for tests): one per operator, two
    for a join (its sides), one per user state variable of a transformWithState operator, plus
    its timers if it has any."""
    out: dict[tuple, Store] = {}
    for row in sorted(metadata, key=lambda r: (r["operatorId"], r["stateStoreName"])):
        base = dict(
            operator_id=row["operatorId"],
            operator=row["operatorName"],
            partitions=row["numPartitions"],
            min_batch=row["minBatchId"],
            max_batch=row["maxBatchId"],
        )
        if row["operatorName"] == JOIN:
            for side in JOIN_SIDES:
                out.setdefault((row["operatorId"], side), Store(**base, join_side=side))
            continue
        state_vars, timers = _state_variables(row.get("operatorProperties"))
        if state_vars or timers:
            for name in state_vars:
                out.setdefault((row["operatorId"], name), Store(**base, state_var=name))
            if timers:
                out.setdefault((row["operatorId"], "$timers"), Store(**base, timers=True))
        else:
            out.setdefault((row["operatorId"], None), Store(**base))
    return list(out.values())


def _state_variables(properties: str | None) -> tuple[list[str], bool]:
    """A transformWithState operator's own state variables, and whether it has timers (Spark's
    internal stores, whose names start with `$`, are read through readRegisteredTimers)."""
    try:
        variables = json.loads(properties or "{}").get("stateVariables", [])
    except (ValueError, AttributeError):
        return [], False
    found = [v for v in variables if isinstance(v, dict) and v.get("stateName")]
    timers = any(v.get("stateVariableType") == "TimerState" for v in found)
    return [v["stateName"] for v in found if not v["stateName"].startswith("$")], timers


def read(spark, checkpoint: str, store: Store, batch: int | None = None):
    """The store's rows at `batch` (default: the last committed one), flattened."""
    return flatten(spark.read.format("statestore").options(**store.options(batch)).load(checkpoint))


def flatten(df):
    """key and value structs -> one column per leaf field, named by its path joined with `_`,
    without the leading `key`/`value` (window_start, country, count); partition_id is dropped.
    A value field whose name a key field already took keeps the prefix (value_order_id); a join's
    unnamed key (field0) is called `key`."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    def leaves(schema: StructType, path: list[str]):
        for field in schema.fields:
            if isinstance(field.dataType, StructType):
                yield from leaves(field.dataType, [*path, field.name])
            else:
                yield [*path, field.name]

    cols, seen = [], set()
    for part in df.columns:
        if part == "partition_id":
            continue
        if part not in ("key", "value") or not isinstance(df.schema[part].dataType, StructType):
            cols.append(F.col(part))  # expiration_timestamp_ms, for timers
            seen.add(part)
            continue
        for path in leaves(df.schema[part].dataType, [part]):
            name = "_".join(path[1:])
            if part == "key" and re.fullmatch(r"field\d+", name):
                name = "key" if name == "field0" else f"key_{name.removeprefix('field')}"
            if name in seen:
                name = "_".join(path)
            seen.add(name)
            cols.append(F.col(".".join(f"`{p}`" for p in path)).alias(name))
    return df.select(*cols)
