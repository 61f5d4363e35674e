"""`python -m bench.topology [--products 10000] [--workers 1 2]`: the production topology under load.

For each worker count: `deploy.prod up` (CeleryExecutor on the local PostgreSQL + Redis, the same deploy code
as `make prod-up`, `ICECAT_PROD_WORKERS` Celery workers, own databases, Redis db, ports and folder) with three
clients, each on its own fresh sandboxes (Akeneo `--seed synthetic:N`, Icecat `--synthetic N`, both with
`--latency-ms`) and the bench mapping (`bench/mappings/bench.yaml`) renamed per client; the three full
syncs are triggered at once. Measured: seconds to start the stack, wall seconds from the triggers until all
three runs end, requests per kind (sandbox counters, summed over the clients), peak RSS per worker (the sum
over the worker's process tree, sampled every second) and shards per run. Baseline: 1 worker, same
invocation; the result is the ratio 2 vs 1. Writes `bench/results/topology.json`, prints a markdown table.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil

from deploy.drive import api, client_mapping, connections, eventually, finished, trigger
from sandbox.process import REPO_ROOT, free_port, running_server

CLIENTS = ("b1", "b2", "b3")
RESULTS = Path(__file__).resolve().parent / "results" / "topology.json"


def prod(command: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "deploy.prod", command], cwd=REPO_ROOT, env=env, check=True)


def worker_pids(home: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text()) for p in sorted((home / "pids").glob("airflow-worker-*.pid"))}


def tree_rss_mb(pid: int) -> float:
    """RSS of `pid` and its descendants (a Celery worker forks one process per running task)."""
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total / 2**20


class RssSampler(threading.Thread):
    """Peak RSS per worker tree, sampled every second until `stop`."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peaks, self.done = pids, dict.fromkeys(pids, 0.0), threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            for name, pid in self.pids.items():
                self.peaks[name] = max(self.peaks[name], tree_rss_mb(pid))


def counters(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/_sandbox/counters", timeout=30).json()


@contextlib.contextmanager
def client_sandboxes(home: Path, products: int, latency_ms: float) -> Iterator[dict[str, tuple[str, str]]]:
    with contextlib.ExitStack() as servers:
        urls = {}
        for name in CLIENTS:
            akeneo = servers.enter_context(running_server("sandbox.akeneo", [
                "--seed", f"synthetic:{products}", "--db", str(home / f"akeneo-{name}.db"),
                "--latency-ms", str(latency_ms)], startup_timeout=300))
            icecat = servers.enter_context(running_server("sandbox.icecat", [
                "--synthetic", str(products), "--latency-ms", str(int(latency_ms))], startup_timeout=300))
            urls[name] = (akeneo, icecat)
        yield urls


def stack_env(home: Path, workers: int, urls: dict[str, tuple[str, str]]) -> dict[str, str]:
    mappings = home / "mappings"
    mappings.mkdir()
    for name in CLIENTS:
        client_mapping(mappings, REPO_ROOT / "bench" / "mappings" / "bench.yaml", name, f"akeneo_{name}",
                       f"icecat_{name}")
    tag = f"b{os.getpid()}w{workers}"
    env = {**os.environ, "ICECAT_PROD_DIR": str(home), "ICECAT_PROD_WORKERS": str(workers),
           "ICECAT_PROD_PORT": str(free_port() // 100 * 100 % 50000 + 10000),
           "ICECAT_PROD_AIRFLOW_DB": f"icecat_airflow_{tag}", "ICECAT_PROD_STATE_DB": f"icecat_state_{tag}",
           "ICECAT_PROD_REDIS": "redis://127.0.0.1:6379/8", "ICECAT_AKENEO_MAPPINGS": str(mappings)}
    for name, (akeneo, icecat) in urls.items():
        env.update(connections(name, akeneo, icecat))
    return env


def drop_databases(env: dict[str, str]) -> None:
    for key in ("ICECAT_PROD_AIRFLOW_DB", "ICECAT_PROD_STATE_DB"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {env[key]}"],
                       check=False, capture_output=True)


def shards_of_run(client: httpx.Client, dag_id: str, run_id: str) -> int:
    mapped = client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/load/listMapped").json()
    return int(mapped.get("total_entries") or 1)


def summed(kind: str, answers: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for answer in answers:
        for key, value in answer[kind].items():
            total[key] = total.get(key, 0) + value
    return dict(sorted(total.items()))


def measure(workers: int, products: int, latency_ms: float, shard_size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"topology-w{workers}-") as folder, \
            client_sandboxes(Path(folder), products, latency_ms) as urls:
        home = Path(folder)
        env = stack_env(home, workers, urls)
        started = time.monotonic()
        try:
            prod("up", env)
            startup_s = time.monotonic() - started
            client = api(env["ICECAT_PROD_PORT"], home)
            sampler = RssSampler(worker_pids(home))
            sampler.start()
            began = time.monotonic()
            runs = {name: trigger(client, f"icecat_sync__{name}", {"full_refresh": True, "shard_size": shard_size})
                    for name in CLIENTS}
            ends = {name: eventually(f"{name}'s run", lambda n=name: finished(client, f"icecat_sync__{n}", runs[n]),
                                     timeout=7200, every=2) for name in CLIENTS}
            wall_s = time.monotonic() - began
            sampler.done.set()
            sampler.join()
            shards = {name: shards_of_run(client, f"icecat_sync__{name}", runs[name]) for name in CLIENTS}
        finally:
            prod("down", env)
            drop_databases(env)
        akeneo = [counters(a) for a, _ in urls.values()]
        icecat = [counters(i) for _, i in urls.values()]
    return {"workers": workers, "startup_s": round(startup_s, 1), "wall_s": round(wall_s, 1),
            "states": {n: r["state"] for n, r in ends.items()}, "shards_per_run": shards,
            "peak_rss_mb_per_worker": {n: round(v, 1) for n, v in sampler.peaks.items()},
            "akeneo_requests": summed("requests", akeneo), "patch_lines": summed("patch_lines", akeneo),
            "icecat_requests": summed("by_route", icecat)}


def table(rows: list[dict[str, Any]]) -> str:
    base = rows[0]["wall_s"]
    lines = ["| workers | start-up s | wall s (3 runs) | vs 1 worker | Akeneo requests | Icecat requests | "
             "PATCH lines | peak RSS per worker MB | shards per run | states |",
             "|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for row in rows:
        lines.append(
            f"| {row['workers']} | {row['startup_s']} | {row['wall_s']} | {row['wall_s'] / base:.2f} | "
            f"{sum(row['akeneo_requests'].values())} | {sum(row['icecat_requests'].values())} | "
            f"{sum(row['patch_lines'].values())} | {', '.join(str(v) for v in row['peak_rss_mb_per_worker'].values())}"
            f" | {', '.join(str(v) for v in row['shards_per_run'].values())} | "
            f"{', '.join(sorted(set(row['states'].values())))} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.topology", description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10000, help="synthetic products per client")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--shard-size", type=int, default=1000)
    args = parser.parse_args(argv)
    # a benchmark stopped by SIGTERM still stops its stack and sandboxes (the `finally`s run on SystemExit)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    rows = []
    for workers in args.workers:  # each row printed as it is measured: a stopped benchmark keeps what it had
        rows.append(measure(workers, args.products, args.latency_ms, args.shard_size))
        print(json.dumps(rows[-1]), flush=True)
    result = {"products_per_client": args.products, "clients": len(CLIENTS), "latency_ms": args.latency_ms,
              "shard_size": args.shard_size, "load_average": os.getloadavg(), "rows": rows}
    if len(rows) > 1:
        result["wall_ratio_last_vs_first"] = round(rows[-1]["wall_s"] / rows[0]["wall_s"], 3)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(table(rows))
    return 0 if all(set(r["states"].values()) == {"success"} for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
