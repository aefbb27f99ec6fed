"""Print what a job keeps in its state, from its checkpoint (`make state`; not a learner's job).

For each of the job's queries that keeps state (the quarantine ones do not), it prints each
stateful operator, how many keys it holds and the first rows, ordered by key. A stream-stream
join shows both sides' buffers. `--batch` reads the state as it was after that batch, while the
checkpoint still keeps it. It runs on the lab like any job, and only reads the checkpoint, so the
job may be running.

    make state JOB=windowing
    make state JOB=windowing BATCH=3 LIMIT=50

`--json FILE` also writes what it read (every row with `--limit 0`) for scripts and tests:
{"job", "checkpoint", "queries": {query: [{"operator_id", "operator", "join_side", "state_var",
"batch", "keys", "columns", "rows"}]}}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from streamlab import naming, session, state
from streamlab.cliparse import Parser
from streamlab.config import Config
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("streamlab", "state")


def parser():
    p = Parser(prog="_state", description=__doc__.splitlines()[0])
    p.add_argument("--job", required=True, help="the job whose state to read")
    p.add_argument("--checkpoint", default=None, help="the job's checkpoint folder (default: its own)")
    p.add_argument("--batch", type=int, default=None, help="read the state after this batch (default: the last)")
    p.add_argument("--limit", type=int, default=20, help="rows to show per operator; 0 for all")
    p.add_argument("--json", default=None, help="also write what was read to this file")
    return p


def show(spark, job: str, folder: Path, batch: int | None, limit: int, keep_rows: bool) -> list[dict]:
    """Print one query's state; return it as dicts for --json (the rows only when `keep_rows`)."""
    from pyspark.sql import functions as F

    query = naming.query_of_folder(job, folder.name)
    if not state.has_state(folder):
        print("\n" + MESSAGES("stateless", query=query))
        return []
    stores = state.stores(spark, str(folder))
    print("\n" + MESSAGES("query", query=query, folder=folder))
    out = []
    for store in stores:
        at = store.max_batch if batch is None else batch
        if not store.min_batch <= at <= store.max_batch:
            raise ValueError(
                MESSAGES("batch_not_kept", batch=at, query=query, first=store.min_batch, last=store.max_batch)
            )
        df = state.read(spark, str(folder), store, at).cache()  # counted, shown and maybe kept: read once
        rows = df.orderBy(*df.columns).limit(limit) if limit else df.orderBy(*df.columns)
        keys = df.count()
        print(
            MESSAGES(
                "store",
                store=store.label,
                keys=keys,
                batch=at,
                first=store.min_batch,
                last=store.max_batch,
                partitions=store.partitions,
            )
        )
        if keys:
            rows.show(limit or keys, truncate=False)
        out.append(
            {
                "operator_id": store.operator_id,
                "operator": store.operator,
                "join_side": store.join_side,
                "state_var": store.state_var,
                "timers": store.timers,
                "batch": at,
                "keys": keys,
                "columns": df.columns,
                # Spark's JSON writes timestamps in the session's time zone (UTC), as show() does;
                # collect() would give them in the driver's local time.
                "rows": [json.loads(r[0]) for r in rows.select(F.to_json(F.struct("*"))).collect()]
                if keep_rows
                else [],
            }
        )
        df.unpersist()
    return out


def main(argv: list[str] | None = None) -> int:
    opts = parser().parse_args(argv)
    root = Path(opts.checkpoint) if opts.checkpoint else Config.from_env().checkpoint_root / opts.job
    folders = sorted(p for p in root.iterdir() if (p / "offsets").is_dir()) if root.is_dir() else []
    if not folders:
        print(MESSAGES("no_checkpoint", job=opts.job, root=root), file=sys.stderr)
        return 1
    spark = session.build(f"state {opts.job}")
    # Reading a state store reports to the StateStoreCoordinator, which the session's
    # StreamingQueryManager starts: in a session that never ran a query, create it first.
    spark.streams.active  # noqa: B018
    print(MESSAGES("heading", job=opts.job, root=root))
    try:
        queries = {
            naming.query_of_folder(opts.job, f.name): show(spark, opts.job, f, opts.batch, opts.limit, bool(opts.json))
            for f in folders
        }
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    if opts.json:
        Path(opts.json).write_text(json.dumps({"job": opts.job, "checkpoint": str(root), "queries": queries}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
