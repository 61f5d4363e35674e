"""`python -m sandbox.akeneo.measure [--sizes 100000,1000000]`: scale numbers of the sandbox itself.

For each size: seconds from start to ready (seeding `synthetic:N` included), p50/p95 of one search_after
page of 100 (at cursors spread over the whole catalogue, plain and with the seed's `data_owner` filter),
and the server's peak RSS (VmHWM) after the run, to show memory does not grow with N.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

from sandbox.akeneo.paging import encode_cursor
from sandbox.akeneo.testing import ApiSession
from sandbox.process import running_server

PAGES = 200
ICECAT_ONLY = json.dumps({"data_owner": [{"operator": "IN", "value": ["icecat"]}]})


def server_process() -> psutil.Process:
    children = psutil.Process().children(recursive=True)
    return next(child for child in children if "sandbox.akeneo" in " ".join(child.cmdline()))


def peak_rss_mb(process: psutil.Process) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return process.memory_info().rss / 2**20


def page_times(api: ApiSession, size: int, search: str | None) -> list[float]:
    rng = random.Random(size)
    timings = []
    for _ in range(PAGES):
        params = {
            "pagination_type": "search_after",
            "limit": 100,
            "search_after": encode_cursor(f"SYN-{rng.randrange(size):07d}"),
        }
        if search:
            params["search"] = search
        started = time.perf_counter()
        response = api.get("/api/rest/v1/products", params=params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return timings


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1]


def measure(size: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        with running_server(
            "sandbox.akeneo",
            ["--seed", f"synthetic:{size}", "--db", f"{folder}/akeneo.db"],
            startup_timeout=3600,
        ) as url:
            ready = time.monotonic() - started
            with ApiSession(url) as api:
                plain = page_times(api, size, None)
                filtered = page_times(api, size, ICECAT_ONLY)
            rss = peak_rss_mb(server_process())
    return {
        "products": size,
        "ready_s": ready,
        "p50_ms": percentile(plain, 0.5),
        "p95_ms": percentile(plain, 0.95),
        "filtered_p50_ms": percentile(filtered, 0.5),
        "filtered_p95_ms": percentile(filtered, 0.95),
        "peak_rss_mb": rss,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.akeneo.measure", description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated product counts")
    sizes = [int(size) for size in parser.parse_args(argv).sizes.split(",")]
    columns = ("products", "ready_s", "p50_ms", "p95_ms", "filtered_p50_ms", "filtered_p95_ms", "peak_rss_mb")
    print(" | ".join(f"{column:>15}" for column in columns))
    for size in sizes:
        row = measure(size)
        print(
            " | ".join(
                f"{row[column]:>15.1f}" if column != "products" else f"{size:>15}" for column in columns
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
