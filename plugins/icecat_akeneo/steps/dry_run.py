"""Dry run: what the sync would change in Akeneo, value by value (before -> after), without writing.

It compares the PATCH lines the transform built with the values the products held when extract read them,
so a PIM manager can review a client's first sync (or a mapping change) before anything is sent.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.lines import read_ndjson, write_ndjson
from icecat_akeneo.artifacts import ASSETS, DRY_RUN_DIFF, DRY_RUN_DIFF_NDJSON, MEDIA, batch_files
from icecat_akeneo.steps.extract import current_values


def _keyed(values: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str | None, str | None], Any]:
    return {(attribute, v.get("locale"), v.get("scope")): v.get("data")
            for attribute, entries in values.items() for v in entries}


def _render(data: Any) -> str | None:
    return None if data is None else json.dumps(data, ensure_ascii=False, sort_keys=True)


def value_changes(identifier: str, current: dict, desired: dict) -> list[dict[str, Any]]:
    """One row per value the PATCH would add or change; identical values are not changes."""
    before = _keyed(current)
    rows = []
    for key, data in sorted(_keyed(desired).items(), key=lambda item: tuple(str(part) for part in item[0])):
        if key in before and _render(before[key]) == _render(data):
            continue
        rows.append({"identifier": identifier, "attribute": key[0], "locale": key[1], "scope": key[2],
                     "change": "changed" if key in before else "added",
                     "before": _render(before.get(key)), "after": _render(data)})
    return rows


def run_dry_run(run_dir: str | Path) -> dict[str, Any]:
    """Write `load/dry_run_diff.parquet` (+ a readable `.ndjson` twin) from the transform's batches."""
    run_dir = Path(run_dir)
    current = current_values(run_dir)
    rows: list[dict[str, Any]] = []
    for batch in batch_files(run_dir):
        for body in read_ndjson(batch):
            rows += value_changes(body["identifier"], current.get(body["identifier"], {}), body["values"])
    for row in MEDIA.rows(run_dir):
        rows.append({"identifier": row["identifier"], "attribute": row["attribute"], "locale": row["locale"],
                     "scope": row["scope"], "change": "media", "before": None, "after": row["url"]})
    for row in ASSETS.rows(run_dir):   # the files to become assets of a collection, in order
        rows.append({"identifier": row["identifier"], "attribute": row["attribute"], "locale": row["locale"],
                     "scope": row["scope"], "change": "assets", "before": None, "after": _render(row["urls"])})
    diff = DRY_RUN_DIFF.write(run_dir, rows)
    readable = DRY_RUN_DIFF_NDJSON.path(run_dir)
    write_ndjson(readable, rows)
    return {
        "dry_run": True,
        "lines": 0,
        "products_changed": len({row["identifier"] for row in rows}),
        "values_by_change": dict(Counter(row["change"] for row in rows)),
        "artifacts": {"diff": str(diff), "diff_ndjson": str(readable)},
    }
