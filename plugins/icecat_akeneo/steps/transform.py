"""Transform step: normalized Icecat records -> one Akeneo PATCH body per product, in NDJSON batches.

Each value is converted and checked against the client's taxonomy BEFORE it leaves (attribute exists,
locale activated and bound to the channel, option codes, lengths, units, file extensions): a value that
would be refused goes to `transform/rejected.parquet` with the reason, so one bad value never turns a whole
product line into a 422. Image/file values cannot be sent inline (Akeneo wants a media-file code), so they
become rows of `transform/media.parquet` for the load step to download and upload.

`desired.desired_values` is the pure core (one product's records -> values, media, rejections); the file
writer around it only reads the previous steps' artifacts and writes batches, so a later filter (e.g. a partial
PATCH that keeps only changed values) can sit between the two.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.lines import write_ndjson
from icecat_akeneo.artifacts import (
    BATCH_GLOB,
    LOOKUPS,
    MEDIA,
    QUARANTINE,
    RECORDS,
    REJECTED,
    TAXONOMY,
    Step,
    batch_path,
    step_dir,
)
from icecat_akeneo.associations import CatalogLinks
from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.desired import Values, desired_values
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.icecat.record import ProductRecord, record_from_row
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.progress import Progress

NOT_LOCALIZED = "(no locale)"


# --- the file writer ----------------------------------------------------------------------------------------

def _records_by_product(run_dir: Path) -> dict[str, list[ProductRecord]]:
    products: dict[str, list[ProductRecord]] = {}
    for row in RECORDS.rows(run_dir):
        products.setdefault(row["identifier"], []).append(record_from_row(row))
    return products


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


def _taxonomy_of(run_dir: Path, taxonomy: Taxonomy | dict[str, Any] | None) -> Taxonomy:
    if taxonomy is None:
        taxonomy = json.loads(TAXONOMY.path(run_dir).read_text(encoding="utf-8"))
    return taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy)


def _line(identifier: str, values: Values, associations: dict[str, Any]) -> dict[str, Any]:
    """One product's PATCH line; `associations` only when related products are to be linked."""
    return {"identifier": identifier, "values": values, **({"associations": associations} if associations else {})}


def run_transform(run_dir: str | Path, mapping: ClientMapping, *, batch_size: int = 100,
                  taxonomy: Taxonomy | dict[str, Any] | None = None,
                  values_to_send: Callable[[str, Values], Values] | None = None) -> dict[str, Any]:
    """Write `transform/batch-*.ndjson`, `media.parquet`, `rejected.parquet`; return the step report.

    `values_to_send(identifier, desired)` narrows a product's values to what must be PATCHed (incremental
    sync); without it every desired value is sent."""
    started = time.monotonic()
    run_dir = Path(run_dir)
    taxonomy = _taxonomy_of(run_dir, taxonomy)
    step_dir(run_dir, Step.TRANSFORM).mkdir(parents=True, exist_ok=True)
    quarantined = {row["identifier"] for row in QUARANTINE.rows(run_dir)}
    found = {row["identifier"] for row in LOOKUPS.rows(run_dir) if row.get("outcome") == Outcome.FOUND}
    products = _records_by_product(run_dir)
    if found:
        products = {identifier: records for identifier, records in products.items() if identifier in found}
    links = CatalogLinks.of_run(run_dir) if mapping.associations else None
    writer = _BatchWriter(run_dir, batch_size)
    media_rows: list[dict[str, Any]] = []
    rejected_rows: list[dict[str, Any]] = []
    per_attribute: Counter[str] = Counter()
    per_locale: Counter[str] = Counter()
    without_values, progress = 0, Progress("transform", len(products), unit="products")
    for identifier, records in products.items():
        progress.advance()
        if identifier in quarantined:
            continue
        values, media, rejections = desired_values(records, mapping, taxonomy)
        if values_to_send is not None:
            values = values_to_send(identifier, values)
        media_rows += [{"identifier": identifier, **row} for row in media]
        rejected_rows += [{"identifier": identifier, "attribute": rejection.attribute,
                           "locale": rejection.locale, "scope": rejection.scope, "kind": rejection.kind,
                           "message": rejection.reason} for rejection in rejections]
        associations = links.to_send(identifier, records, mapping.associations) if links else {}
        if not values and not associations:
            without_values += 1
            continue
        writer.write(_line(identifier, values, associations))
        for attribute, entries in values.items():
            per_attribute[attribute] += len(entries)
            per_locale.update(entry["locale"] or NOT_LOCALIZED for entry in entries)
    writer.flush()
    progress.finish(lines=writer.lines, rejected=len(rejected_rows), media_rows=len(media_rows))
    media_path, rejected_path = MEDIA.write(run_dir, media_rows), REJECTED.write(run_dir, rejected_rows)
    return {
        "products": len(products),
        "skipped_quarantined": len(quarantined & products.keys()),
        "products_without_values": without_values,
        "lines": writer.lines,
        "batches": len(writer.paths),
        "values_per_attribute": dict(sorted(per_attribute.items())),
        "values_per_locale": dict(sorted(per_locale.items())),
        "rejected": len(rejected_rows),
        "rejected_by_reason": dict(Counter(row["kind"] for row in rejected_rows).most_common()),
        "media_rows": len(media_rows),
        "duration_s": round(time.monotonic() - started, 3),
        "artifacts": {"batches": [str(path) for path in writer.paths], "media": str(media_path),
                      "rejected": str(rejected_path)},
    }
