"""Benchmark: the enrich step's client CPU per Icecat answer, on N synthetic products without latency.

Why: a first sync's enrich is bound by the client's CPU per answer (bench/README.md, "scale: contenders"), so
this measures exactly that: both sandboxes seeded with `--synthetic N`, no latency, no throttling; `extract`
then `enrich` each in its own process (`bench._step`, as Airflow runs them), the enrich process's own CPU
(user + system, from `getrusage` of the finished child) divided by the Icecat answers it got. `--keep DIR`
copies `enrich/records.parquet` and `lookups.parquet` there, so two checkouts can be compared value for value
(`--compare DIR_A DIR_B`); `--profile FILE` runs enrich under cProfile instead. Run from the repo root:
    .venv/bin/python -m bench.enrich_cpu [--products 1000] [--keep /tmp/out] [--profile /tmp/enrich.prof]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench.sync_incremental import MAPPING, admin
from sandbox.process import running_server

REPO = Path(__file__).resolve().parents[1]
KEPT = ("records.parquet", "lookups.parquet")


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _step(step: str, urls: tuple[str, str], profile: str | None = None) -> dict[str, Any]:
    """One step in a fresh interpreter: its wall seconds and its own CPU seconds (children's rusage delta)."""
    prefix = ["-m", "cProfile", "-o", profile] if profile else []
    command = [sys.executable, *prefix, "-m", "bench._step", step, "cpu", str(MAPPING), *urls]
    cpu_before, started = _child_cpu_s(), time.perf_counter()
    completed = subprocess.run(command, cwd=Path.cwd(), capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, _child_cpu_s() - cpu_before
    if completed.returncode:
        raise RuntimeError(f"step {step} failed:\n{completed.stderr[-3000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), **json.loads(completed.stdout.strip().splitlines()[-1])}


def measure(products: int, keep: Path | None, profile: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-enrich-cpu-") as workdir, \
            running_server("sandbox.akeneo", ["--seed", f"synthetic:{products}", "--db",
                                              str(Path(workdir) / "akeneo.db")], startup_timeout=1800) as akeneo, \
            running_server("sandbox.icecat", ["--synthetic", str(products)]) as icecat:
        data_root = Path(workdir) / "data"
        os.environ["ICECAT_AKENEO_DATA_ROOT"] = str(data_root)   # inherited by both steps' processes
        urls = (akeneo, icecat)
        _step("extract", urls)
        before = admin(icecat, "/_sandbox/counters").get("by_route", {})
        enrich = _step("enrich", urls, profile)
        after = admin(icecat, "/_sandbox/counters").get("by_route", {})
        answers = sum(after.values()) - sum(before.values())
        enrich_dir = next(data_root.iterdir()) / "cpu" / "enrich"
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            for name in KEPT:
                shutil.copy(enrich_dir / name, keep / name)
    return {"products": products, "icecat_requests": answers, "enrich": enrich,
            "cpu_ms_per_answer": round(1000 * enrich["cpu_s"] / max(answers, 1), 2),
            "load_average": os.getloadavg()}


def _rows(folder: Path, name: str) -> tuple[Any, str]:
    """An artifact's schema and its rows as JSON text: sorted (completion order does not count), the sandbox's
    port in media URLs made one (each run starts the sandbox on a free port)."""
    table = pq.read_table(folder / name)
    keys = [("identifier", "ascending")] + ([("lang", "ascending")] if "lang" in table.column_names else [])
    text = json.dumps(table.sort_by(keys).to_pylist(), default=str)
    return table.schema, re.sub(r"http://127\.0\.0\.1:[0-9]+/", "http://sandbox/", text)


def compare(left: Path, right: Path) -> list[str]:
    """The artifacts that differ, value for value, between two kept folders."""
    return [name for name in KEPT if _rows(left, name) != _rows(right, name)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="copy records.parquet and lookups.parquet here")
    parser.add_argument("--profile", help="run enrich under cProfile, writing this file")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"))
    args = parser.parse_args(argv)
    if args.compare:
        differing = compare(*args.compare)
        print("identical" if not differing else f"differ: {', '.join(differing)}")
        sys.exit(1 if differing else 0)
    print(json.dumps(measure(args.products, args.keep, args.profile)))


if __name__ == "__main__":
    main()
