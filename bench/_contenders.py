"""The contenders of `bench.scale`: the floor, the pipeline (first / no-change / 1 % change) and a sequential
loop, each on fresh sandboxes, measured on the wire (sandbox counters) and by peak RSS of each process.

The pipeline's runs are `bench.sync_incremental`'s (same mapping, same mutation, same counters), plus the two
runs Airflow's schedule makes day after day: a scheduled run on the data interval since the last run ended
(only products updated in Akeneo in it, plus those the Icecat daily index lists as changed), with nothing
changed and after another 1 % of Icecat changed. Every step runs in its own process (`bench._step`), as
Airflow runs it, so each step's peak RSS is its own:
extract, then enrich / validate / transform / load as one process per shard, all of a step's shards at once
(Airflow's mapped tasks; each takes its share of the APIs' limits, `pools.share`), the run-level `validated`
check, and the report. A step's seconds and peak RSS are those of its slowest / largest shard process.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from icecat_akeneo import pipeline
from icecat_akeneo.steps.shards import shards_of

from bench._step import REPO, Interval, run_step
from bench.sync_incremental import MUTATION, admin, counter_diff, publish_icecat_changes, table
from sandbox.process import running_server

AKENEO_LIMIT, ICECAT_LIMIT = 4, 10   # parallel calls per token / account before the sandboxes answer 429
SHARDED_STEPS = pipeline.STEPS[1:]


@contextmanager
def fresh_sandboxes(products: int, latency_ms: int) -> Iterator[tuple[str, str, Path]]:
    """Both sandboxes seeded with the synthetic catalogue, throttling like the issue's measurement."""
    faults = ["--latency-ms", str(latency_ms)]
    with tempfile.TemporaryDirectory(prefix="bench-contender-") as workdir, \
            running_server("sandbox.akeneo", ["--seed", f"synthetic:{products}", *faults,
                                              "--concurrency-limit", str(AKENEO_LIMIT),
                                              "--db", str(Path(workdir) / "akeneo.db")],
                           startup_timeout=1800) as akeneo_url, \
            running_server("sandbox.icecat", ["--synthetic", str(products), *faults,
                                              "--concurrency-limit", str(ICECAT_LIMIT)]) as icecat_url:
        yield akeneo_url, icecat_url, Path(workdir)


def _on_the_wire(urls: tuple[str, str], run: Any) -> dict[str, Any]:
    """`run()`'s own result, its wall time and what each sandbox counted meanwhile."""
    before = [admin(url, "/_sandbox/counters") for url in urls]
    started = time.perf_counter()
    result = run()
    seconds = round(time.perf_counter() - started, 2)
    akeneo, icecat = (counter_diff(admin(url, "/_sandbox/counters"), b) for url, b in zip(urls, before, strict=True))
    return {"seconds": seconds, "result": result,
            "akeneo_requests_by_route": akeneo.get("requests", {}),
            "patch_lines": sum(akeneo.get("patch_lines", {}).values()),
            "icecat_requests_by_route": icecat.get("by_route", {}), "icecat_429": icecat.get("throttled_429", 0)}


def _script(mode: str, urls: tuple[str, str]) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, "-m", "bench._floor", mode, *urls], cwd=REPO,
                               capture_output=True, text=True)
    if completed.returncode:
        raise RuntimeError(f"bench._floor {mode} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def script_row(name: str, mode: str, products: int, latency_ms: int) -> dict[str, Any]:
    with fresh_sandboxes(products, latency_ms) as (akeneo_url, icecat_url, _):
        measured = _on_the_wire((akeneo_url, icecat_url), lambda: _script(mode, (akeneo_url, icecat_url)))
    result = measured.pop("result")
    return {"contender": name, **measured, "products": result["counts"]["products"],
            "peak_rss_mb": {mode: result["peak_rss_mb"]}}


def _on_every_shard(step: str, run_id: str, urls: tuple[str, str], shards: list[str],
                    interval: Interval | None) -> dict[str, Any]:
    """`step` as Airflow's mapped tasks run it: one process per shard, all at once."""
    started = time.perf_counter()
    with ThreadPoolExecutor(len(shards)) as pool:
        parts = list(pool.map(lambda shard: run_step(step, run_id, urls, shard=shard, interval=interval), shards))
    return {"step": step, "seconds": round(time.perf_counter() - started, 2), "shards": len(shards),
            "peak_rss_mb": max(part["peak_rss_mb"] for part in parts)}


def _steps_of_one_run(run_id: str, urls: tuple[str, str], data_root: Path,
                      interval: Interval | None) -> list[dict[str, Any]]:
    results = [run_step("extract", run_id, urls, interval=interval)]
    shards = shards_of(next(data_root.iterdir()) / run_id)
    for step in SHARDED_STEPS:
        results.append(_on_every_shard(step, run_id, urls, shards, interval))
        if step == "validate":
            results.append(run_step("validated", run_id, urls, interval=interval))
    return [*results, run_step("report", run_id, urls, interval=interval)]


def _pipeline_run(name: str, run_id: str, urls: tuple[str, str], data_root: Path,
                  since: dt.datetime | None = None) -> dict[str, Any]:
    """One run of the pipeline: a full refresh, or `since` a moment, a scheduled run on the data interval from
    then until it starts."""
    interval = (since, dt.datetime.now(dt.UTC)) if since else None
    steps = _on_the_wire(urls, lambda: _steps_of_one_run(run_id, urls, data_root, interval))
    run_path = next(data_root.iterdir()) / run_id
    summary = json.loads((run_path / "report.json").read_text(encoding="utf-8"))["summary"]
    return {"contender": name, **{k: v for k, v in steps.items() if k != "result"},
            "products": summary.get("products_selected"), "status": summary.get("status"),
            "step_seconds": {row["step"]: row["seconds"] for row in steps["result"]},
            "shards": next((row["shards"] for row in steps["result"] if "shards" in row), 1),
            "peak_rss_mb": {row["step"]: row["peak_rss_mb"] for row in steps["result"]}}


def pipeline_rows(products: int, latency_ms: int) -> list[dict[str, Any]]:
    with fresh_sandboxes(products, latency_ms) as (akeneo_url, icecat_url, workdir):
        data_root = workdir / "data"
        os.environ["ICECAT_AKENEO_DATA_ROOT"] = str(data_root)   # inherited by every step's process
        urls = (akeneo_url, icecat_url)
        rows = [_pipeline_run("pipeline, first run", "first", urls, data_root),
                _pipeline_run("pipeline, no-change rerun", "no-change", urls, data_root)]
        rows.append(_pipeline_run("pipeline, scheduled run, no change", "scheduled-no-change", urls, data_root,
                                  since=_ended()))
        changed = publish_icecat_changes(icecat_url, MUTATION)
        rows.append(_pipeline_run(f"pipeline, rerun after {len(changed)} Icecat changes (1 %)", "one-percent",
                                  urls, data_root))
        since = _ended()
        changed = publish_icecat_changes(icecat_url, {**MUTATION, "seed": MUTATION["seed"] + 1})
        rows.append(_pipeline_run(f"pipeline, scheduled run after {len(changed)} Icecat changes (1 %)",
                                  "scheduled-one-percent", urls, data_root, since=since))
    return rows


def _ended() -> dt.datetime:
    """Now, as the end of the run just finished: the start of the next scheduled run's data interval."""
    return dt.datetime.now(dt.UTC)


def run_contenders(products: int, latency_ms: int) -> list[dict[str, Any]]:
    rows = [_progress(script_row("minimal-requests script (the floor)", "floor", products, latency_ms))]
    rows += [_progress(row) for row in pipeline_rows(products, latency_ms)]
    rows.append(_progress(script_row("sequential loop (500 products)", "sequential", products, latency_ms)))
    floor_rate = rows[0]["products"] / rows[0]["seconds"]
    first_seconds = rows[1]["seconds"]
    for row in rows:
        row["products_per_s"] = round(row["products"] / row["seconds"], 1) if row["products"] else None
        row["ratio_to_floor"] = round(row["products_per_s"] / floor_rate, 2) if row["products_per_s"] else None
        is_pipeline = row["contender"].startswith("pipeline")
        row["share_of_first_run"] = round(row["seconds"] / first_seconds, 3) if is_pipeline else None
    return rows


def _progress(row: dict[str, Any]) -> dict[str, Any]:
    """Each contender's numbers as soon as it is done (a 100k run takes hours: a log keeps what finished)."""
    print(f"{row['contender']}: {row['products']} products in {row['seconds']} s, peak RSS {row['peak_rss_mb']}",
          flush=True)
    return row


def contenders_markdown(rows: list[dict[str, Any]]) -> str:
    def requests(routes: dict[str, int]) -> str:
        return f"{sum(routes.values())} ({', '.join(f'{k} {v}' for k, v in sorted(routes.items()))})"

    steps = ["extract", "enrich", "validate", "validated", "transform", "load", "report", "floor", "sequential"]
    return "\n".join([
        *table(["contender", "products", "wall s", "products/s", "× floor", "% of first run", "peak RSS MB"],
               [[row["contender"], row["products"], row["seconds"], row["products_per_s"], row["ratio_to_floor"],
                 f"{row['share_of_first_run']:.1%}" if row["share_of_first_run"] is not None else "",
                 max(row["peak_rss_mb"].values())] for row in rows]),
        "", "Requests per kind (counted by the sandboxes), PATCH lines, Icecat 429s (Akeneo counts none):", "",
        *table(["contender", "Akeneo requests", "Icecat requests", "PATCH lines", "Icecat 429s"],
               [[row["contender"], requests(row["akeneo_requests_by_route"]),
                 requests(row["icecat_requests_by_route"]), row["patch_lines"],
                 row["icecat_429"]] for row in rows]),
        "", "Peak RSS MB per step, each step in its own process (seconds of the step in brackets; a sharded step:",
        "its shards' processes at once, the largest RSS):", "",
        *table(["contender", *steps],
               [[row["contender"], *(_rss_cell(row, step) for step in steps)] for row in rows]),
    ])


def _rss_cell(row: dict[str, Any], step: str) -> str:
    rss = row["peak_rss_mb"].get(step)
    seconds = row.get("step_seconds", {}).get(step)
    return "" if rss is None else f"{rss}" + (f" ({seconds} s)" if seconds is not None else "")
