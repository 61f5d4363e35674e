"""The run-level side of a sharded step (`steps.shards`), on a `pipeline.SyncRun`: a step's shards merged into
the run's folder, validate's decision for the whole run, and the log line of a load resumed by a retry.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from icecat_akeneo.artifacts import Step, step_dir
from icecat_akeneo.steps.shards import SHARDS_DIR

if TYPE_CHECKING:
    from icecat_akeneo.pipeline import SyncRun

log = logging.getLogger(__name__)


def merge_shards(sync: SyncRun, step: Step | str) -> dict | None:
    """The run-level report and artifacts of `step` from its shards (None for a one-shard run). Validate's
    ratio is recomputed over the run's products and compared with `failure_ratio` here."""
    from icecat_akeneo.steps.shards import merge_step, run_failure_ratio

    decide = run_failure_ratio(float(sync.params["failure_ratio"])) if Step(step) == Step.VALIDATE else None
    return merge_step(sync.run.path, step, sync.shards, decide=decide)


def validated(sync: SyncRun) -> dict:
    """After every shard's validate: fail the run (`ValidationFailed`) when more than `failure_ratio` of all
    its products were quarantined."""
    from icecat_akeneo.steps.validate import ValidationFailed

    merged = merge_shards(sync, Step.VALIDATE)
    sync.run.publish(Step.VALIDATE)
    if merged is not None and merged.get("status") == "failed":
        raise ValidationFailed(merged)
    return {"shards": sync.shards, "quarantined": (merged or sync.run.step_report(Step.VALIDATE)).get("quarantined")}


LOAD_BEGUN = "begun"
"""Written in the load folder before the first line is sent: a later try finding it knows it resumes, also when
the earlier one was SIGKILLed before writing any result (its results stream is renamed into place only at the
end) or before the state store was flushed."""


def begin_load(sync: SyncRun) -> bool:
    """Mark this (shard's) load as begun; True when an earlier try had begun it (a killed worker, a task
    cleared and rerun)."""
    marker = step_dir(sync.run.path, Step.LOAD) / LOAD_BEGUN
    resumed = marker.exists()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return resumed


def log_resumed_load(sync: SyncRun, report: dict, *, resumed: bool) -> None:
    """Say in the task log what a load that ran before (a killed worker, a task cleared and rerun) resumed."""
    if not (resumed or report["lines_skipped_already_accepted"]):
        return
    where = f"shard {SHARDS_DIR}/{sync.run.path.name}" if sync.run.path.parent.name == SHARDS_DIR else "the whole run"
    log.warning("client %s, run %s, %s: load resumed after an earlier try: %d lines Akeneo had already accepted "
                "(recorded in the state store) not sent again, %d lines sent (PATCH is idempotent: a value sent "
                "twice is stored once), %d media reused, not uploaded again", sync.mapping.client,
                sync.run.run_id or sync.run.path.name, where, report["lines_skipped_already_accepted"],
                report["lines"], report["media"]["reused"])
