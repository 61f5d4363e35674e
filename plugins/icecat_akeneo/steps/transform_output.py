"""The transform's output files (NDJSON batches of PATCH lines, media and rejected rows) and its report counts.

Kept apart from `steps.transform` (what a product's values are) so the writer is one small thing to read:
every line, media row and rejection goes out as it is made, nothing is held for the whole catalogue.
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.lines import write_ndjson
from icecat_akeneo.artifacts import BATCH_GLOB, ParquetStream, Step, batch_path, step_dir
from icecat_akeneo.diff import Values
from icecat_akeneo.values import ValueRejected

NOT_LOCALIZED = "(no locale)"


class _BatchWriter:
    """NDJSON files of at most `batch_size` lines (the `akeneo.lines` codec), one product per line."""

    def __init__(self, run_dir: Path, batch_size: int) -> None:
        self.run_dir, self.batch_size = run_dir, batch_size
        self.paths: list[Path] = []
        self.pending: list[dict[str, Any]] = []
        self.lines = 0
        for stale in step_dir(run_dir, Step.TRANSFORM).glob(BATCH_GLOB):
            stale.unlink()

    def write(self, line: dict[str, Any]) -> None:
        self.pending.append(line)
        self.lines += 1
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.paths.append(batch_path(self.run_dir, len(self.paths) + 1))
            write_ndjson(self.paths[-1], self.pending)
            self.pending = []


class TransformOutputs:
    """The transform's files (NDJSON batches, media and rejected rows) and the counts for its report."""

    def __init__(self, run_dir: Path, batch_size: int, media: ParquetStream, rejected: ParquetStream,
                 assets: ParquetStream | None = None) -> None:
        self.writer, self.media, self.rejected = _BatchWriter(run_dir, batch_size), media, rejected
        self.assets = assets
        self.counts: Counter[str] = Counter()
        self.per_attribute: Counter[str] = Counter()
        self.per_locale: Counter[str] = Counter()
        self.rejected_by_reason: Counter[str] = Counter()

    def add(self, identifier: str, values: Values, media: list[dict[str, Any]], rejections: list[ValueRejected],
            associations: dict[str, Any] | None = None) -> None:
        """One product's outcome; its PATCH line carries `associations` only when related products are linked."""
        self.media.extend({"identifier": identifier, **row} for row in media if "urls" not in row)
        if self.assets is not None:
            self.assets.extend({"identifier": identifier, **row} for row in media if "urls" in row)
        self.rejected.extend({"identifier": identifier, "attribute": rejection.attribute,
                              "locale": rejection.locale, "scope": rejection.scope, "kind": rejection.kind,
                              "message": rejection.reason} for rejection in rejections)
        self.rejected_by_reason.update(rejection.kind for rejection in rejections)
        if not values and not associations:
            self.counts["without_values"] += 1
            return
        self.writer.write({"identifier": identifier, "values": values, **({"associations": associations}
                                                                           if associations else {})})
        for attribute, entries in values.items():
            self.per_attribute[attribute] += len(entries)
            self.per_locale.update(entry["locale"] or NOT_LOCALIZED for entry in entries)

    def report(self, started: float) -> dict[str, Any]:
        self.writer.flush()
        return {
            "products": self.counts["products"],
            "skipped_quarantined": self.counts["skipped_quarantined"],
            "products_without_values": self.counts["without_values"],
            "lines": self.writer.lines,
            "batches": len(self.writer.paths),
            "values_per_attribute": dict(sorted(self.per_attribute.items())),
            "values_per_locale": dict(sorted(self.per_locale.items())),
            "rejected": self.rejected.rows_written,
            "rejected_by_reason": dict(self.rejected_by_reason.most_common()),
            "media_rows": self.media.rows_written,
            "asset_collection_rows": self.assets.rows_written if self.assets is not None else 0,
            "duration_s": round(time.monotonic() - started, 3),
            "artifacts": {"batches": [str(path) for path in self.writer.paths], "media": str(self.media.path),
                          "rejected": str(self.rejected.path)},
        }
