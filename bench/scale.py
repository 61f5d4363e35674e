"""Benchmark: the sync against the wire floor at catalogue sizes, and peak RSS of each step in its own process.

Why: clients have 100k-1M products. Default mode (contenders), at each `--products` N: on fresh sandboxes per
contender (`--latency-ms` 20 on both, Akeneo 429 above 4 parallel calls per token, Icecat above 10; the
bench mapping EN+DE+FR; N synthetic products, 90 % selected) the floor (`bench._floor`: the minimal
requests, the baseline), the pipeline's first run, no-change rerun and rerun after 1 % of Icecat changed
(`bench.sync_incremental`'s runs, but every step in its own process via `bench._step`, as Airflow runs it),
and a sequential loop on 500 products. Targets: first run >= 0.9x the floor's products/s; no-change rerun
<= 5 % of the first run's wall time, 1 % rerun <= 10 %. Run from the repo root:
    .venv/bin/python -m bench.scale --products 10000 100000
Prints one markdown table per size and writes bench/results/scale_contenders_<N>.json.

Memory mode: the target is each step <= 512 MB
and flat (RSS at 1M <= 1.2x RSS at 100k). `--memory-only`: extract and enrich run for
real on `--seed-products` synthetic products against both sandboxes without latency; their artifacts are then
replicated to `--products` products (product k is seed product k mod seed with identifier `<seed>~<k>`), and
validate, transform and report run on that catalogue, each step in a subprocess (`bench._step`,
`pipeline.run_step`) reporting its own peak RSS (`VmHWM`); load runs on the seed only (it needs the whole
catalogue in the Akeneo sandbox): its results, refused lines and report are replicated before the report runs,
so the report reads load artifacts of the scaled size. With `--stop-after-s S` a step still running after S
seconds is stopped and its peak RSS so far reported (the steps after it are not run). Run from the repo root:
    .venv/bin/python -m bench.scale --memory-only --products 100000 1000000
Prints a markdown table per size and writes bench/results/scale_memory_<products>.json; with several sizes,
also the ratio of each step's RSS at the largest size to the smallest (target <= 1.2).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from icecat_akeneo import pipeline
from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, RECORDS, REFUSED, RESULTS, STEP_REPORT, TAXONOMY, Artifact, Step
from icecat_akeneo.run_folder import DATA_ROOT_ENV
from icecat_akeneo.steps.enrich import ROWS_PER_GROUP as ENRICH_ROWS_PER_GROUP

from bench._contenders import contenders_markdown, run_contenders
from bench._step import run_step
from bench.sync_incremental import table
from sandbox.process import running_server

HERE = Path(__file__).resolve().parent
SEED_RUN, SCALED_RUN = "seed", "scaled"
LOAD_REPORT = Artifact(Step.LOAD, STEP_REPORT)


def _by_identifier(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["identifier"]].append(row)
    return grouped


def replicate(seed_dir: Path, scaled_dir: Path, products: int, artifacts: tuple[Artifact, ...]) -> None:
    """The seed run's `artifacts` for `products` products, streamed (flat memory here too)."""
    seeds = {artifact: _by_identifier(artifact.rows(seed_dir)) for artifact in artifacts}
    order = list(_by_identifier(PRODUCTS.rows(seed_dir)))
    for artifact, grouped in seeds.items():
        with artifact.stream(scaled_dir, ENRICH_ROWS_PER_GROUP) as out:
            for k in range(products):
                seed = order[k % len(order)]
                out.extend({**row, "identifier": f"{seed}~{k}"} for row in grouped.get(seed, []))


def _copy(seed_dir: Path, scaled_dir: Path, artifact: Artifact) -> None:
    artifact.path(scaled_dir).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(artifact.path(seed_dir), artifact.path(scaled_dir))


def run_memory(products: int, seed_products: int, stop_after_s: float | None = None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as workdir, \
            running_server("sandbox.akeneo", ["--seed", f"synthetic:{seed_products}",
                                              "--db", str(Path(workdir) / "akeneo.db")],
                           startup_timeout=600) as akeneo_url, \
            running_server("sandbox.icecat", ["--synthetic", str(seed_products)]) as icecat_url:
        os.environ[DATA_ROOT_ENV] = data_root = str(Path(workdir) / "data")
        urls = (akeneo_url, icecat_url)
        seed_rows = {step: {**run_step(step, SEED_RUN, urls), "products": seed_products}
                     for step in pipeline.STEPS}
        client_root = next(Path(data_root).iterdir())
        seed_dir = client_root / SEED_RUN
        # Its own data root: the scaled run is a run of its own (its own lock, state and report).
        os.environ[DATA_ROOT_ENV] = scaled_root = str(Path(workdir) / "scaled-data")
        scaled_dir = Path(scaled_root) / client_root.name / SCALED_RUN
        replicate(seed_dir, scaled_dir, products, (PRODUCTS, RECORDS, LOOKUPS))
        _copy(seed_dir, scaled_dir, TAXONOMY)
        rows = [seed_rows["extract"], seed_rows["enrich"]]
        for step in ("validate", "transform"):
            rows.append({**run_step(step, SCALED_RUN, urls, stop_after_s), "products": products})
            if rows[-1].get("stopped"):  # the next step would read unfinished artifacts
                return rows
        # The report on load artifacts too: the seed load's results, refused lines and report, replicated.
        replicate(seed_dir, scaled_dir, products, (RESULTS, REFUSED))
        _copy(seed_dir, scaled_dir, LOAD_REPORT)
        rows += [seed_rows["load"], {**run_step("report", SCALED_RUN, urls, stop_after_s), "products": products}]
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed-products", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=20, help="contenders: latency of both sandboxes")
    parser.add_argument("--memory-only", action="store_true",
                        help="RSS per step on a replicated catalogue, instead of the contenders")
    parser.add_argument("--stop-after-s", type=float, default=None,
                        help="memory only: stop a step still running after this long, its peak RSS so far reported")
    args = parser.parse_args(argv)
    measured = {}
    for products in args.products:
        if args.memory_only:
            measured[products] = memory_report(products, args.seed_products, args.stop_after_s)
        else:
            contenders_report(products, args.latency_ms)
    if len(measured) > 1:
        ratio_report(measured)


def ratio_report(measured: dict[int, list[dict[str, Any]]]) -> None:
    """Each step's peak RSS at the largest size over the smallest: flat memory means <= 1.2."""
    small, large = min(measured), max(measured)
    before = {row["step"]: row["peak_rss_mb"] for row in measured[small]}
    rows = [[row["step"], before[row["step"]], row["peak_rss_mb"], round(row["peak_rss_mb"] / before[row["step"]], 2)]
            for row in measured[large] if row["step"] in before]
    print(f"\nPeak RSS {large} / {small} products\n")
    print("\n".join(table(["step", f"MB at {small}", f"MB at {large}", "ratio"], rows)))


def memory_report(products: int, seed_products: int, stop_after_s: float | None) -> list[dict[str, Any]]:
    rows = run_memory(products, seed_products, stop_after_s)
    print(f"\nPeak RSS per step, each step in its own process; validate, transform and report on {products} "
          "products (load on the seed, its artifacts replicated)\n")
    print("\n".join(table(["step", "products", "seconds", "peak RSS MB"],
                          [[row["step"], row["products"], f"{row['seconds']}{' (stopped)' * bool(row.get('stopped'))}",
                            row["peak_rss_mb"]] for row in rows])))
    _write(f"scale_memory_{products}.json", {"products": products, "seed_products": seed_products, "rows": rows})
    return rows


def contenders_report(products: int, latency_ms: int) -> None:
    rows = run_contenders(products, latency_ms)
    print(f"\n{products} synthetic products (90 % selected), EN+DE+FR, {latency_ms} ms latency on both sandboxes, "
          "Akeneo 429 above 4 parallel calls per token, Icecat above 10; fresh sandboxes per contender\n")
    print(contenders_markdown(rows))
    _write(f"scale_contenders_{products}.json", {"products": products, "latency_ms": latency_ms, "rows": rows})


def _write(name: str, payload: dict[str, Any]) -> None:
    result = HERE / "results" / name
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    print(f"\nwritten {result}", flush=True)


if __name__ == "__main__":
    main()
