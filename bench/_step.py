"""One step of a sync run in this process, as an Airflow task runs it; prints its peak RSS as one JSON line.

    python -m bench._step <step> <run_id> <mapping.yaml> <akeneo_url> <icecat_url>
The data root comes from the environment (`ICECAT_AKENEO_DATA_ROOT`), as for a worker.
"""
from __future__ import annotations

import json
import resource
import sys
import time

from icecat_akeneo import pipeline
from icecat_akeneo.mapping import load_mapping

from bench.sync_incremental import sync_run


def main(argv: list[str]) -> None:
    step, run_id, mapping_path, akeneo_url, icecat_url = argv
    sync = sync_run(load_mapping(mapping_path), run_id, akeneo_url, icecat_url)
    started = time.perf_counter()
    pipeline.run_step(sync, step)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # Linux: kilobytes
    print(json.dumps({"step": step, "seconds": round(time.perf_counter() - started, 2),
                      "peak_rss_mb": round(peak_kb / 1024, 1)}))


if __name__ == "__main__":
    main(sys.argv[1:])
