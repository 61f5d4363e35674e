"""The sync run as plain function calls: each step of `icecat_sync__<client>` for one run folder.

Airflow tasks (`icecat_akeneo.tasks`), the CLI (`dry-run`) and the benchmarks all go through here, so the
way a mapping becomes step arguments exists once. Each `pipeline.<step>` is only wiring: the step's logic
lives in its module, what it asks of the state store in `incremental.py`, its files in `artifacts.py`:

| step      | logic                                              | state (`incremental.IncrementalRun`)        |
|-----------|----------------------------------------------------|---------------------------------------------|
| extract   | `steps.extract` (+ `DriftCheck`), `icecat.updates` | `icecat_side_searches`                      |
| enrich    | `steps.enrich`                                     | `pending`, `after_enrich`                   |
| validate  | `steps.validate`                                   | `after_validate`                            |
| transform | `steps.transform` (`values.py`, `catalog/`)        | `values_to_send`, `write_manual_edits`      |
| load      | `steps.load` (`steps.dry_run` for a dry run)       | `line_filter`, `on_line_result`, media      |
| report    | `steps.report`                                     | `summary`                                   |

Settings for the two APIs are resolved lazily: a step that does not talk to Akeneo never asks for its
Connection.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from icecat_akeneo.artifacts import STEPS, Step
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.run_folder import RunFolder

if TYPE_CHECKING:
    from icecat_akeneo.akeneo.client import AkeneoSettings
    from icecat_akeneo.icecat.client import IcecatSettings
    from icecat_akeneo.incremental import IncrementalRun
    from icecat_akeneo.state import StateStore

STATE_URL_ENV = "ICECAT_AKENEO_STATE_URL"


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


def extract(sync: SyncRun) -> dict:
    """The selection (whole, or updated in the run's interval plus what changed in Icecat) and the taxonomy."""
    from icecat_akeneo.steps.extract import DriftCheck, run_extract

    interval = None if sync.params.get("full_refresh", True) else sync.interval
    more = sync.incremental().icecat_side_searches(sync.icecat) if interval else ()
    return run_extract(sync.akeneo, sync.run.path, search=sync.mapping.akeneo_search(interval),
                       scopes=sync.mapping.scopes, locales=sorted(set(sync.mapping.languages.values())),
                       identifier_attributes=sync.mapping.identifiers.model_dump(), more_searches=more,
                       drift_check=DriftCheck(sync.mapping, sync.run.client_root),
                       sample_size=int(sync.params.get("sample_size") or 0))


def enrich(sync: SyncRun) -> dict:
    """Look products up (pending ones only when the daily index lists them), then keep their state and ask
    Icecat once per product to create the content it lacks."""
    from icecat_akeneo.steps.enrich import run_enrich

    incremental = sync.incremental()
    report = run_enrich(sync.icecat, sync.run.path, list(sync.mapping.languages), pending=incremental.pending())
    return {**report, **incremental.after_enrich(sync.icecat)}


def validate(sync: SyncRun) -> dict:
    from icecat_akeneo.steps.validate import run_validate

    try:
        return run_validate(sync.run.path, sync.mapping, failure_ratio=float(sync.params["failure_ratio"]))
    finally:
        sync.incremental().after_validate()


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


STEP_FUNCTIONS: dict[Step, Callable[[SyncRun], dict]] = {
    Step.EXTRACT: extract, Step.ENRICH: enrich, Step.VALIDATE: validate, Step.TRANSFORM: transform, Step.LOAD: load,
}


def run_step(sync: SyncRun, step: Step | str) -> dict:
    """Run one step and save its report beside its artifacts (also when the step fails with a report)."""
    started = time.monotonic()
    try:
        result = STEP_FUNCTIONS[Step(step)](sync)
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
