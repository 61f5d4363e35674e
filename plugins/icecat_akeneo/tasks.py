"""Task bodies of the sync DAG: the Airflow task context + Connections -> one `pipeline` step.

This is the only place where the steps meet Airflow (hooks, task context); the DAG file stays wiring and the
steps stay testable without Airflow.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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


def sync_run(mapping_path: str, context: Mapping[str, Any]) -> pipeline.SyncRun:
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    return connected_run(load_mapping(mapping_path), str(context["run_id"]), dict(context.get("params") or {}),
                         (start, end) if start and end else None)


def run_step(step: str, mapping_path: str, context: Mapping[str, Any]) -> dict:
    return pipeline.run_step(sync_run(mapping_path, context), step)


def report(mapping_path: str, context: Mapping[str, Any]) -> dict:
    return pipeline.report(sync_run(mapping_path, context))


def preflight(mapping_path: str, context: Mapping[str, Any]) -> dict:
    """The readiness report of one client, written under `<data root>/<client>/preflight/<run id>/`."""
    from icecat_akeneo.preflight.runner import run_preflight

    sync = sync_run(mapping_path, context)
    params = dict(context.get("params") or {})
    out_dir = sync.run.client_root / "preflight" / sync.run.path.name
    document = run_preflight(sync.mapping, sync.resolve_akeneo(), sync.resolve_icecat(), out_dir,
                             sample_size=int(params.get("sample_size", 10)),
                             environment=str(params.get("environment", "DEV")))
    report = {"readiness_json": str(out_dir / "readiness.json"), "readiness_html": str(out_dir / "readiness.html"),
              "ready": document["ready"], **document["summary"]}
    if not document["ready"]:
        raise RuntimeError(f"client {sync.mapping.client} is not ready for production: failed checks "
                           f"{document['summary']['failed']}; see {report['readiness_html']}")
    return report
