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

Every step first takes the client's sync lock (`state.lock.RunLease`, re-entrant for the same run id: every
shard holds it); the last shard's load and the report give it back: two runs of one client never overlap.

Extract cuts the selection into shards (`steps.shards`); the other steps run per shard (`run_step(..., shard)`:
one Airflow mapped task each) or on every shard in turn (the CLI); `run_shards` merges them for the run.
Settings for the two APIs are resolved lazily: a step that does not talk to an API never asks for its Connection.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from icecat_akeneo.artifacts import STEPS, Step
from icecat_akeneo.breaker import ApiUnavailable
from icecat_akeneo.gc_pauses import fewer_gc_passes
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.pools import Api, pool_limit, share
from icecat_akeneo.run_folder import RunFolder
from icecat_akeneo.steps.shards import SHARDS_DIR, WHOLE_RUN, every_shard_loaded, split_selection

if TYPE_CHECKING:
    from icecat_akeneo.akeneo.client import AkeneoSettings
    from icecat_akeneo.icecat.client import IcecatSettings
    from icecat_akeneo.incremental import IncrementalRun
    from icecat_akeneo.state import StateStore
    from icecat_akeneo.state.lock import RunLease

STATE_URL_ENV = "ICECAT_AKENEO_STATE_URL"
ICECAT_CACHE = "icecat-cache"
"""The Icecat cache's folder beside the client's runs (pulled/published around each enrich on an object store)."""


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
    shard_count: int = 1  # shards of the run that may run at once (1 for extract): divides the APIs' limits
    clients_sharing: Mapping[str, int] = field(default_factory=dict)  # api -> clients on this Connection
    task_slots: int | None = None  # tasks the deployment runs at once (Airflow's core.parallelism); None: unbounded

    def concurrency(self, api: Api, connection_max: int | None) -> int:
        """The run param's concurrency, capped by this task's share of the Connection's pool (`pools`)."""
        limit = pool_limit(api, connection_max)
        return min(int(self.params[f"{api}_concurrency"]),
                   share(limit, self.shard_count, self.clients_sharing.get(api, 1), self.task_slots))

    @cached_property
    def akeneo(self) -> AkeneoSettings:
        settings = self.resolve_akeneo()
        return replace(settings, max_concurrency=self.concurrency("akeneo", settings.max_concurrency))

    @cached_property
    def shards(self) -> list[str]:
        from icecat_akeneo.steps.shards import shards_of

        return shards_of(self.run.path)

    def for_shard(self, shard: str) -> SyncRun:
        """This run on one shard's folder (same lock, state and settings); the run itself for its one shard."""
        if shard == WHOLE_RUN:
            return self
        part = replace(self, run=self.run.shard(shard), shard_count=len(self.shards))
        part.__dict__.update({name: self.__dict__[name] for name in ("state", "lease") if name in self.__dict__})
        return part

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

        return RunLease(self.state, self.run.run_id or self.run.path.name)

    def incremental(self) -> IncrementalRun:
        from icecat_akeneo.incremental import IncrementalRun

        return IncrementalRun(self.state, self.mapping, self.run.path, heartbeat=self.lease.beat,
                              manual_edits_win=bool(self.params.get("manual_edits_win", True)))

    @cached_property
    def icecat(self) -> IcecatSettings:
        """The Connection's settings with the run's concurrency, what its mapping reads, the client's cache."""
        from icecat_akeneo.sources import scope_of_mapping

        settings = self.resolve_icecat()
        return replace(settings, max_concurrency=self.concurrency("icecat", settings.max_concurrency),
                       cache_dir=settings.cache_dir or str(self.run.pull_client_folder(ICECAT_CACHE)),
                       record_scope=scope_of_mapping(self.mapping))


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
    report["shards"] = sync.__dict__["shards"] = split_selection(sync.run.path, int(sync.params["shard_size"]))
    sync.run.publish(SHARDS_DIR)
    return {**report, "events": sync.params["events"]} if identifiers else report


def enrich(sync: SyncRun) -> dict:
    """Look products up (pending ones only when the daily index lists them), then keep their state and ask
    Icecat once per product to create the content it lacks."""
    from icecat_akeneo.steps.enrich import run_enrich
    from icecat_akeneo.unchanged import unchanged_of_run

    incremental = sync.incremental()
    report = run_enrich(sync.icecat, sync.run.path, list(sync.mapping.languages), pending=incremental.pending(),
                        unchanged=unchanged_of_run(sync))
    report = {**report, **incremental.after_enrich(sync.icecat)}
    sync.run.publish_client_folder(ICECAT_CACHE)
    return report


def validate(sync: SyncRun) -> dict:
    """A shard is never failed on its own share of quarantined products (`validated` decides); skipped count."""
    from icecat_akeneo.steps.validate import ValidationFailed, run_validate
    from icecat_akeneo.unchanged import skipped_unchanged

    try:
        return run_validate(sync.run.path, sync.mapping, failure_ratio=float(sync.params["failure_ratio"]),
                            unchanged=skipped_unchanged(sync.run.path))
    except ValidationFailed as failed:
        if sync.shard_count == 1:
            raise
        return failed.report
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
    from icecat_akeneo.media_claims import ClaimingRegistry
    from icecat_akeneo.run_shards import begin_load, log_resumed_load
    from icecat_akeneo.steps.dry_run import run_dry_run
    from icecat_akeneo.steps.load import TOO_LARGE, record_failed_attempt, run_load
    from icecat_akeneo.unchanged import mark_after_load

    if sync.params.get("dry_run"):
        return run_dry_run(sync.run.path)
    incremental = sync.incremental()
    media = ClaimingRegistry(incremental, sync.state.engine, sync.mapping.client)  # one upload across shards
    before = completeness.measure(sync.akeneo, sync.run.path)
    resumed = begin_load(sync)  # an earlier try (killed worker, cleared task) got this far
    try:
        report = run_load(sync.akeneo, sync.run.path, on_line_result=incremental.on_line_result,
                          line_filter=incremental.line_filter, before_lines=incremental.load_lines,
                          media_registry=media, media_policy=sync.icecat.media_policy)
    except Exception as error:
        record_failed_attempt(sync.run.path, error)
        raise
    finally:
        incremental.flush()
        media.close()
    completeness.save_after_load(sync.akeneo, sync.run.path, before, wrote=report["writes"] > 0)
    report["products_marked_unchanged"] = mark_after_load(sync)
    log_resumed_load(sync, report, resumed=resumed)
    undelivered = report["lines_not_delivered_by_status"]
    if set(undelivered) - {str(TOO_LARGE)}:  # a 413 fails the run (report) but a retry would get it again
        raise LoadIncomplete(f"client {sync.mapping.client}, run {sync.run.run_id or sync.run.path.name}: "
                             f"{report['lines_not_delivered']} lines were not delivered to Akeneo (by status: "
                             f"{undelivered}; 0 = no answer); see load/refused.parquet", report)
    return report


def report(sync: SyncRun) -> dict:
    """Merge the shards (pulled first from an object store), then write the one report of the run."""
    from icecat_akeneo.run_shards import merge_shards
    from icecat_akeneo.steps.report import EXPORTS_DIR, write_report

    try:
        for shard in sync.shards:
            sync.run.shard(shard)
        for step in STEPS[1:]:
            if merge_shards(sync, step) is not None:
                sync.run.publish(step)
        summary = write_report(sync.run.path, client=sync.mapping.client, run_id=sync.run.path.name,
                               state=sync.incremental().summary(), params=sync.params, data_interval=sync.interval,
                               coverage_of=sync.mapping)
        sync.run.publish()
        sync.run.publish(EXPORTS_DIR)
    finally:  # a run that failed before the end of its load gives the client back here
        sync.lease.release()
    return summary


STEP_FUNCTIONS: dict[Step, Callable[[SyncRun], dict]] = dict(
    zip(STEPS, (extract, enrich, validate, transform, load), strict=True))


def run_step(sync: SyncRun, step: Step | str, shard: str | None = None) -> dict:
    """Run one step and save its report beside its artifacts (also when the step fails: `status: failed`).
    After extract, a step runs on one `shard`, or without one on every shard in turn (then validate's
    run-level check too); the lock is given back once the last shard's load is done."""
    if Step(step) != Step.EXTRACT and shard is None:
        from icecat_akeneo.run_shards import validated

        reports = {name: run_step(sync, step, name) for name in sync.shards}
        if Step(step) == Step.VALIDATE:
            validated(sync)
        return reports[WHOLE_RUN] if list(reports) == [WHOLE_RUN] else {"shards": reports}
    part = sync if shard is None else sync.for_shard(shard)
    started = time.monotonic()
    try:
        part.lease.acquire(float(sync.params.get("lock_wait_s") or 0))  # re-entrant: a retried or cleared step
        with fewer_gc_passes():  # every step churns through short-lived objects (gc_pauses.py)
            result = STEP_FUNCTIONS[Step(step)](part)
        if Step(step) == Step.LOAD and every_shard_loaded(sync.run.path, sync.shards, but=shard):
            part.lease.release()
    except Exception as error:  # the report names every failure, also those without a partial report
        partial = getattr(error, "report", None)
        part.run.save_report(step, {**(partial if isinstance(partial, dict) else {}), "status": "failed",
                                    "failed": str(error)})
        raise
    result.setdefault("duration_s", round(time.monotonic() - started, 3))
    return part.run.save_report(step, {**result, **({"shard": shard} if part is not sync else {})})


def run_sync(sync: SyncRun, *, stop_on_failure: bool = False) -> dict:
    """All five steps then the report, in one process (CLI, benchmarks). A failing step ends the steps; the report
    is written either way, the error raised after it unless `stop_on_failure` (the CLI `sync`: status tells)."""
    try:
        for step in STEPS:
            run_step(sync, step)
    except Exception:
        if not stop_on_failure:
            report(sync)
            raise
    return report(sync)
