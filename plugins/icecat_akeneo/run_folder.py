"""Where a run's artifacts live: `<data root>/<client>/<run id>/<step>/...`.

The data root is `ICECAT_AKENEO_DATA_ROOT` (default `./data`). Every step of a run writes under the same
folder, so a rerun of a task (cleared in the UI) finds its inputs and overwrites its own outputs: reruns are
idempotent per run id.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_ROOT_ENV = "ICECAT_AKENEO_DATA_ROOT"


def data_root() -> Path:
    return Path(os.environ.get(DATA_ROOT_ENV, "data")).resolve()


def safe_run_id(run_id: str) -> str:
    """Run ids carry ':' and '+' (timestamps): keep them readable but portable as folder names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_")


@dataclass(frozen=True)
class RunFolder:
    client_root: Path
    path: Path

    @classmethod
    def for_run(cls, client: str, run_id: str, root: Path | None = None) -> RunFolder:
        client_root = (root or data_root()) / client
        path = client_root / safe_run_id(run_id)
        path.mkdir(parents=True, exist_ok=True)
        return cls(client_root=client_root, path=path)

    def save_report(self, step: str, report: dict[str, Any]) -> dict[str, Any]:
        folder = self.path / step
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        return report
