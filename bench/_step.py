"""One step of a sync run in this process, as an Airflow task runs it; prints its peak RSS as one JSON line.

    python -m bench._step <step|validated|report> <run_id> <mapping.yaml> <akeneo_url> <icecat_url> [shard]
        [--interval START END]
The data root comes from the environment (`ICECAT_AKENEO_DATA_ROOT`), as for a worker. With a shard, the step
runs on that shard only, as one Airflow mapped task does; `validated` is the run-level check after validate.
With `--interval` (ISO datetimes) the run is a scheduled one on that data interval, else a full refresh.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from icecat_akeneo import pipeline
from icecat_akeneo.mapping import load_mapping

from bench.sync_incremental import MAPPING, sync_run

REPO = Path(__file__).resolve().parents[1]


Interval = tuple[dt.datetime, dt.datetime]


def run_step(step: str, run_id: str, urls: tuple[str, str], stop_after_s: float | None = None,
             shard: str | None = None, interval: Interval | None = None) -> dict[str, Any]:
    """One step in a fresh interpreter (this module as a script); its last output line is the JSON it prints.
    With `stop_after_s` a step still running then is stopped and reported with its peak RSS so far
    (`stopped: true`): a 1M-product transform needs hours on a shared 2-core box."""
    command = [sys.executable, "-m", "bench._step", step, run_id, str(MAPPING), *urls, *([shard] if shard else []),
               *(["--interval", *(moment.isoformat() for moment in interval)] if interval else [])]
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=stop_after_s)
        except subprocess.TimeoutExpired:
            peak_kb = _peak_rss_kb(process.pid)
            process.kill()
            process.communicate()
            return {"step": step, "seconds": stop_after_s, "peak_rss_mb": round(peak_kb / 1024, 1), "stopped": True}
    if process.returncode:
        raise RuntimeError(f"step {step} of run {run_id} failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def _peak_rss_kb(pid: int | str = "self") -> int:
    """A process's peak RSS (this one's by default): `VmHWM` (reset by exec); `ru_maxrss` keeps the forking
    parent's RSS on Linux, so a step would inherit the benchmark's own memory as a floor."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # Linux: kilobytes


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._step")
    for name in ("step", "run_id", "mapping", "akeneo_url", "icecat_url"):
        parser.add_argument(name)
    parser.add_argument("shard", nargs="?", help="the shard to run (default: every shard in turn)")
    parser.add_argument("--interval", nargs=2, type=dt.datetime.fromisoformat, metavar=("START", "END"))
    args = parser.parse_args(argv)
    step, shard = args.step, args.shard
    sync = sync_run(load_mapping(args.mapping), args.run_id, args.akeneo_url, args.icecat_url,
                    tuple(args.interval) if args.interval else None)
    started = time.perf_counter()
    if step == "report":
        pipeline.report(sync)
    elif step == "validated":
        from icecat_akeneo.run_shards import validated

        validated(sync)
    else:
        pipeline.run_step(sync, step, shard)
    peak_kb = _peak_rss_kb()
    print(json.dumps({"step": step, "seconds": round(time.perf_counter() - started, 2),
                      "peak_rss_mb": round(peak_kb / 1024, 1)}))


if __name__ == "__main__":
    main(sys.argv[1:])
