"""Which files of the data root the report pages may serve, and the URLs they are served under.

Only what a run left behind is served: `<data root>/<client>/<run id>/...` (reports, CSV/JSON exports, the
Great Expectations Data Docs) and `<client>/preflight/<run id>/...` (readiness reports). The state store and
the Icecat response cache beside them are not artifacts and stay private. Every request path is resolved
(symlinks included) and must stay inside its client's folder, so `../`, absolute paths and links pointing
outside answer "not found" like any missing file. No Airflow here: the app and the links are thin on top.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from icecat_akeneo.run_folder import safe_run_id

URL_PREFIX = "/icecat-akeneo"
CLIENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Folders of a client that hold no run: the response cache (raw Icecat answers) and taxonomy snapshots.
NOT_RUNS = frozenset({"icecat-cache", "taxonomy", "preflight"})
PRIVATE_TOP_LEVEL = frozenset({"icecat-cache"})


def sync_dag_id(client: str) -> str:
    return f"icecat_sync__{client}"


def client_of_dag(dag_id: str) -> str | None:
    """The client of an `icecat_sync__<client>` DAG; None for every other DAG."""
    prefix = sync_dag_id("")
    client = dag_id.removeprefix(prefix) if dag_id.startswith(prefix) else ""
    return client if CLIENT_NAME.match(client) else None


def run_page_path(client: str, run_id: str, base_path: str = "") -> str:
    """Where a run's folder is served: built from the Airflow run id exactly as the run folder is named."""
    return f"{base_path.rstrip('/')}{URL_PREFIX}/{client}/{safe_run_id(run_id)}/"


def servable_file(data_root: Path, client: str, relative: str) -> Path | None:
    """The file or folder `relative` names inside one of `client`'s runs, or None when it is not one
    (missing, outside the client's folder, or private)."""
    if not CLIENT_NAME.match(client):
        return None
    client_root = (data_root / client).resolve()
    if not client_root.is_dir() or client_root.parent != data_root.resolve():
        return None
    parts = PurePosixPath(relative).parts
    if not parts or parts[0] in PRIVATE_TOP_LEVEL or PurePosixPath(relative).is_absolute():
        return None
    candidate = (client_root / relative).resolve()
    inside = candidate.is_relative_to(client_root) and candidate != client_root
    top = candidate.relative_to(client_root).parts if inside else ()
    if not inside or top[0] in PRIVATE_TOP_LEVEL or (len(top) == 1 and candidate.is_file()):
        return None
    return candidate if candidate.exists() else None


@dataclass(frozen=True)
class RunEntry:
    client: str
    run_folder: str
    has_report: bool
    status: str | None


def client_runs(data_root: Path, client: str) -> list[RunEntry]:
    """A client's sync runs, newest first (by folder modification time), with the report's status if any."""
    client_root = data_root / client
    folders = [p for p in client_root.iterdir() if p.is_dir() and p.name not in NOT_RUNS]
    runs = []
    for folder in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True):
        report = folder / "report.json"
        status = None
        if report.is_file():
            try:
                status = json.loads(report.read_text(encoding="utf-8")).get("summary", {}).get("status")
            except (OSError, ValueError, AttributeError):
                status = "unreadable report.json"
        runs.append(RunEntry(client, folder.name, report.is_file(), status))
    return runs


def clients(data_root: Path) -> list[str]:
    if not data_root.is_dir():
        return []
    return sorted(p.name for p in data_root.iterdir() if p.is_dir() and CLIENT_NAME.match(p.name))


def data_docs_targets(run_dir: Path) -> list[str]:
    """The Data Docs indexes of a run, relative to its folder, as the validate step reported them (that step
    alone knows where Great Expectations writes them): the run's own, or for a sharded run each shard's (its
    validate ran per shard, `steps/shards.py`); empty when validate did not get that far."""
    report = run_dir / "validate" / "report.json"
    try:
        saved = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(saved, dict):
        return []
    own = _existing_target(run_dir, _reported_docs(saved))
    if own:
        return [own]
    shards = saved.get("shards") if isinstance(saved.get("shards"), dict) else {}
    return [target for shard in sorted(shards) if (target := _existing_target(run_dir, _reported_docs(shards[shard])))]


def _reported_docs(report: object) -> str | None:
    artifacts = report.get("artifacts") if isinstance(report, dict) else None
    docs = artifacts.get("data_docs") if isinstance(artifacts, dict) else None
    return docs if isinstance(docs, str) and docs else None


def _existing_target(run_dir: Path, docs: str | None) -> str | None:
    """`docs` (the worker's absolute path, which may differ from this machine's: object storage) as the part
    that follows the run folder, when that file is here."""
    parts = Path(docs).parts if docs else ()
    if run_dir.name not in parts:
        return None
    tail = parts[len(parts) - parts[::-1].index(run_dir.name):]
    return "/".join(tail) if run_dir.joinpath(*tail).is_file() else None
