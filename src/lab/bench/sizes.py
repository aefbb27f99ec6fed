"""The bench's sizes: every figure one run of `make bench` needs, as one frozen `Size` per size.

SIZES maps a size's name to its Size: full (`make bench`, about an hour), quick (`QUICK=1`, about
30 minutes) and smoke (tests/integration/test_bench.py: every step with tiny inputs, the Spark
ladder in one driver; it checks the plumbing, not the speed). A Size holds the backlog and
producer figures, the cost fit's caps, what the read-settings part drains, the live searches'
plan (`Live`, for lab.bench.live), the capacity search's (`Capacity`, for lab.bench.backlog, run
at each of `capacity_triggers`) and the fixed cost's (lab.bench.fixedcost).

`Size.recorded()` is what the results' JSON keeps under "size": its keys and their order are the
JSON's, the tuples written as lists.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_FIT_STAGES = ("count", "json", "join", "window", "windowing")


@dataclass(frozen=True)
class Live:
    """The live searches (lab.bench.live.search, realtime_hops). Rates are producer events/s, all
    page views; times are seconds."""

    stages: tuple[str, ...]  # the stages searched, the windowing job first
    start_rate: int
    warmup: int  # at half the start rate, not counted
    hold: int  # per rate tried
    max_steps: int  # rates tried doubling
    bisect: int  # bisections between the last rate kept up and the first that fell behind
    fractions: tuple[float, ...]  # of the sustainable rate, where latency is measured again
    drain: int  # the longest wait for the job to catch up after a hold
    twin_rate: int  # the realtime job's rate, in real-time mode and in micro-batch
    twin_hold: int  # quick and full: past one and two of real-time mode's checkpoints (REAL_TIME_BATCH)


@dataclass(frozen=True)
class Capacity:
    """The capacity search (lab.bench.backlog.search): page views in the backlog it reads from and
    in the warm-up's, batches of warm-up and seconds of measurement per rate, how many rates it
    tries and bisects, and whether it ends by offering 1.5x the rate it found kept up
    (lab.bench.backlog.choose)."""

    backlog_views: int
    warm_views: int
    warmup_batches: int
    hold: int
    max_steps: int
    bisect: int
    confirm: bool
    # The warm-up topic's batches, in rows: hundreds of small batches warm what each batch runs once.
    warm_cap: int | None = None


@dataclass(frozen=True)
class Size:
    """One size of the bench. fit_caps are the maxOffsetsPerTrigger caps the fit_stages drain the
    backlog under again for the cost fit (lab.bench.costfit): batches large enough that the per-row
    cost shows above the fixed cost."""

    name: str
    events: int  # in the backlog, about 5/8 of them page views (the topic the stages read)
    producer_seconds: int
    perf_records: int  # ProducerPerformance's
    repeat: int  # runs of each measurement, their median kept
    rate_seconds: int  # the rate stage's run
    fit_caps: tuple[int, ...]
    fit_stages: tuple[str, ...]
    live: Live
    capacity: Capacity
    one_driver: bool = False  # the ladder's stages drained one after another in one driver
    read_stages: tuple[str, ...] = ("count", "windowing")  # drained under each READ_SETTINGS entry
    read_defaults_only: bool = False  # only the first READ_SETTINGS entry, Kafka's defaults
    read_live: tuple[int, int] | None = None  # windowing live under each entry: (events/s, hold s)
    fixed_cost: tuple[int, int] = (600_000, 2_000)  # page views drained, and the cap: lab.bench.fixedcost
    fixed_lab_only: bool = False  # the fixed cost under the lab's settings only, not Spark's default too
    capacity_triggers: tuple[float, ...] = (1.0, 0.5)  # the capacity search at each trigger, in seconds

    @property
    def quick(self) -> bool:
        """Every size but full: no tuning tables."""
        return self.name != "full"

    def recorded(self) -> dict:
        keys = ("events", "producer_seconds", "perf_records", "repeat", "rate_seconds", "fit_caps", "fit_stages")
        return {key: getattr(self, key) for key in keys}


SIZES = {
    size.name: size
    for size in (
        Size(
            name="smoke",
            events=20_000,
            producer_seconds=2,
            perf_records=50_000,
            repeat=1,
            rate_seconds=3,
            # About 12,500 page views: each cap has full batches besides its drain's first, which the fit leaves out.
            fit_caps=(2_500, 5_000),
            fit_stages=ALL_FIT_STAGES,
            live=Live(
                stages=("windowing",),
                start_rate=1_000,
                warmup=5,
                hold=6,
                max_steps=1,
                bisect=0,
                fractions=(),
                drain=30,
                twin_rate=1_000,
                twin_hold=9,
            ),
            capacity=Capacity(
                backlog_views=60_000,
                warm_views=5_000,
                warm_cap=1_000,
                warmup_batches=2,
                hold=4,
                max_steps=1,
                bisect=0,
                confirm=False,
            ),
            one_driver=True,
            read_stages=("count",),
            read_defaults_only=True,
            fixed_cost=(8_000, 1_000),
            fixed_lab_only=True,
        ),
        Size(
            name="quick",
            events=1_000_000,
            producer_seconds=5,
            perf_records=1_000_000,
            repeat=1,
            rate_seconds=10,
            fit_caps=(40_000, 100_000, 200_000),
            fit_stages=("count", "windowing"),  # the two the targets name; the full run fits them all
            live=Live(
                stages=("windowing",),
                start_rate=2_000,
                warmup=10,
                hold=15,
                max_steps=4,
                bisect=0,
                fractions=(0.5,),
                drain=60,
                twin_rate=2_000,
                twin_hold=75,
            ),
            capacity=Capacity(
                backlog_views=6_000_000,
                warm_views=400_000,
                warm_cap=2_000,
                warmup_batches=12,
                hold=10,
                max_steps=3,
                bisect=0,
                confirm=True,
            ),
        ),
        Size(
            name="full",
            events=2_000_000,
            producer_seconds=20,
            perf_records=3_000_000,
            repeat=3,
            rate_seconds=20,
            fit_caps=(40_000, 100_000, 250_000),
            fit_stages=ALL_FIT_STAGES,
            live=Live(
                stages=("windowing", "window"),
                start_rate=8_000,
                warmup=10,
                hold=40,
                max_steps=5,
                bisect=2,
                fractions=(0.5, 0.8),
                drain=120,
                twin_rate=5_000,
                twin_hold=150,
            ),
            capacity=Capacity(
                backlog_views=8_000_000,
                warm_views=400_000,
                warm_cap=2_000,
                warmup_batches=15,
                hold=15,
                max_steps=4,
                bisect=2,
                confirm=True,
            ),
            read_live=(20_000, 30),
        ),
    )
}
