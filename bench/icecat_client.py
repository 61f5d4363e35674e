"""Benchmark: Icecat client throughput (products/s) at several concurrency caps, next to a plain sequential
httpx loop, against the Icecat sandbox with realistic latency and Icecat-like throttling.

Why: the peers' sequential loop is the baseline to beat, and the adaptive window must win without melting
into 429s when the cap is above what the account allows. Run from the repo root:
    .venv/bin/python -m bench.icecat_client [--products 2000] [--latency-ms 20] [--limit 10]
Prints a markdown table and writes bench/results/icecat_client.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
from icecat_akeneo.icecat.client import IcecatClient, IcecatSettings
from icecat_akeneo.icecat.lookup import ProductKeys

from sandbox.process import running_server
from sandbox.synthetic import synthetic_gtin

OPEN_USER = "openIcecat-live"
RESULTS = Path(__file__).resolve().parent / "results" / "icecat_client.json"


def _admin(base_url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    if body is None:
        return httpx.get(f"{base_url}{path}", timeout=30).json()
    response = httpx.post(f"{base_url}{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def _prepare(base_url: str, latency_ms: int, limit: int) -> None:
    _admin(base_url, "/_sandbox/reset", {})
    _admin(base_url, "/_sandbox/faults", {"latency_ms": latency_ms, "concurrency_limit": limit})


def sequential_loop(base_url: str, products: int) -> dict[str, Any]:
    """What a naive connector does: one blocking call after the other, no retry."""
    found = 0
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for index in range(products):
            response = http.get(
                "/api", params={"lang": "EN", "shopname": OPEN_USER, "GTIN": synthetic_gtin(index)}
            )
            found += response.status_code == 200 and "data" in response.json()
    return {"found": found, "seconds": time.perf_counter() - started}


async def client_run(base_url: str, products: int, concurrency: int) -> dict[str, Any]:
    settings = IcecatSettings(base_url, OPEN_USER, max_concurrency=concurrency)
    keys = ((f"P{i}", ProductKeys(gtin=synthetic_gtin(i))) for i in range(products))
    found = 0
    started = time.perf_counter()
    async with IcecatClient(settings) as client:
        async for _, result in client.enrich_many(keys, ["EN"]):
            found += result.outcome == "found"
        counters = client.counters
        window = client.limiter.window
    return {
        "found": found,
        "seconds": time.perf_counter() - started,
        "requests": counters.requests,
        "retries": counters.retries,
        "final_window": round(window, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument(
        "--limit", type=int, default=10, help="sandbox parallel-call limit per account (429 above)"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    with running_server("sandbox.icecat", ["--synthetic", str(args.products)]) as base_url:
        _prepare(base_url, args.latency_ms, args.limit)
        rows.append(
            {
                "mode": "plain sequential httpx loop",
                "concurrency": 1,
                **sequential_loop(base_url, args.products),
                "requests": args.products,
                "retries": 0,
                "final_window": None,
                "throttled_429": _admin(base_url, "/_sandbox/counters")["throttled_429"],
            }
        )
        for concurrency in args.concurrency:
            _prepare(base_url, args.latency_ms, args.limit)
            measured = asyncio.run(client_run(base_url, args.products, concurrency))
            server = _admin(base_url, "/_sandbox/counters")
            rows.append(
                {
                    "mode": "IcecatClient (AIMD)",
                    "concurrency": concurrency,
                    **measured,
                    "throttled_429": server["throttled_429"],
                }
            )
    for row in rows:
        row["products_per_s"] = round(row["found"] / row["seconds"], 1)
        row["seconds"] = round(row["seconds"], 2)

    print(
        f"\n{args.products} synthetic products, EN, sandbox latency {args.latency_ms} ms, "
        f"limit {args.limit} parallel calls (429 above)\n"
    )
    print(
        "| mode | max concurrency | found | seconds | products/s | requests | retries | 429s | final window |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['mode']} | {row['concurrency']} | {row['found']} | {row['seconds']} "
            f"| {row['products_per_s']} | "
            f"{row['requests']} | {row['retries']} | {row['throttled_429']} | {row['final_window'] or '-'} |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"products": args.products, "latency_ms": args.latency_ms, "limit": args.limit, "rows": rows},
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten {RESULTS}")


if __name__ == "__main__":
    main()
