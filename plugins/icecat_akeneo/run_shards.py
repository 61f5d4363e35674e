"""The run-level side of a sharded step (`steps.shards`), on a `pipeline.SyncRun`: a step's shards merged into
the run's folder, and validate's decision for the whole run.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from icecat_akeneo.artifacts import Step

if TYPE_CHECKING:
    from icecat_akeneo.pipeline import SyncRun


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
