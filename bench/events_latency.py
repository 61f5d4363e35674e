"""Benchmark: how soon a product created in Akeneo carries its Icecat content, and what watching costs.

Why: event-driven runs (`icecat_sync_new__<client>`, README "Near-real-time") promise content within minutes
of a new identifier (goal: p95 under 2 minutes with `poll_seconds: 30`), for an idle cost a PIM can carry.
A real Airflow on SQLite (api-server, scheduler with LocalExecutor, dag-processor, triggerer) runs the demo
client with `events: {poll_seconds: 30}` and no schedule against both sandboxes. First the idle cost: Akeneo
requests (sandbox counters) during `--idle-s` seconds without any change, extrapolated to an hour. Then
`--products` products are created one every `--spacing-s` seconds; each one's latency is from its creation
to the moment Akeneo returns its enriched `name` (checked every second).
Run from the repo root:
    .venv/bin/python -m bench.events_latency [--products 20] [--spacing-s 9] [--idle-s 150] [--poll-seconds 30]
Prints a markdown table and writes bench/results/events_latency.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from demo.__main__ import akeneo_product
from sandbox.process import free_port, running_server
from tests.conftest import Sandbox
from tests.e2e.test_backfill import airflow_cli, airflow_component, scheduler_env
from tests.e2e.test_event_runs import event_mapping_folder, query
from tests.events.support import create_product

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "events_latency.json"
DRAIN_S = 600


def akeneo_requests(base_url: str) -> int:
    return sum(httpx.get(f"{base_url}/_sandbox/counters", timeout=10).json()["requests"].values())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def measure_latencies(akeneo_url: str, products: int, spacing_s: float) -> dict[str, float]:
    """Create the products at a steady pace; return identifier -> seconds until Akeneo shows it enriched."""
    created: dict[str, float] = {}
    done: dict[str, float] = {}
    next_creation = time.monotonic()
    deadline = next_creation + products * spacing_s + DRAIN_S
    while len(done) < products and time.monotonic() < deadline:
        if len(created) < products and time.monotonic() >= next_creation:
            identifier = f"BENCH-EV-{len(created) + 1:03d}"
            create_product(akeneo_url, identifier)
            created[identifier] = time.monotonic()
            next_creation += spacing_s
        for identifier in [i for i in created if i not in done]:
            if akeneo_product(akeneo_url, identifier)["values"].get("name"):
                done[identifier] = time.monotonic() - created[identifier]
        time.sleep(1)
    return done


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    logs = work / "logs"
    logs.mkdir(parents=True)
    with ExitStack() as stack:
        akeneo_url = stack.enter_context(running_server("sandbox.akeneo", ["--seed", "demo"],
                                                        log_path=logs / "akeneo.log"))
        icecat_url = stack.enter_context(running_server("sandbox.icecat", [], log_path=logs / "icecat.log"))
        api_port = free_port()
        mappings = event_mapping_folder(work / "mappings")
        mapping = mappings / "demo.yaml"
        mapping.write_text(mapping.read_text().replace("poll_seconds: 5", f"poll_seconds: {args.poll_seconds}"))
        env = {**scheduler_env(work, mappings, api_port, Sandbox(akeneo_url), Sandbox(icecat_url)),
               "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True"}
        airflow_cli(env, logs / "cli.log", "db", "migrate")
        airflow_cli(env, logs / "cli.log", "dags", "reserialize")
        for component, extra in (("api-server", ["--port", str(api_port)]), ("scheduler", []),
                                 ("dag-processor", []), ("triggerer", [])):
            stack.enter_context(airflow_component(env, logs / f"{component}.log", component, *extra))
        state_db = work / "data" / "demo" / "state.db"
        while not query(state_db, "SELECT cursor FROM state_event_cursor"):
            time.sleep(1)
        before = akeneo_requests(akeneo_url)
        time.sleep(args.idle_s)
        idle_requests = akeneo_requests(akeneo_url) - before
        latencies = measure_latencies(akeneo_url, args.products, args.spacing_s)
        runs = query(work / "airflow" / "airflow.db",
                     "SELECT count(*) FROM dag_run WHERE dag_id = 'icecat_sync_new__demo'")[0][0]
    seconds = list(latencies.values())
    return {
        "poll_seconds": args.poll_seconds, "products": args.products, "spacing_s": args.spacing_s,
        "enriched": len(seconds), "event_runs": runs,
        "latency_p50_s": round(statistics.median(seconds), 1) if seconds else None,
        "latency_p95_s": round(percentile(seconds, 0.95), 1) if seconds else None,
        "latency_max_s": round(max(seconds), 1) if seconds else None,
        "idle_s": args.idle_s, "idle_akeneo_requests": idle_requests,
        "idle_akeneo_requests_per_hour": round(idle_requests * 3600 / args.idle_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.events_latency", description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--spacing-s", type=float, default=9.0)
    parser.add_argument("--idle-s", type=float, default=150.0)
    parser.add_argument("--poll-seconds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-events-") as work:
        result = run(args, Path(work))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1))
    print("| measure | value |\n|---|---|")
    for key, value in result.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
