"""Where a run's artifacts live: `<data root>/<client>/<run id>/<step>/...`.

The data root is `ICECAT_AKENEO_DATA_ROOT` (or `ICECAT_AKENEO_DATA_ROOT_<CLIENT>` for one client): a local
folder (default `./data`) or an object-storage URL (`s3://bucket/icecat`, `s3://<conn id>@bucket/icecat`,
`gs://...`, `file:///...`: anything Airflow's `ObjectStoragePath` knows, with the provider for that scheme
installed). Steps always work on local files (pyarrow, GX and the NDJSON writer
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

from icecat_akeneo.artifacts import Step, step_report
from icecat_akeneo.steps.shards import SHARDS_DIR, WHOLE_RUN

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

DATA_ROOT_ENV = "ICECAT_AKENEO_DATA_ROOT"
WORK_DIR_ENV = "ICECAT_AKENEO_WORK_DIR"


def data_root_setting(client: str | None = None) -> str:
    """`ICECAT_AKENEO_DATA_ROOT_<CLIENT>` (one client's data elsewhere, e.g. its own bucket), else the root."""
    own = os.environ.get(f"{DATA_ROOT_ENV}_{client.upper()}") if client else None
    return own or os.environ.get(DATA_ROOT_ENV, "data")


def is_object_storage(root: str) -> bool:
    return "://" in root


def data_root(client: str | None = None) -> Path:
    """The local data root: the configured folder, or the local working copy of an object-storage root."""
    root = data_root_setting(client)
    if is_object_storage(root):
        work = Path(os.environ.get(WORK_DIR_ENV) or Path(tempfile.gettempdir()) / "icecat-akeneo")
        return (work / re.sub(r"[^A-Za-z0-9._-]+", "_", root)).resolve()
    return Path(root).resolve()


def safe_run_id(run_id: str) -> str:
    """Run ids carry ':' and '+' (timestamps): keep them readable but portable as folder names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_")


def client_remote(client: str) -> ObjectStoragePath:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(data_root_setting(client)) / client


def pull_tree(remote: ObjectStoragePath, local_root: Path, *, skip: str | None = None, refresh: bool = False) -> None:
    """Copy the files under `remote` that `local_root` lacks (`refresh`: also those whose size differs); a
    top-level folder named `skip` stays where it is."""
    if not remote.exists():
        return
    for item in remote.rglob("*"):
        relative = item.path.removeprefix(remote.path.rstrip("/") + "/")  # relative_to is not there for S3 paths
        if (skip and relative.split("/", 1)[0] == skip) or not item.is_file():
            continue
        local = local_root / relative
        if not local.exists() or (refresh and local.stat().st_size != item.stat().st_size):
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(item.read_bytes())


def _upload(local: Path, target: ObjectStoragePath) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        out.write(local.read_bytes())


@dataclass(frozen=True)
class RunFolder:
    client_root: Path
    path: Path
    remote: ObjectStoragePath | None = None
    run_id: str = ""
    """The run's folder name, also for a shard's folder (the client's lock is held per run, not per shard)."""

    @classmethod
    def for_run(cls, client: str, run_id: str, root: Path | None = None) -> RunFolder:
        remote = None
        if root is None and is_object_storage(data_root_setting(client)):
            remote = client_remote(client) / safe_run_id(run_id)
        client_root = (root or data_root(client)) / client
        folder = cls(client_root=client_root, path=client_root / safe_run_id(run_id), remote=remote,
                     run_id=safe_run_id(run_id))
        folder.path.mkdir(parents=True, exist_ok=True)
        folder.pull()
        return folder

    def shard(self, name: str) -> RunFolder:
        """The folder of one shard of this run (`steps.shards`), pulled from the store; `.` is the run itself."""
        if name == WHOLE_RUN:
            return self
        folder = RunFolder(self.client_root, self.path / name, self.remote / name if self.remote else None,
                           run_id=self.run_id)
        folder.path.mkdir(parents=True, exist_ok=True)
        folder.pull()
        return folder

    def pull(self) -> None:
        """Fetch the artifacts earlier steps published that this machine does not have yet (a run's own files,
        not its shards': each shard task pulls its shard)."""
        if self.remote is not None:
            pull_tree(self.remote, self.path, skip=SHARDS_DIR)

    def publish(self, step: Step | str | None = None) -> None:
        """Copy one step's (or any) folder of the run, or the run's top-level files, to the object store."""
        if self.remote is None:
            return
        source = self.path / str(step) if step else self.path
        files = source.rglob("*") if step else source.glob("*")
        for local in (f for f in files if f.is_file()):
            _upload(local, self.remote / str(local.relative_to(self.path)))

    def pull_client_folder(self, name: str) -> Path:
        """A folder beside the client's runs (the Icecat cache), fetched from the store when files differ."""
        if self.remote is not None:
            pull_tree(client_remote(self.client_root.name) / name, self.client_root / name, refresh=True)
        return self.client_root / name

    def publish_client_folder(self, name: str) -> None:
        if self.remote is None or not (self.client_root / name).exists():
            return
        target = client_remote(self.client_root.name) / name
        for local in (f for f in (self.client_root / name).rglob("*") if f.is_file()):
            _upload(local, target / str(local.relative_to(self.client_root / name)))

    def save_report(self, step: Step | str, report: dict[str, Any]) -> dict[str, Any]:
        path = step_report(self.path, step)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        self.publish(step)
        return report

    def step_report(self, step: Step | str) -> dict[str, Any]:
        """What `save_report` saved for `step`."""
        return json.loads(step_report(self.path, step).read_text(encoding="utf-8"))
