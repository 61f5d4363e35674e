"""Shards: a run's selection cut into parts of at most `shard_size` products, so enrich, validate, transform and
load can run as one task per part on whichever worker is free.

A shard is a folder laid out like a run folder (`<run>/shards/<nnnn>/extract/products.parquet` + the run's
`taxonomy.json`), so every step's code runs on it unchanged. A selection that fits in one shard is not copied:
its one shard is the run folder itself (`.`). The cut is deterministic (extract's order, fixed-size slices)
and recorded in `extract/shards.json`, so a retried or cleared task of the run finds the same shards.

After a step ran on every shard, `merge_step` writes the run-level view of it (the step's report, with each
shard's report under `shards`, and its Parquet artifacts concatenated) into `<run>/<step>/`: the report, the
UI and the exports read a sharded run exactly like an unsharded one.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from icecat_akeneo.artifacts import (
    AKENEO_API,
    ASSETS,
    COMPLETENESS,
    DRY_RUN_DIFF,
    FAMILY_VARIANTS,
    LOOKUPS,
    MANUAL_EDITS,
    MEDIA,
    PRODUCT_MODELS,
    PRODUCTS,
    QUARANTINE,
    RECORDS,
    REFUSED,
    REJECTED,
    RESULTS,
    SHARDS,
    TAXONOMY,
    Artifact,
    Step,
    step_report,
)
from icecat_akeneo.steps.batches import READ_ROWS, row_chunks

SHARDS_DIR = "shards"
WHOLE_RUN = "."
"""The one shard of a selection that fits in one: the run folder itself."""
MERGED_ARTIFACTS = (RECORDS, LOOKUPS, QUARANTINE, MEDIA, ASSETS, REJECTED, MANUAL_EDITS, RESULTS, REFUSED,
                    DRY_RUN_DIFF)
NOT_SUMMED = ("ratio", "concurrency")
"""Report numbers that are rates or settings, not counts: the merge keeps the largest shard value."""


def shard_dir(run_dir: Path, shard: str) -> Path:
    return run_dir if shard == WHOLE_RUN else run_dir / shard


def split_selection(run_dir: Path, shard_size: int) -> list[str]:
    """Cut `extract/products.parquet` into shards of at most `shard_size` products (streamed, a record batch at a
    time) and record them in `extract/shards.json`; returns the shard names (relative folders)."""
    if shard_size < 1:
        raise ValueError(f"shard_size must be at least 1, got {shard_size}")
    source = pq.ParquetFile(PRODUCTS.path(run_dir))
    total = source.metadata.num_rows
    # A product model's values are chosen among all its variants (`model_values.py`): a selection holding
    # variant products is not cut, so no two shards ever write one model.
    count = 1 if _has_product_models(run_dir) else max(1, -(-total // shard_size))
    names = [WHOLE_RUN] if count == 1 else [f"{SHARDS_DIR}/{n:04d}" for n in range(1, count + 1)]
    _drop_stale_shards(run_dir, names)
    if count > 1:
        _write_slices(run_dir, names, shard_size)
    manifest = {"shard_size": shard_size, "products": total, "shards": names}
    SHARDS.path(run_dir).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return names


def _write_slices(run_dir: Path, names: list[str], shard_size: int) -> None:
    # a row group at a time, its buffers given back (`row_chunks`): the whole file's `iter_batches` kept every
    # decoded group, and a rerun's products carry their written values (783 MB RSS at 100k products)
    chunks = row_chunks(PRODUCTS.path(run_dir), None, READ_ROWS)
    rows = (row for batch in chunks for row in batch.to_pylist())
    for name in names:
        folder = run_dir / name
        with PRODUCTS.stream(folder) as out:
            for row in rows:
                out.add(row)
                if out.rows_written == shard_size:
                    break
        for shared in (TAXONOMY, AKENEO_API, FAMILY_VARIANTS):   # what every shard's steps read of the run
            if shared.path(run_dir).exists():
                shutil.copyfile(shared.path(run_dir), shared.path(folder))
        step_report(folder, Step.EXTRACT).write_text(json.dumps({"products": out.rows_written}), encoding="utf-8")


def _has_product_models(run_dir: Path) -> bool:
    path = PRODUCT_MODELS.path(run_dir)
    return path.exists() and pq.ParquetFile(path).metadata.num_rows > 0


def _drop_stale_shards(run_dir: Path, names: Sequence[str]) -> None:
    """A re-extract with fewer products leaves no shard of the older cut behind."""
    folder = run_dir / SHARDS_DIR
    for old in sorted(folder.glob("*")) if folder.exists() else []:
        if f"{SHARDS_DIR}/{old.name}" not in names:
            shutil.rmtree(old)


def shards_of(run_dir: Path) -> list[str]:
    """The shards extract cut the run into (the run itself when extract predates sharding)."""
    path = SHARDS.path(run_dir)
    return json.loads(path.read_text(encoding="utf-8"))["shards"] if path.exists() else [WHOLE_RUN]


def merge_reports(reports: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One report for the run out of its shards' reports: counts add up (also nested, e.g. lines by status),
    rates and settings keep the largest value, the status is `failed` if any shard failed, other values the
    first shard's (lists: every shard's, unless all are equal)."""
    merged: dict[str, Any] = {}
    for report in reports:
        for key, value in report.items():
            merged[key] = _merge_value(key, merged[key], value) if key in merged else value
    return merged


def _merge_value(key: str, ours: Any, theirs: Any) -> Any:
    if key == "status":
        return "failed" if "failed" in (ours, theirs) else ours
    if key == "failed":
        return f"{ours}; {theirs}"
    if isinstance(ours, dict) and isinstance(theirs, dict):
        merged = dict(ours)
        for name, value in theirs.items():
            merged[name] = _merge_value(name, merged[name], value) if name in merged else value
        return merged
    if _is_number(ours) and _is_number(theirs):
        return max(ours, theirs) if any(word in key for word in NOT_SUMMED) else ours + theirs
    if isinstance(ours, list) and isinstance(theirs, list):
        return ours if ours == theirs else ours + theirs
    return ours


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _relative_paths(value: Any, shard: Path, run_dir: Path) -> Any:
    """A shard's artifact paths named as the run's merged artifacts (`<run>/<step>/x`)."""
    if isinstance(value, str):
        return value.replace(str(shard), str(run_dir))
    if isinstance(value, dict):
        return {key: _relative_paths(item, shard, run_dir) for key, item in value.items()}
    return value


def shard_reports(run_dir: Path, step: Step | str, shards: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each shard's saved report of `step` (`status: not run` when it has none)."""
    found = {}
    for shard in shards:
        path = step_report(shard_dir(run_dir, shard), step)
        found[shard] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"status": "not run"}
    return found


def merge_step(run_dir: Path, step: Step | str, shards: Sequence[str],
               decide: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """Write the run-level report and artifacts of `step` from its shards; None (nothing to do) for a run that
    is its own one shard. `decide` returns what the whole run decides (validate's failure ratio)."""
    if list(shards) == [WHOLE_RUN]:
        return None
    per_shard = shard_reports(run_dir, step, shards)
    merged = merge_reports(_relative_paths(report, run_dir / shard, run_dir) for shard, report in per_shard.items())
    statuses = {report.get("status") for report in per_shard.values()}
    merged.pop("status", None)
    merged.pop("shard", None)
    merged |= next(({"status": status} for status in ("failed", "not run") if status in statuses), {})
    merged = {**merged, **(decide(merged) if decide else {}), "shards": per_shard}
    for artifact in (a for a in MERGED_ARTIFACTS if a.step == Step(step)):
        _concatenate(artifact, run_dir, shards)
    if Step(step) == Step.LOAD:
        _merge_completeness(run_dir, shards)
    path = step_report(run_dir, step)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2, default=str), encoding="utf-8")
    return merged


def run_failure_ratio(failure_ratio: float) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Validate's decision for the whole run: the share quarantined among every shard's products, failed above
    `failure_ratio` (a shard alone is never failed on its part: its bad products may be the run's few). The
    products skipped as unchanged count as passed, as in one shard's own ratio (they passed when last built)."""
    from icecat_akeneo.steps.validate import ValidationFailed

    def decide(merged: dict[str, Any]) -> dict[str, Any]:
        judged = merged.get("checked", 0) + merged.get("unchanged_skipped", 0)
        if not judged:
            return {}
        ratio = merged["quarantined"] / judged
        decided = {**merged, "quarantined_ratio": round(ratio, 4), "failure_ratio": failure_ratio}
        return {**decided, **({"status": "failed", "failed": str(ValidationFailed(decided))}
                              if ratio > failure_ratio else {})}

    return decide


def every_shard_loaded(run_dir: Path, shards: Sequence[str], *, but: str | None) -> bool:
    """True when every shard other than `but` (whose report is not saved yet) finished its load."""
    reports = shard_reports(run_dir, Step.LOAD, [name for name in shards if name != but])
    return all(report.get("status") not in ("failed", "not run") for report in reports.values())


def _merge_completeness(run_dir: Path, shards: Sequence[str]) -> None:
    """`load/completeness.json` of the run: products and complete ones added up, averages weighted by products;
    a moment (before / after) some shard could not read is unknown (null) for the run."""
    saved = [json.loads(p.read_text(encoding="utf-8")) for p in (COMPLETENESS.path(run_dir / s) for s in shards)
             if p.exists()]
    if not saved:
        return
    merged: dict[str, Any] = {}
    for moment in ("before", "after"):
        parts = [document.get(moment) for document in saved]
        merged[moment] = None if None in parts or len(parts) < len(shards) else _weighted(parts)
    COMPLETENESS.path(run_dir).parent.mkdir(parents=True, exist_ok=True)
    COMPLETENESS.path(run_dir).write_text(json.dumps(merged, indent=1), encoding="utf-8")


def _weighted(summaries: list[dict[str, dict[str, dict[str, float]]]]) -> dict[str, dict[str, dict[str, float]]]:
    totals: dict[str, dict[str, dict[str, float]]] = {}
    for summary in summaries:
        for channel, locales in summary.items():
            for locale, cell in locales.items():
                total = totals.setdefault(channel, {}).setdefault(locale, {"products": 0, "complete": 0, "sum": 0.0})
                total["products"] += cell["products"]
                total["complete"] += cell["complete"]
                total["sum"] += cell["average"] * cell["products"]
    return {channel: {locale: {"products": cell["products"], "complete": cell["complete"],
                               "average": round(cell["sum"] / cell["products"], 1) if cell["products"] else 0.0}
                      for locale, cell in locales.items()} for channel, locales in totals.items()}


def _concatenate(artifact: Artifact, run_dir: Path, shards: Sequence[str]) -> None:
    """The shards' files of `artifact` as one, copied a row group at a time as Arrow tables (no Python rows),
    each group's buffers given back before the next: memory stays flat for any catalogue."""
    parts = [artifact.path(run_dir / shard) for shard in shards if artifact.path(run_dir / shard).exists()]
    if not parts:
        return
    pool = pa.default_memory_pool()
    with artifact.stream(run_dir) as out:
        for part in parts:
            parquet = pq.ParquetFile(part)
            for group in range(parquet.metadata.num_row_groups):
                out.add_table(parquet.read_row_group(group))
                pool.release_unused()
