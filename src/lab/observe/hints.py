"""The report's tuning hints: what the lab suggests trying for one run, in the learner's language.

Contract: `hints(figures, settings, verdict_code, lang)` is a list of hints drawn from the run's
figures, its verdict and the lab's settings (SPARK_WORKER_CORES, SPARK_SHUFFLE_PARTITIONS), in
this order: shuffle partitions against cores; falling behind (and whether processing, not the
trigger, is the limit) or a trigger much longer than its batches; large state; GC; late rows
dropped. One line saying no tuning is needed when none applies. The lines they draw are THRESHOLDS.
"""

from __future__ import annotations

from lab.config.settings import Settings
from lab.observe import units
from lab.observe.evidence import FALLS_BEHIND
from lab.observe.figures import Figures
from lab.observe.wording import TEXT

# Where the hints draw their lines; each is explained where it is used.
THRESHOLDS = {
    "state_rows_rocksdb": 1_000_000,  # beyond this, the RocksDB state store is worth trying
    "state_bytes_rocksdb": 256 * 1024 * 1024,
    "gc_share_high": 0.10,  # executors spending > 10% of wall time in GC
    "partitions_per_core_max": 4,  # shuffle partitions beyond 4 per core mostly add task overhead
    "shorter_trigger_share": 0.25,  # batches at p50 under this share of the trigger: a shorter one cuts latency
}


def _partitions(settings: Settings, lang: str) -> list[str]:
    cores = settings.int("SPARK_WORKER_CORES")
    partitions = settings.int("SPARK_SHUFFLE_PARTITIONS")
    if partitions > THRESHOLDS["partitions_per_core_max"] * cores:
        return [TEXT.text("hint_partitions_high", lang, partitions=partitions, cores=cores, suggested=2 * cores)]
    if partitions < cores:
        return [TEXT.text("hint_partitions_low", lang, partitions=partitions, cores=cores)]
    return []


def _trigger(f: Figures, verdict_code: str, lang: str) -> list[str]:
    """Falling behind, and whether batches outlast the trigger; else a trigger far longer than batches."""
    trigger = units.duration(f.trigger_seconds, lang)
    if verdict_code == FALLS_BEHIND:
        out = [TEXT.text("hint_falls_behind", lang)]
        if f.batch_p95 and f.trigger_seconds and f.batch_p95.value > f.trigger_seconds:
            p95 = units.duration(f.batch_p95.value, lang, f.batch_p95.above)
            out.append(TEXT.text("hint_processing_bound", lang, p95=p95, trigger=trigger))
        return out
    shorter = THRESHOLDS["shorter_trigger_share"]
    if f.batch_p50 is not None and f.trigger_seconds and f.batch_p50.value < shorter * f.trigger_seconds:
        p50 = units.duration(f.batch_p50.value, lang, f.batch_p50.above)
        return [TEXT.text("hint_shorter_trigger", lang, p50=p50, trigger=trigger)]
    return []


def _state_gc_late(f: Figures, lang: str) -> list[str]:
    out = []
    rows, size = f.state_rows_max or 0.0, f.state_bytes_max or 0.0
    if rows > THRESHOLDS["state_rows_rocksdb"] or size > THRESHOLDS["state_bytes_rocksdb"]:
        out.append(TEXT.text("hint_rocksdb", lang, rows=units.count(rows, lang), size=units.size(size, lang)))
    if f.gc_share is not None and f.gc_share > THRESHOLDS["gc_share_high"]:
        out.append(TEXT.text("hint_gc", lang, share=units.share(f.gc_share, lang, 0)))
    if f.late_dropped:
        out.append(TEXT.text("hint_late", lang, rows=units.count(f.late_dropped, lang)))
    return out


def hints(f: Figures, settings: Settings, verdict_code: str, lang: str = "en") -> list[str]:
    """The run's hints in `lang` (see the module's contract)."""
    out = [*_partitions(settings, lang), *_trigger(f, verdict_code, lang), *_state_gc_late(f, lang)]
    return out or [TEXT.text("hint_none", lang)]
