"""Where a run's artifacts live: `<data root>/<client>/<run id>/<step>/...`.

The data root is `ICECAT_AKENEO_DATA_ROOT`: a local folder (default `./data`) or an object-storage URL
(`s3://bucket/icecat`, `gs://...`, `file:///...`: anything Airflow's `ObjectStoragePath` knows, with the
provider for that scheme installed). Steps always work on local files (pyarrow, GX and the NDJSON writer
want real paths); with an object-storage root the run folder is a local working copy, pulled from the
store when a task starts on a worker that lacks it and published back after each step.

Every step of a run writes under the same folder, so a rerun of a task (cleared in the UI) finds its inputs
and overwrites its own outputs: reruns are idempotent per run id.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.artifacts import Step, step_dir, step_report

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

DATA_ROOT_ENV = "ICECAT_AKENEO_DATA_ROOT"
WORK_DIR_ENV = "ICECAT_AKENEO_WORK_DIR"


def data_root_setting() -> str:
    return os.environ.get(DATA_ROOT_ENV, "data")


def is_object_storage(root: str) -> bool:
    return "://" in root


def data_root() -> Path:
    """The local data root: the configured folder, or the local working copy of an object-storage root."""
    root = data_root_setting()
    if is_object_storage(root):
        work = Path(os.environ.get(WORK_DIR_ENV) or Path(tempfile.gettempdir()) / "icecat-akeneo")
        return (work / re.sub(r"[^A-Za-z0-9._-]+", "_", root)).resolve()
    return Path(root).resolve()


def safe_run_id(run_id: str) -> str:
    """Run ids carry ':' and '+' (timestamps): keep them readable but portable as folder names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_")


@dataclass(frozen=True)
class RunFolder:
    client_root: Path
    path: Path
    remote: ObjectStoragePath | None = None

    @classmethod
    def for_run(cls, client: str, run_id: str, root: Path | None = None) -> RunFolder:
        remote = None
        if root is None and is_object_storage(data_root_setting()):
            from airflow.sdk import ObjectStoragePath

            remote = ObjectStoragePath(data_root_setting()) / client / safe_run_id(run_id)
        client_root = (root or data_root()) / client
        folder = cls(client_root=client_root, path=client_root / safe_run_id(run_id), remote=remote)
        folder.path.mkdir(parents=True, exist_ok=True)
        folder.pull()
        return folder

    def pull(self) -> None:
        """Fetch the artifacts earlier steps published that this machine does not have yet."""
        if self.remote is None or not self.remote.exists():
            return
        for item in self.remote.rglob("*"):
            local = self.path / str(item.relative_to(self.remote))
            if item.is_file() and not local.exists():
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(item.read_bytes())

    def publish(self, step: Step | str | None = None) -> None:
        """Copy one step's folder (or the run's top-level files) to the object store."""
        if self.remote is None:
            return
        source = step_dir(self.path, step) if step else self.path
        files = source.rglob("*") if step else source.glob("*")
        for local in (f for f in files if f.is_file()):
            target = self.remote / str(local.relative_to(self.path))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                out.write(local.read_bytes())

    def save_report(self, step: Step | str, report: dict[str, Any]) -> dict[str, Any]:
        path = step_report(self.path, step)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        self.publish(step)
        return report

    def step_report(self, step: Step | str) -> dict[str, Any]:
        """What `save_report` saved for `step`."""
        return json.loads(step_report(self.path, step).read_text(encoding="utf-8"))
