"""The bench runs end to end, at its smoke size, and its figures are sane. No speed is asserted.
(`make bench QUICK=1` and the full run take the same steps with more data and more rates.) It runs
as a Spanish-speaking learner runs it (LAB_LANG=es): every line it prints and its results page in
Spanish, its JSON the same in any language (tests/unit/test_bench_page.py renders both languages)."""

import json

from lab import bench, runtimes
from lab.bench import files
from streamlab.wait import wait_for
from tests.support import browser
from tests.support.kafka import topic_names
from tests.support.language import english_lines


def test_smoke_bench_runs_and_reports(lab_up, lab_env, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(files, "RESULTS_DIR", tmp_path)
    monkeypatch.setenv("LAB_LANG", "es")
    before = topic_names(lab_up.kafka_bootstrap)
    out = bench.run(runtimes.get(lab_up), "smoke", environ=lab_env)

    # Every topic the bench created is gone (deleted when it ends; the broker's view may lag a
    # moment). Kafka's internal topics (__consumer_offsets) may appear with the first consumer group.
    def created() -> set[str]:
        return {t for t in topic_names(lab_up.kafka_bootstrap) - before if not t.startswith("__")}

    wait_for(lambda: not created(), 30, "the bench's topics to be deleted")
    printed = capsys.readouterr().out
    assert printed.count("==> ") >= 10 and english_lines(printed) == [], english_lines(printed)
    results = json.loads(out.read_text())
    p = results["producer"]
    assert p["events_per_second"] > 0 and p["producer_performance_records_per_second"] > 0 and p["ratio"] > 0
    assert p["replay_events_per_second"] > 0 and p["replay_ratio"] > 0
    assert 150 < p["record_bytes"] < 400
    assert results["consumer_ceiling_records_per_second"] > 0
    backlog = results["backlog_records"]
    ladder = results["ladder"]
    assert set(ladder) == {"rate", "count", "json", "join", "window", "windowing"}
    assert ladder["count"]["rows"] == backlog, "the count stage must read the whole backlog, exactly"
    assert ladder["json"]["rows"] == backlog
    assert all(r["rows_per_second"] > 0 for r in ladder.values())
    caps = bench.SIZES["smoke"].fit_caps
    for stage in ("count", "json", "join", "window", "windowing"):
        r = ladder[stage]
        # Each capped drain reads the whole backlog again, in batches no larger than its cap.
        assert r["capped_rows"] == {str(c): backlog for c in caps}, f"{stage}: {r['capped_rows']}"
        assert all(rows <= cap for cap, rows, _ in r["fit_batches"]), stage
        assert r["cost"] and 0 < r["cost"]["batches"] <= len(r["fit_batches"]), f"{stage}: {r.get('cost')}"
        # The warm drain reads the whole backlog again, exactly, in the same driver.
        assert r["warm_rows"] == backlog and r["warm_rows_per_second"] > 0, f"{stage}: {r['warm_rows']}"
    assert ladder["rate"]["fit_batches"] == [] and ladder["rate"]["cost"] is None
    assert ladder["rate"]["warm_rows"] == 0 and ladder["rate"]["warm_rows_per_second"] is None
    defaults = results["read_settings"]["Kafka's defaults"]["count"]
    assert defaults["rows"] == backlog, "Kafka's default consumer settings must read the same backlog, exactly"
    for key, trigger in (("capacity", 1.0), ("capacity_half_second", 0.5)):
        capacity = results[key]
        assert capacity["steps"] and capacity["trigger_seconds"] == trigger, f"{key}: {capacity}"
        first = capacity["steps"][0]
        assert first["batches"] >= 2 and first["rows_per_second"] > 0 and not first["backlog_ran_out"], first
        # maxOffsetsPerTrigger is the rate times the trigger: each batch is offered a trigger's worth.
        assert first["rows_per_batch_cap"] == max(int(first["offered_rows_per_second"] * trigger), 1)
    fixed = results["fixed_cost"]
    views, cap = bench.SIZES["smoke"].fixed_cost
    assert fixed["views"] == views and fixed["cap"] == cap and list(fixed["settings"]) == ["the lab's (FileSystem)"]
    for stage, f in fixed["settings"]["the lab's (FileSystem)"].items():
        assert f["batches"] >= 1 and 0 < f["rows_median"] <= cap, f"{stage}: {f}"
        phases = f["phases_median_seconds"]
        assert 0 < phases["addBatch"] <= f["batch_seconds_median"], f"{stage}: {f}"
    md = out.with_suffix(".md").read_text()
    assert md.startswith("# Benchmark del ") and f"]({out.with_suffix('.png').name})" in md, (
        "the Markdown links its chart"
    )
    assert english_lines(md) == [], english_lines(md)
    assert out.with_suffix(".png").stat().st_size > 1000
    if browser.CHROMIUM:  # the results page as a person reads it: rendered, every table, the chart loaded
        with browser.opened(out.with_suffix(".html"), tmp_path / "bench.png") as shown:
            assert browser.raw_markdown(shown) == [], "Markdown syntax survived into the rendered page"
            assert shown.locator("table").count() == md.count("\n|---") and shown.locator("table").count() >= 5
            [chart] = browser.images(shown)
            assert chart["width"] > 0, "the chart did not load"
    live = results["live"]["windowing"]
    assert live["steps"], "the throughput search tried no rate"
    for step in live["steps"]:
        assert step["page_views_per_second"] > 0 and step["cpu_cores"]["executors"] > 0
        lat = step["latency_seconds"]
        assert lat is None or 0 <= lat["p50"] <= lat["p95"] <= lat["p99"]
    if live["sustainable"]:
        assert live["sustainable"]["keeps_up"]
    for mode in ("real-time", "micro-batch"):
        twin = results["real_time"][mode]
        # The realtime job with --min-amount 0: every order one alert, nothing lost, nothing duplicated.
        assert twin["records_out"] == twin["records_in"] > 0, f"{mode}: {twin}"
        assert twin["first_alert_seconds"] >= 0 and 0 <= twin["measured_records"] <= twin["records_out"], twin
        for hop, lat in twin["latency_ms"].items():
            assert lat is None or lat["p50"] <= lat["p95"] <= lat["p99"], f"{mode} {hop}: {lat}"
        whole = twin["whole_run_latency_ms"]
        assert whole["p50"] <= whole["p95"] <= whole["p99"], f"{mode}: {whole}"
        assert twin["pauses"]["count"] >= 0 and (twin["pauses"]["longest_ms"] or 0) >= 0, twin["pauses"]
