"""The sync run as plain function calls: each step of `icecat_sync__<client>` for one run folder.

Airflow tasks (`icecat_akeneo.tasks`), the CLI (`dry-run`) and the benchmarks all go through here, so the
way a mapping becomes step arguments exists once. Settings for the two APIs are resolved lazily: a step
that does not talk to Akeneo never asks for its Connection.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.run_folder import RunFolder, artifact_rows

if TYPE_CHECKING:
    from icecat_akeneo.akeneo.client import AkeneoSettings
    from icecat_akeneo.icecat.client import IcecatSettings
    from icecat_akeneo.incremental import IncrementalRun
    from icecat_akeneo.state import StateStore

STATE_URL_ENV = "ICECAT_AKENEO_STATE_URL"

STEPS = ("extract", "enrich", "validate", "transform", "load")


@dataclass
class SyncRun:
    mapping: ClientMapping
    run: RunFolder
    params: dict[str, Any]
    interval: tuple[dt.datetime, dt.datetime] | None
    resolve_akeneo: Callable[[], AkeneoSettings]
    resolve_icecat: Callable[[], IcecatSettings]

    @cached_property
    def akeneo(self) -> AkeneoSettings:
        return replace(self.resolve_akeneo(), max_concurrency=int(self.params["akeneo_concurrency"]))

    @cached_property
    def state(self) -> StateStore:
        """The client's state store: `ICECAT_AKENEO_STATE_URL` (e.g. PostgreSQL) or `<client>/state.db`."""
        from icecat_akeneo.state import StateStore, sqlite_url

        url = os.environ.get(STATE_URL_ENV) or sqlite_url(self.run.client_root.parent, self.mapping.client)
        store = StateStore(url, self.mapping.client)
        store.migrate()
        return store

    def incremental(self) -> IncrementalRun:
        from icecat_akeneo.incremental import IncrementalRun

        return IncrementalRun(self.state, self.mapping, self.run.path,
                              manual_edits_win=bool(self.params.get("manual_edits_win", True)))

    @cached_property
    def icecat(self) -> IcecatSettings:
        """The Connection's settings with the run's concurrency; the response cache lives beside the client's
        runs unless the Connection names another folder."""
        settings = self.resolve_icecat()
        return replace(settings, max_concurrency=int(self.params["icecat_concurrency"]),
                       cache_dir=settings.cache_dir or str(self.run.client_root / "icecat-cache"))


def run_params(mapping: ClientMapping, overrides: dict[str, Any] | None) -> dict[str, Any]:
    return {**mapping.dag_params(), **(overrides or {})}


class TaxonomyDrift(RuntimeError):
    """A mapped attribute disappeared or changed type in Akeneo since the last accepted taxonomy snapshot."""


def check_taxonomy_drift(sync: SyncRun) -> dict:
    """Fail fast before anything is sent when the client's Akeneo no longer fits the mapping; otherwise the
    run's taxonomy becomes the snapshot the next run compares with."""
    from icecat_akeneo.preflight.taxonomy_snapshot import drift_errors, latest_snapshot, save_snapshot

    taxonomy = json.loads((sync.run.path / "extract" / "taxonomy.json").read_text(encoding="utf-8"))
    previous = latest_snapshot(sync.run.client_root)
    errors = drift_errors(sync.mapping, previous, taxonomy) if previous else []
    if errors:
        raise TaxonomyDrift("taxonomy drift, nothing was sent:\n" + "\n".join(errors))
    return {"taxonomy_snapshot": str(save_snapshot(taxonomy, sync.run.client_root))}


IDENTIFIERS_PER_SEARCH = 100


def icecat_side_searches(sync: SyncRun) -> list[dict[str, Any]]:
    """An incremental run also takes the selected products whose Icecat content changed (daily index) and
    those waiting for Icecat (enrich looks them up only if the index lists them), even when nobody touched
    them in Akeneo during the interval."""
    from icecat_akeneo.steps.enrich import icecat_updates

    incremental = sync.incremental()
    updates = icecat_updates(sync.icecat, next(iter(sync.mapping.languages)))
    changed = sorted({*incremental.changed_in_icecat(updates), *incremental.pending()})
    base = sync.mapping.akeneo_search(None)
    return [{**base, "identifier": [{"operator": "IN", "value": changed[i:i + IDENTIFIERS_PER_SEARCH]}]}
            for i in range(0, len(changed), IDENTIFIERS_PER_SEARCH)]


def extract(sync: SyncRun) -> dict:
    """The selection (whole, or updated in the run's interval plus what changed in Icecat) and the taxonomy."""
    from icecat_akeneo.steps.extract import keep_first_products, run_extract

    interval = None if sync.params.get("full_refresh", True) else sync.interval
    report = run_extract(
        sync.akeneo,
        sync.run.path,
        search=sync.mapping.akeneo_search(interval),
        scope=sync.mapping.channel,
        locales=sorted(set(sync.mapping.languages.values())),
        identifier_attributes=sync.mapping.identifiers.model_dump(),
        more_searches=icecat_side_searches(sync) if interval else (),
    )
    report.update(check_taxonomy_drift(sync))
    sample = int(sync.params.get("sample_size") or 0)
    if sample:
        report["products"] = keep_first_products(sync.run.path, sample)
    return report


def enrich(sync: SyncRun) -> dict:
    """Look products up (pending ones only when the daily index lists them), then keep their state and ask
    Icecat once per product to create the content it lacks."""
    from icecat_akeneo.steps.enrich import request_data_creation, run_enrich

    incremental = sync.incremental()
    report = run_enrich(sync.icecat, sync.run.path, list(sync.mapping.languages), pending=incremental.pending())
    lookups = artifact_rows(sync.run.path / "enrich" / "lookups.parquet")
    incremental.record_lookups(lookups)
    missing = incremental.needs_data_creation(r["identifier"] for r in lookups if r["outcome"] == "not_in_icecat")
    requested = request_data_creation(sync.icecat, sync.run.path, missing) if missing else {}
    for identifier, request_id in requested.items():
        sync.state.record_data_creation_request(identifier, request_id)
    return {**report, "data_creation_requested": len(requested)}


def validate(sync: SyncRun) -> dict:
    from icecat_akeneo.steps.validate import run_validate

    try:
        report = run_validate(sync.run.path, sync.mapping, failure_ratio=float(sync.params["failure_ratio"]))
    finally:
        quarantine = artifact_rows(sync.run.path / "validate" / "quarantine.parquet")
        sync.incremental().mark_quarantined({r["identifier"]: f"{r['rule']}: {r['message']}" for r in quarantine})
    return report


def transform(sync: SyncRun) -> dict:
    """Only values that differ from what Akeneo last accepted from us become PATCH lines."""
    from icecat_akeneo.steps.transform import run_transform

    incremental = sync.incremental()
    report = run_transform(sync.run.path, sync.mapping, batch_size=int(sync.params["batch_size"]),
                           values_to_send=incremental.values_to_send)
    return {**report, **incremental.write_manual_edits()}


def load(sync: SyncRun) -> dict:
    from icecat_akeneo.steps.dry_run import run_dry_run
    from icecat_akeneo.steps.load import run_load

    if sync.params.get("dry_run"):
        return run_dry_run(sync.run.path)
    incremental = sync.incremental()
    try:
        return run_load(sync.akeneo, sync.run.path, on_line_result=incremental.on_line_result,
                        line_filter=incremental.line_filter, media_registry=incremental)
    finally:
        incremental.flush()


def report(sync: SyncRun) -> dict:
    from icecat_akeneo.steps.report import write_report

    summary = write_report(sync.run.path, client=sync.mapping.client, run_id=sync.run.path.name,
                           state=sync.incremental().summary())
    sync.run.publish()
    return summary


STEP_FUNCTIONS: dict[str, Callable[[SyncRun], dict]] = {
    "extract": extract, "enrich": enrich, "validate": validate, "transform": transform, "load": load,
}


def run_step(sync: SyncRun, step: str) -> dict:
    """Run one step and save its report beside its artifacts (also when the step fails with a report)."""
    started = time.monotonic()
    try:
        result = STEP_FUNCTIONS[step](sync)
    except Exception as error:
        partial = getattr(error, "report", None)
        if isinstance(partial, dict):
            sync.run.save_report(step, {**partial, "failed": str(error)})
        raise
    result.setdefault("duration_s", round(time.monotonic() - started, 3))
    return sync.run.save_report(step, result)


def run_sync(sync: SyncRun) -> dict:
    """All five steps then the report, in one process (CLI, benchmarks)."""
    try:
        for step in STEPS:
            run_step(sync, step)
    finally:
        summary = report(sync)
    return summary
