"""The sync run as plain function calls: each step of `icecat_sync__<client>` for one run folder.

Airflow tasks (`icecat_akeneo.tasks`), the CLI (`dry-run`) and the benchmarks all go through here, so the
way a mapping becomes step arguments exists once. Each `pipeline.<step>` is only wiring: the step's logic
lives in its module, what it asks of the state store in `incremental.py`, its files in `artifacts.py`:

| step      | logic                                              | state (`incremental.IncrementalRun`)        |
|-----------|----------------------------------------------------|---------------------------------------------|
| extract   | `steps.extract` (+ `DriftCheck`), `icecat.updates` | `icecat_side_searches`                      |
| enrich    | `steps.enrich`                                     | `pending`, `after_enrich`                   |
| validate  | `steps.validate`                                   | `after_validate`                            |
| transform | `steps.transform` (`desired.py`, `values.py`)      | `values_to_send`, `write_manual_edits`      |
| load      | `steps.load` (`steps.dry_run` for a dry run)       | `line_filter`, `on_line_result`, media      |
| report    | `steps.report` (status rule: `report_outcomes`)    | `summary`                                   |

Every step first takes the client's sync lock (`state.lock.RunLease`, re-entrant for the same run id); the
end of the load and the report give it back, so two runs of one client never sync at the same time.

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
from icecat_akeneo.breaker import ApiUnavailable
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.run_folder import RunFolder

if TYPE_CHECKING:
    from icecat_akeneo.akeneo.client import AkeneoSettings
    from icecat_akeneo.icecat.client import IcecatSettings
    from icecat_akeneo.incremental import IncrementalRun
    from icecat_akeneo.state import StateStore
    from icecat_akeneo.state.lock import RunLease

STATE_URL_ENV = "ICECAT_AKENEO_STATE_URL"


class LoadIncomplete(ApiUnavailable):
    """Lines of the load never reached Akeneo's judgement (no answer, 413, 429, 5xx): the load step fails after
    saving its results, so Airflow retries it (transient) and the run is never green with undelivered lines."""

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message)
        self.report = report


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

    @cached_property
    def lease(self) -> RunLease:
        """This run's hold on the client's sync lock (`state.lock`)."""
        from icecat_akeneo.state.lock import RunLease

        return RunLease(self.state, self.run.path.name)

    def incremental(self) -> IncrementalRun:
        from icecat_akeneo.incremental import IncrementalRun

        return IncrementalRun(self.state, self.mapping, self.run.path,
                              manual_edits_win=bool(self.params.get("manual_edits_win", True)),
                              heartbeat=self.lease.beat)

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

    identifiers = sync.params.get("identifiers")
    if identifiers:  # an event run (icecat_sync_new__<client>): only those products, within the selection
        from icecat_akeneo.events.serving import event_searches

        search, *more = event_searches(sync.mapping, identifiers)
    else:
        interval = None if sync.params.get("full_refresh", True) else sync.interval
        search = sync.mapping.akeneo_search(interval)
        more = sync.incremental().icecat_side_searches(sync.icecat) if interval else []
    report = run_extract(sync.akeneo, sync.run.path, search=search,
                         scopes=sync.mapping.scopes, locales=sorted(set(sync.mapping.languages.values())),
                         identifier_attributes=sync.mapping.identifiers.model_dump(), more_searches=more,
                         drift_check=DriftCheck(sync.mapping, sync.run.client_root),
                         sample_size=int(sync.params.get("sample_size") or 0))
    return {**report, "events": sync.params["events"]} if identifiers else report


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
                           values_to_send=incremental.values_to_send, on_batch=incremental.load_batch)
    return {**report, **incremental.write_manual_edits()}


def load(sync: SyncRun) -> dict:
    """Send the lines; fails (`LoadIncomplete`, retried by Airflow) when some never reached Akeneo's judgement.
    Akeneo's completeness of the selection is read just before and after (the report's delta)."""
    from icecat_akeneo import completeness
    from icecat_akeneo.steps.dry_run import run_dry_run
    from icecat_akeneo.steps.load import TOO_LARGE, record_failed_attempt, run_load

    if sync.params.get("dry_run"):
        return run_dry_run(sync.run.path)
    incremental = sync.incremental()
    before = completeness.measure(sync.akeneo, sync.run.path)
    try:
        report = run_load(sync.akeneo, sync.run.path, on_line_result=incremental.on_line_result,
                          line_filter=incremental.line_filter, media_registry=incremental,
                          media_policy=sync.icecat.media_policy)
    except Exception as error:
        record_failed_attempt(sync.run.path, error)
        raise
    finally:
        incremental.flush()
    completeness.save(sync.run.path, before, completeness.measure(sync.akeneo, sync.run.path))
    undelivered = report["lines_not_delivered_by_status"]
    if set(undelivered) - {str(TOO_LARGE)}:  # a 413 fails the run (report) but a retry would get it again
        raise LoadIncomplete(f"client {sync.mapping.client}, run {sync.run.path.name}: "
                             f"{report['lines_not_delivered']} lines were not delivered to Akeneo (by status: "
                             f"{undelivered}; 0 = no answer); see load/refused.parquet", report)
    return report


def report(sync: SyncRun) -> dict:
    from icecat_akeneo.steps.report import write_report

    try:
        summary = write_report(sync.run.path, client=sync.mapping.client, run_id=sync.run.path.name,
                               state=sync.incremental().summary(), params=sync.params, data_interval=sync.interval,
                               coverage_of=sync.mapping)
        sync.run.publish()
    finally:  # a run that failed before the end of its load gives the client back here
        sync.lease.release()
    return summary


STEP_FUNCTIONS: dict[Step, Callable[[SyncRun], dict]] = {
    Step.EXTRACT: extract, Step.ENRICH: enrich, Step.VALIDATE: validate, Step.TRANSFORM: transform, Step.LOAD: load,
}


def run_step(sync: SyncRun, step: Step | str) -> dict:
    """Run one step and save its report beside its artifacts (also when the step fails: `status: failed`)."""
    started = time.monotonic()
    try:
        sync.lease.acquire(float(sync.params.get("lock_wait_s") or 0))  # re-entrant: a retried or cleared step
        result = STEP_FUNCTIONS[Step(step)](sync)
        if Step(step) == Step.LOAD:
            sync.lease.release()
    except Exception as error:  # the report names every failure, also those without a partial report
        partial = getattr(error, "report", None)
        sync.run.save_report(step, {**(partial if isinstance(partial, dict) else {}), "status": "failed",
                                    "failed": str(error)})
        raise
    result.setdefault("duration_s", round(time.monotonic() - started, 3))
    return sync.run.save_report(step, result)


def run_sync(sync: SyncRun, *, stop_on_failure: bool = False) -> dict:
    """All five steps then the report, in one process (CLI, benchmarks). A failing step ends the steps; the
    report is written either way, and the error is raised after it unless `stop_on_failure` keeps it quiet
    (the report's status then tells: the CLI `sync`)."""
    try:
        for step in STEPS:
            run_step(sync, step)
    except Exception:
        if not stop_on_failure:
            report(sync)
            raise
    return report(sync)
