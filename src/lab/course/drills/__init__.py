"""Reliability drills: break things mid-stream, restart, and compare with ground truth.

`make drill NAME=<name>` runs one drill (or `all`) on the running lab: `run(names, size)`, the
drills by name in `DRILLS`, each a function of a `Drill` that returns its `Result`; `Size` and
`SIZES` are their sizes (small, full). The integration tests run the same functions at the small
size. Each drill:
- uses private copies of the lab's topics, so the background producer never mixes in;
- reads the ground truth from Kafka itself (lab.course.truth), never from Spark;
- returns a `Result` with the events checked, lost and duplicated. It passes only when both
  are 0 and the drill's own condition holds.

The guarantees they show:
- the Parquet file sink is exactly-once across restarts (its _spark_metadata log);
- the Kafka sink is at-least-once;
- foreachBatch is at-least-once unless the writer is idempotent (the custom_sink job upserts).
docs/drills.md explains each drill. What a drill prints is in the lab's language
(src/lab/messages/drills.toml); where it reads a job's or a command's line, it reads it in that
language too, from the message's catalogue (`said`).

The modules: base (Drill, Result, Size), checks (reading a run, comparing with the truth), one per
family of drills (restarts, services, bad_data, refusals, cluster), and runner (DRILLS,
CLUSTER_DRILLS, run). The cluster drills run on the cluster profile only (`make up CLUSTER=1`).
"""

from lab.course.drills.base import SIZES, Drill, Result, Size
from lab.course.drills.runner import CLUSTER_DRILLS, DRILLS, run

__all__ = ["CLUSTER_DRILLS", "DRILLS", "SIZES", "Drill", "Result", "Size", "run"]
