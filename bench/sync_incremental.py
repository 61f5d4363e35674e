"""Benchmark: what a rerun of the sync costs compared with the first run, on N synthetic products.

Why: a daily sync must not resend a whole catalogue when nothing (or 1 %) changed in Icecat. Three runs of
`pipeline.run_sync` in one process, against both sandboxes with 20 ms latency: the first run (the baseline
measured in the same invocation), a rerun with no change, and a rerun after `/_sandbox/mutate` changed 1 %
of the Icecat products. Each run is measured on the wire (sandbox counters, diffed per run), so the numbers
are what the servers saw, whatever the pipeline does. After the mutation a new Icecat index generation is
published, as Icecat's nightly regeneration would, so the daily index lists the changed products.
Run from the repo root:
    .venv/bin/python -m bench.sync_incremental [--products 10000] [--latency-ms 20]
Prints a markdown table and writes bench/results/sync_incremental.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from icecat_akeneo import pipeline
from icecat_akeneo.akeneo.client import AkeneoSettings
from icecat_akeneo.icecat.client import IcecatSettings
from icecat_akeneo.mapping import ClientMapping, load_mapping
from icecat_akeneo.media_policy import MediaPolicy
from icecat_akeneo.run_folder import DATA_ROOT_ENV, RunFolder

from sandbox.akeneo.state import Credentials
from sandbox.connections import ICECAT_OPEN_USER
from sandbox.process import running_server

HERE = Path(__file__).resolve().parent
MAPPING = HERE / "mappings" / "bench.yaml"
RESULTS = HERE / "results" / "sync_incremental.json"
AKENEO_USER = Credentials()   # the sandbox's default API user

MUTATION = {"ratio": 0.01, "seed": 1}


def admin(base_url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = (httpx.get(f"{base_url}{path}", timeout=60) if body is None
                else httpx.post(f"{base_url}{path}", json=body, timeout=60))
    response.raise_for_status()
    return response.json()


def publish_icecat_changes(icecat_url: str, mutation: dict[str, Any]) -> list[Any]:
    """Change Icecat products (`/_sandbox/mutate`), then publish the nightly index that lists them, as
    Icecat's regeneration would; returns the changed products."""
    changed = admin(icecat_url, "/_sandbox/mutate", mutation)["changed"]
    admin(icecat_url, "/_sandbox/index/generate", {})
    return list(changed)


def counter_diff(after: Any, before: Any) -> Any:
    """`after - before` for nested counters (dicts of numbers); gauges such as max_concurrency come out as
    differences too, so only the counters this benchmark reports are read from the result."""
    if isinstance(after, dict):
        before = before if isinstance(before, dict) else {}
        diffed = {key: counter_diff(value, before.get(key)) for key, value in after.items()}
        return {key: value for key, value in diffed.items() if value not in (0, {}, None)}
    if isinstance(after, (int, float)) and not isinstance(after, bool):
        return after - (before or 0)
    return None


def sync_run(mapping: ClientMapping, run_id: str, akeneo_url: str, icecat_url: str,
             interval: tuple[dt.datetime, dt.datetime] | None = None) -> pipeline.SyncRun:
    """A full refresh, or with a data `interval` a scheduled run: only the products updated in Akeneo in it,
    plus those the Icecat daily index lists as changed (as Airflow's schedule runs the DAG)."""
    return pipeline.SyncRun(
        mapping=mapping,
        run=RunFolder.for_run(mapping.client, run_id),
        params=pipeline.run_params(mapping, {"full_refresh": interval is None}),
        interval=interval,
        resolve_akeneo=lambda: AkeneoSettings(akeneo_url, AKENEO_USER.client_id, AKENEO_USER.secret,
                                              AKENEO_USER.username, AKENEO_USER.password),
        resolve_icecat=lambda: IcecatSettings(icecat_url, ICECAT_OPEN_USER, media_policy=MediaPolicy().widened(
            [urlsplit(icecat_url).netloc], allow_private_addresses=True)),
    )


def step_seconds(run_path: Path) -> dict[str, float]:
    """Where the wall time went: each step's own `duration_s`, from the report it left in the run folder."""
    report = json.loads((run_path / "report.json").read_text(encoding="utf-8"))
    return {step: report.get(step, {}).get("duration_s") for step in pipeline.STEPS}


def measured_run(name: str, sync: pipeline.SyncRun, akeneo_url: str, icecat_url: str) -> dict[str, Any]:
    """One sync, with what each sandbox saw during it."""
    akeneo_before = admin(akeneo_url, "/_sandbox/counters")
    icecat_before = admin(icecat_url, "/_sandbox/counters")
    started = time.perf_counter()
    summary = pipeline.run_sync(sync)
    seconds = time.perf_counter() - started
    akeneo = counter_diff(admin(akeneo_url, "/_sandbox/counters"), akeneo_before)
    icecat = counter_diff(admin(icecat_url, "/_sandbox/counters"), icecat_before)
    akeneo_routes = akeneo.get("requests", {})
    return {
        "run": name,
        "seconds": round(seconds, 2),
        "step_seconds": step_seconds(sync.run.path),
        "status": summary.get("status"),
        "products_selected": summary.get("products_selected"),
        "akeneo_requests": sum(akeneo_routes.values()),
        "akeneo_requests_by_route": akeneo_routes,
        "patch_lines": sum(akeneo.get("patch_lines", {}).values()),
        "patch_lines_by_status": akeneo.get("patch_lines", {}),
        "media_uploads": akeneo.get("media_uploaded", 0),
        "icecat_requests": icecat.get("requests", 0),
        "icecat_requests_by_route": icecat.get("by_route", {}),
    }


RATIO_OF = ("seconds", "akeneo_requests", "icecat_requests", "patch_lines", "media_uploads")


def with_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every run's numbers as a share of the first run's (the baseline of this invocation)."""
    baseline = rows[0]
    return [{**row, "ratio": {key: round(row[key] / baseline[key], 4) if baseline[key] else None
                              for key in RATIO_OF}} for row in rows]


def table(header: list[str], body: list[list[Any]]) -> list[str]:
    """Markdown table lines; every column but the first is right-aligned (numbers)."""
    return ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1),
            *("| " + " | ".join(str(cell) for cell in row) + " |" for row in body)]


def markdown(rows: list[dict[str, Any]]) -> str:
    def with_ratio(row: dict[str, Any], key: str) -> str:
        ratio = row["ratio"][key]
        return f"{row[key]} ({ratio:.1%})" if ratio is not None else str(row[key])

    routes = sorted({route for row in rows for route in row["akeneo_requests_by_route"]})
    return "\n".join([
        *table(["run", "status", "products", "wall s", "Akeneo requests", "Icecat requests", "PATCH lines",
                "media uploads"],
               [[row["run"], row["status"], row["products_selected"],
                 *(with_ratio(row, key) for key in RATIO_OF)] for row in rows]),
        "", "Seconds by step:", "",
        *table(["run", *pipeline.STEPS], [[row["run"], *row["step_seconds"].values()] for row in rows]),
        "", "Akeneo requests by route:", "",
        *table(["route", *(row["run"] for row in rows)],
               [[f"`{route}`", *(row["akeneo_requests_by_route"].get(route, 0) for row in rows)]
                for route in routes]),
    ])


def run_benchmark(products: int, latency_ms: int) -> list[dict[str, Any]]:
    mapping = load_mapping(MAPPING)
    faults = ["--latency-ms", str(latency_ms)]
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as workdir, \
            running_server("sandbox.akeneo", ["--seed", f"synthetic:{products}", *faults,
                                              "--db", str(Path(workdir) / "akeneo.db")],
                           startup_timeout=600) as akeneo_url, \
            running_server("sandbox.icecat", ["--synthetic", str(products), *faults]) as icecat_url:
        os.environ[DATA_ROOT_ENV] = str(Path(workdir) / "data")  # the run folders and the client's state

        def measured(name: str, run_id: str) -> dict[str, Any]:
            sync = sync_run(mapping, run_id, akeneo_url, icecat_url)
            return measured_run(name, sync, akeneo_url, icecat_url)

        rows = [measured("first run", "first"), measured("no-change rerun", "no-change")]
        changed = publish_icecat_changes(icecat_url, MUTATION)
        rows.append(measured(f"rerun after {len(changed)} Icecat changes (1 %)", "one-percent"))
    return with_ratios(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=20, help="latency of every call, both sandboxes")
    args = parser.parse_args(argv)

    rows = run_benchmark(args.products, args.latency_ms)
    print(f"\n{args.products} synthetic products, EN+DE+FR, {args.latency_ms} ms latency on both sandboxes; "
          "percentages are of the first run\n")
    print(markdown(rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"products": args.products, "latency_ms": args.latency_ms,
                                   "mutation": MUTATION, "rows": rows}, indent=2), encoding="utf-8")
    print(f"\nwritten {RESULTS}")


if __name__ == "__main__":
    main()
