"""Benchmark: peak RSS of each step, each in its own process (as Airflow runs it), at catalogue sizes.

Why: a step that holds the whole catalogue cannot run a 1M-product client; the target is each step <= 512 MB
and flat (RSS at 1M <= 1.2x RSS at 100k). `--memory-only` (the mode implemented): extract and enrich run for
real on `--seed-products` synthetic products against both sandboxes without latency; their artifacts are then
replicated to `--products` products (product k is seed product k mod seed with identifier `<seed>~<k>`), and
validate and transform run on that catalogue, each step in a subprocess (`bench._step`, `pipeline.run_step`)
reporting its own peak RSS (`getrusage`). Run from the repo root:
    .venv/bin/python -m bench.scale --memory-only --products 100000
Prints a markdown table and writes bench/results/scale_memory_<products>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, RECORDS, TAXONOMY
from icecat_akeneo.run_folder import DATA_ROOT_ENV
from icecat_akeneo.steps.enrich import ROWS_PER_GROUP as ENRICH_ROWS_PER_GROUP

from bench.sync_incremental import MAPPING, table
from sandbox.process import running_server

HERE = Path(__file__).resolve().parent
SEED_RUN, SCALED_RUN = "seed", "scaled"


def run_step(step: str, run_id: str, urls: tuple[str, str]) -> dict[str, Any]:
    """One step in a fresh interpreter; its last output line is the JSON `bench._step` prints."""
    completed = subprocess.run([sys.executable, "-m", "bench._step", step, run_id, str(MAPPING), *urls],
                               cwd=HERE.parent, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _by_identifier(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["identifier"]].append(row)
    return grouped


def replicate(seed_dir: Path, scaled_dir: Path, products: int) -> None:
    """The seed run's extract and enrich artifacts for `products` products, streamed (flat memory here too)."""
    seeds = {artifact: _by_identifier(artifact.rows(seed_dir)) for artifact in (PRODUCTS, RECORDS, LOOKUPS)}
    order = list(seeds[PRODUCTS])
    TAXONOMY.path(scaled_dir).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(TAXONOMY.path(seed_dir), TAXONOMY.path(scaled_dir))
    for artifact, grouped in seeds.items():
        with artifact.stream(scaled_dir, ENRICH_ROWS_PER_GROUP) as out:
            for k in range(products):
                seed = order[k % len(order)]
                out.extend({**row, "identifier": f"{seed}~{k}"} for row in grouped.get(seed, []))


def run_memory(products: int, seed_products: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as workdir, \
            running_server("sandbox.akeneo", ["--seed", f"synthetic:{seed_products}",
                                              "--db", str(Path(workdir) / "akeneo.db")],
                           startup_timeout=600) as akeneo_url, \
            running_server("sandbox.icecat", ["--synthetic", str(seed_products)]) as icecat_url:
        os.environ[DATA_ROOT_ENV] = data_root = str(Path(workdir) / "data")
        urls = (akeneo_url, icecat_url)
        rows = [{**run_step(step, SEED_RUN, urls), "products": seed_products} for step in ("extract", "enrich")]
        client_root = next(Path(data_root).iterdir())
        replicate(client_root / SEED_RUN, client_root / SCALED_RUN, products)
        rows += [{**run_step(step, SCALED_RUN, urls), "products": products} for step in ("validate", "transform")]
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seed-products", type=int, default=300)
    parser.add_argument("--memory-only", action="store_true", default=True,
                        help="RSS per step (the only mode implemented so far)")
    args = parser.parse_args(argv)
    rows = run_memory(args.products, args.seed_products)
    print(f"\nPeak RSS per step, each step in its own process; validate/transform on {args.products} products\n")
    print("\n".join(table(["step", "products", "seconds", "peak RSS MB"],
                          [[row["step"], row["products"], row["seconds"], row["peak_rss_mb"]] for row in rows])))
    result = HERE / "results" / f"scale_memory_{args.products}.json"
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_text(json.dumps({"products": args.products, "seed_products": args.seed_products,
                                  "rows": rows}, indent=2), encoding="utf-8")
    print(f"\nwritten {result}")


if __name__ == "__main__":
    main()
