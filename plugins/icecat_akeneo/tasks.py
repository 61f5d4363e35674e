"""Task bodies of the sync DAG: the Airflow task context + Connections -> one `pipeline` step.

This is the only place where the steps meet Airflow (hooks, task context); the DAG file stays wiring and the
steps stay testable without Airflow.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from icecat_akeneo import pipeline
from icecat_akeneo.log_levels import quiet_libraries
from icecat_akeneo.mapping import ClientMapping, load_mapping
from icecat_akeneo.run_folder import RunFolder

quiet_libraries()


def connected_run(
    mapping: ClientMapping, run_id: str, params: dict[str, Any] | None,
    interval: tuple[dt.datetime, dt.datetime] | None = None,
) -> pipeline.SyncRun:
    """A sync run whose API settings come from the client's Airflow Connections (read only when needed)."""
    from icecat_akeneo.hooks.akeneo import AkeneoHook
    from icecat_akeneo.hooks.icecat import IcecatHook

    return pipeline.SyncRun(
        mapping=mapping,
        run=RunFolder.for_run(mapping.client, run_id),
        params=pipeline.run_params(mapping, params),
        interval=interval,
        resolve_akeneo=AkeneoHook(mapping.connections.akeneo).get_settings,
        resolve_icecat=IcecatHook(mapping.connections.icecat).get_settings,
    )


def clients_sharing(mapping: ClientMapping, mapping_path: str) -> dict[str, int]:
    """api -> how many clients' mappings (in this one's folder) name the same Connection: they share its pool."""
    named: Counter[tuple[str, str]] = Counter()
    for path in Path(mapping_path).parent.glob("*.yaml"):
        with contextlib.suppress(Exception):  # a broken mapping has no DAG, so no run to share with
            other = load_mapping(path).connections
            named.update([("akeneo", other.akeneo), ("icecat", other.icecat)])
    return {api: max(1, named[(api, conn_id)]) for api, conn_id in
            (("akeneo", mapping.connections.akeneo), ("icecat", mapping.connections.icecat))}


def sync_run(mapping_path: str, context: Mapping[str, Any]) -> pipeline.SyncRun:
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    mapping = load_mapping(mapping_path)
    sync = connected_run(mapping, str(context["run_id"]), dict(context.get("params") or {}),
                         (start, end) if start and end else None)
    return replace(sync, clients_sharing=clients_sharing(mapping, mapping_path), task_slots=task_slots())


def task_slots() -> int | None:
    """How many tasks this Airflow runs at once (`core.parallelism`; 0 or unset: no bound): a run's shards
    beyond it wait, so they need no share of the APIs' limits (`pools.share`)."""
    from airflow.configuration import conf

    slots = conf.getint("core", "parallelism", fallback=0)
    return slots if slots > 0 else None


def _deterministic() -> tuple[type[Exception], ...]:
    """Failures a task retry cannot fix (bad mapping or data, drift, refused credentials, another run
    syncing the client); outages (`ApiUnavailable`, e.g. `LoadIncomplete`) stay retried."""
    from icecat_akeneo.akeneo.errors import AkeneoAuthError
    from icecat_akeneo.mapping import MappingError
    from icecat_akeneo.state.lock import ClientLocked
    from icecat_akeneo.steps.extract import TaxonomyDrift
    from icecat_akeneo.steps.validate import ValidationFailed

    return MappingError, ValidationFailed, TaxonomyDrift, AkeneoAuthError, ClientLocked


@contextlib.contextmanager
def failing_fast() -> Iterator[None]:
    """Deterministic failures become `AirflowFailException`: the task fails at once, without its retries."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except _deterministic() as error:
        raise AirflowFailException(f"{type(error).__name__}: {error}") from error


def run_step(step: str, mapping_path: str, context: Mapping[str, Any], shard: str | None = None) -> dict:
    """One step of the run; after extract, on one `shard` (a mapped task) or, without one, on every shard."""
    with failing_fast():
        return pipeline.run_step(sync_run(mapping_path, context), step, shard)


def validated(mapping_path: str, context: Mapping[str, Any]) -> dict:
    """Validate's decision for the whole run, once every shard is validated (`run_shards.validated`)."""
    from icecat_akeneo.run_shards import validated

    with failing_fast():
        return validated(sync_run(mapping_path, context))


def report(mapping_path: str, context: Mapping[str, Any]) -> dict:
    """Write the report, then fail the task (and so the DAG run: red in the UI) when the run failed by the
    rule of `report_outcomes.run_status`."""
    from airflow.sdk.exceptions import AirflowFailException

    summary = pipeline.report(sync_run(mapping_path, context))
    if summary["status"] != "success":
        raise AirflowFailException(f"{summary['status_reason']} Report: {summary['report_html']}")
    return summary


def preflight(mapping_path: str, context: Mapping[str, Any]) -> dict:
    """The readiness report of one client, written under `<data root>/<client>/preflight/<run id>/`."""
    from icecat_akeneo.preflight.runner import run_preflight

    with failing_fast():
        sync = sync_run(mapping_path, context)
        params = dict(context.get("params") or {})
        out_dir = sync.run.client_root / "preflight" / sync.run.path.name
        document = run_preflight(sync.mapping, sync.resolve_akeneo(), sync.resolve_icecat(), out_dir,
                                 sample_size=int(params.get("sample_size", 10)),
                                 environment=str(params.get("environment", "DEV")))
    report = {"readiness_json": str(out_dir / "readiness.json"), "readiness_html": str(out_dir / "readiness.html"),
              "ready": document["ready"], **document["summary"]}
    if not document["ready"]:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"client {sync.mapping.client} is not ready for production: failed checks "
                                   f"{document['summary']['failed']}; see {report['readiness_html']}")
    return report


def connection_pools(mapping_folder: Path) -> list[dict[str, Any]]:
    """The pools of every client's Connections (`icecat_akeneo.pools`), sized from the Connections' extras,
    as `airflow pools import` reads them (`deploy/prod.py` creates them on `up`)."""
    from icecat_akeneo.hooks.akeneo import AkeneoHook
    from icecat_akeneo.hooks.icecat import IcecatHook
    from icecat_akeneo.pools import pools_for

    limits: dict[tuple[Any, str], int | None] = {}
    for path in sorted(mapping_folder.glob("*.yaml")):
        with contextlib.suppress(Exception):  # a broken mapping (or a client without Connections) has no runs
            connections = load_mapping(path).connections
            limits[("akeneo", connections.akeneo)] = AkeneoHook(connections.akeneo).get_settings().max_concurrency
            limits[("icecat", connections.icecat)] = IcecatHook(connections.icecat).get_settings().max_concurrency
    return [{"name": pool.name, "slots": pool.slots, "description": pool.description} for pool in pools_for(limits)]

