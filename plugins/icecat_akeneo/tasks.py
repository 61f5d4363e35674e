"""Task bodies of the sync DAG: mapping + Airflow context + Connections -> one pure step over the run folder.

This is the only place where the steps meet Airflow (through the hooks and the task context); the DAG file
stays wiring and the steps stay testable without Airflow. Each step saves its report next to its artifacts,
so the report task can assemble a run's report even when a step failed.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from icecat_akeneo.mapping import ClientMapping, load_mapping
from icecat_akeneo.run_folder import RunFolder


def _mapping_and_run(mapping_path: str, context: Mapping[str, Any]) -> tuple[ClientMapping, RunFolder, dict]:
    mapping = load_mapping(mapping_path)
    params = {**mapping.dag_params(), **dict(context.get("params") or {})}
    run = RunFolder.for_run(mapping.client, str(context["run_id"]))
    return mapping, run, params


def _interval(context: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime] | None:
    """The run's data interval, used as the `updated` filter unless a full refresh is asked for."""
    if params.get("full_refresh", True):
        return None
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    return (start, end) if start and end else None


def extract(mapping_path: str, context: Mapping[str, Any]) -> dict:
    from icecat_akeneo.hooks.akeneo import AkeneoHook
    from icecat_akeneo.steps.extract import run_extract

    mapping, run, params = _mapping_and_run(mapping_path, context)
    settings = AkeneoHook(mapping.connections.akeneo).get_settings()
    report = run_extract(
        settings,
        run.path,
        search=mapping.akeneo_search(_interval(context, params)),
        scope=mapping.channel,
        locales=sorted(set(mapping.languages.values())),
        identifier_attributes=mapping.identifiers.model_dump(),
    )
    return run.save_report("extract", report)


def enrich(mapping_path: str, context: Mapping[str, Any]) -> dict:
    from icecat_akeneo.hooks.icecat import IcecatHook
    from icecat_akeneo.steps.enrich import run_enrich

    mapping, run, params = _mapping_and_run(mapping_path, context)
    settings = IcecatHook(mapping.connections.icecat).get_settings(
        max_concurrency=int(params["icecat_concurrency"]), cache_dir=str(run.client_root / "icecat-cache")
    )
    report = run_enrich(settings, run.path, list(mapping.languages))
    return run.save_report("enrich", report)


def validate(mapping_path: str, context: Mapping[str, Any]) -> dict:
    from icecat_akeneo.steps.validate import ValidationFailed, run_validate

    mapping, run, params = _mapping_and_run(mapping_path, context)
    try:
        report = run_validate(run.path, mapping, failure_ratio=float(params["failure_ratio"]))
    except ValidationFailed as failed:
        run.save_report("validate", failed.report)
        raise
    return run.save_report("validate", report)


def transform(mapping_path: str, context: Mapping[str, Any]) -> dict:
    from icecat_akeneo.steps.transform import run_transform

    mapping, run, params = _mapping_and_run(mapping_path, context)
    report = run_transform(run.path, mapping, batch_size=int(params["batch_size"]))
    return run.save_report("transform", report)


def load(mapping_path: str, context: Mapping[str, Any]) -> dict:
    from icecat_akeneo.hooks.akeneo import AkeneoHook
    from icecat_akeneo.steps.load import run_load

    mapping, run, params = _mapping_and_run(mapping_path, context)
    if params.get("dry_run"):
        return run.save_report("load", {"dry_run": True, "lines_sent": 0})
    settings = AkeneoHook(mapping.connections.akeneo).get_settings(
        max_concurrency=int(params["akeneo_concurrency"])
    )
    report = run_load(settings, run.path)
    return run.save_report("load", report)


def report(mapping_path: str, context: Mapping[str, Any]) -> dict:
    from icecat_akeneo.steps.report import write_report

    mapping, run, _ = _mapping_and_run(mapping_path, context)
    return write_report(run.path, client=mapping.client, run_id=str(context["run_id"]))
