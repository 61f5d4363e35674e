"""Airflow glue shared by the DAG files: default args, run params, schedules, and the placeholder that turns
broken mapping files into import errors without taking the other clients' DAGs down with them.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, CronDataIntervalTimetable, Param
from airflow.sdk.bases.timetable import BaseTimetable
from airflow.sdk.exceptions import AirflowTimetableInvalid

from icecat_akeneo.mapping import ClientMapping, MappingError, load_mapping

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-engineering",
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=1),
    "retry_exponential_backoff": True,
}

PARAM_DESCRIPTIONS = {
    "failure_ratio": "Validate fails the run when more than this share of products is quarantined.",
    "batch_size": "NDJSON lines per collection PATCH (Akeneo accepts at most 100).",
    "akeneo_concurrency": "Parallel Akeneo calls (Akeneo SaaS allows about 4 per connection).",
    "icecat_concurrency": "Parallel Icecat calls (Icecat throttles above about 6-10 per account).",
    "dry_run": "Compute what would change in Akeneo (before -> after), write nothing.",
    "manual_edits_win": "Keep values someone edited in Akeneo since we last pushed them.",
    "full_refresh": "Select every product of the selection, not only those updated in the data interval.",
    "max_refused_ratio": "The run fails when Akeneo refuses more than this share of the lines sent (4xx).",
    "lock_wait_s": "Seconds to wait for another run of this client to finish before failing (0: fail at once).",
    "shard_size": "Most products per shard: enrich, validate, transform and load run one task per shard.",
    "rebuild_all": "Rebuild every product, also those unchanged in Akeneo and Icecat since their last accepted "
                   "build (normally skipped).",
}


def mapping_folder(dag_file: Path) -> Path:
    """`ICECAT_AKENEO_MAPPINGS` wins; else `include/mappings` next to the dags folder (repo or Airflow home)."""
    configured = os.environ.get("ICECAT_AKENEO_MAPPINGS")
    return Path(configured) if configured else dag_file.resolve().parent.parent / "include" / "mappings"


def dag_params(mapping: ClientMapping) -> dict[str, Param]:
    params: dict[str, Param] = {}
    for name, default in mapping.dag_params().items():
        kind = {bool: "boolean", int: "integer", float: "number"}.get(type(default), "string")
        params[name] = Param(default, type=kind, description=PARAM_DESCRIPTIONS.get(name, name))
    return params


def schedule_of(mapping: ClientMapping) -> CronDataIntervalTimetable | str | None:
    """Cron schedules get real data intervals (Airflow 3's default cron timetable has none), so a run (and
    each run of a backfill) can select the products updated in its interval."""
    if mapping.schedule is None or mapping.schedule == "@once":
        return mapping.schedule
    return CronDataIntervalTimetable(mapping.schedule, timezone="UTC")


class BrokenMappingTimetable(BaseTimetable):
    """Fails DAG validation with the mapping errors: the DagBag records them as an import error of the DAG
    file and skips only this placeholder, so every valid client's DAG is still bagged."""

    can_be_scheduled = False

    def __init__(self, errors: list[MappingError]) -> None:
        self.errors = errors

    def validate(self) -> None:
        raise AirflowTimetableInvalid(
            "broken mapping file(s), their clients have no DAG until fixed:\n"
            + "\n".join(str(error) for error in self.errors)
        )


def broken_mappings_dag(dag_id: str, errors: list[MappingError]) -> DAG:
    return DAG(dag_id=dag_id, schedule=BrokenMappingTimetable(errors), start_date=dt.datetime(2026, 1, 1))


def _client_dag(path: Path, build: Callable[[ClientMapping, str], DAG | None]) -> DAG | None:
    """One client's DAG; MappingError (`file:line key: message`) for anything its file makes go wrong."""
    mapping = load_mapping(path)
    try:
        return build(mapping, str(path))
    except Exception as error:  # noqa: BLE001 - one client's DAG must not cost the others theirs
        raise MappingError(f"{path}:1 (dag): the DAG cannot be built from this mapping: "
                           f"{type(error).__name__}: {str(error)[:300]}") from error


def register_client_dags(
    namespace: MutableMapping[str, object],
    folder: Path,
    build: Callable[[ClientMapping, str], DAG | None],
    prefix: str,
) -> None:
    """Build one DAG per mapping file (sorted) into the DAG file's globals; broken files are gathered into
    one placeholder whose validation fails with their errors (file, line, key)."""
    broken: list[MappingError] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            built = _client_dag(path, build)
        except MappingError as error:
            broken.append(error)
            continue
        if built is not None:   # None: this DAG file has nothing for the client (e.g. no `events:`)
            namespace[built.dag_id] = built
    if broken:
        placeholder = broken_mappings_dag(f"{prefix}__broken_mappings", broken)
        namespace[placeholder.dag_id] = placeholder
