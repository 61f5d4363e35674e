"""Transform step: normalized Icecat records -> one Akeneo PATCH body per product, in NDJSON batches.

Each value is converted and checked against the client's taxonomy BEFORE it leaves (attribute exists,
locale activated and bound to the channel, option codes, lengths, units, file extensions): a value that
would be refused goes to `transform/rejected.parquet` with the reason, so one bad value never turns a whole
product line into a 422. Image/file values cannot be sent inline (Akeneo wants a media-file code), so they
become rows of `transform/media.parquet` for the load step to download and upload.

`desired.desired_values` is the pure core (one product's records -> values, media, rejections); the file writer
around it only reads the previous steps' artifacts and writes batches, so a later filter (e.g. a partial
PATCH that keeps only changed values) can sit between the two.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import (
    ASSETS,
    LOOKUPS,
    MEDIA,
    PRODUCTS,
    QUARANTINE,
    RECORDS,
    REJECTED,
    TAXONOMY,
    Step,
    step_dir,
)
from icecat_akeneo.associations import CatalogLinks
from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.desired import Values, desired_values
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.icecat.record import record_from_row
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.model_values import ModelValues
from icecat_akeneo.progress import Progress
from icecat_akeneo.steps.batches import KeyedStore, parquet_pairs, product_batches
from icecat_akeneo.steps.transform_models import model_values_of_run, write_model_lines
from icecat_akeneo.steps.transform_output import TransformOutputs

PRODUCTS_PER_BATCH, READ_ROWS = 100, 250
"""Products transformed at a time, record rows decoded at a time: a product's records decode into ~0.35 MB of
Python objects (features, images), so the batches of `steps.batches` (200 products, 500 rows) held ~80 MB more
at peak (bench/README.md "scale: memory per step"); the state is still asked once per batch."""

# --- the file writer ----------------------------------------------------------------------------------------

def _keyed_inputs(run_dir: Path, keyed: KeyedStore, *, with_current: bool, with_parents: bool) -> None:
    """What the transform asks per batch: found and quarantined products, (incremental sync, variants) the
    values each product held in Akeneo when extract read it, and (variants) each product's parent model."""
    keyed.put("found", parquet_pairs(LOOKUPS.path(run_dir), "identifier", where=("outcome", Outcome.FOUND)))
    keyed.put("quarantined", parquet_pairs(QUARANTINE.path(run_dir), "identifier"))
    if with_current:
        keyed.put("current", parquet_pairs(PRODUCTS.path(run_dir), "identifier", "values_json"))
    if with_parents:
        keyed.put("parent", parquet_pairs(PRODUCTS.path(run_dir), "identifier", "parent"))


def _current_values(keyed: KeyedStore, identifiers: list[str]) -> dict[str, Values]:
    held = keyed.get_many("current", identifiers)
    return {identifier: json.loads(held.get(identifier) or "{}") for identifier in identifiers}


def _product_rows(run_dir: Path) -> Iterator[dict[str, Any]]:
    """Extract's products with the columns associations link by, streamed."""
    columns = ["brand", "mpn", "icecat_id", "associations_json"]
    return (row for batch in product_batches(PRODUCTS.path(run_dir), columns=columns) for _, rows in batch
            for row in rows)


def _taxonomy_of(run_dir: Path, taxonomy: Taxonomy | dict[str, Any] | None) -> Taxonomy:
    if taxonomy is None:
        taxonomy = json.loads(TAXONOMY.path(run_dir).read_text(encoding="utf-8"))
    return taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy)


@dataclass
class _ProductTransform:
    """One product's records -> its line: desired values, routed to its models (variants), narrowed to what
    must be sent, with its associations."""

    mapping: ClientMapping
    taxonomy: Taxonomy
    models: ModelValues | None
    values_to_send: Callable[[str, Values], Values] | None
    links: CatalogLinks | None
    outputs: TransformOutputs

    def product(self, identifier: str, rows: list[dict[str, Any]], parent: str | None, current: Values) -> None:
        records = [record_from_row(row) for row in rows]
        values, media_rows, rejections = desired_values(records, self.mapping, self.taxonomy)
        if self.models is not None:
            values, media_rows = self.models.route(identifier, parent, values, media_rows, current)
        if self.values_to_send is not None:
            values = self.values_to_send(identifier, values)
        associations = self.links.to_send(identifier, records, self.mapping.associations) if self.links else {}
        self.outputs.add(identifier, values, media_rows, rejections, associations)


def run_transform(run_dir: str | Path, mapping: ClientMapping, *, batch_size: int = 100,
                  taxonomy: Taxonomy | dict[str, Any] | None = None,
                  values_to_send: Callable[[str, Values], Values] | None = None,
                  on_batch: Callable[[dict[str, Values]], None] | None = None,
                  products_per_batch: int = PRODUCTS_PER_BATCH) -> dict[str, Any]:
    """Write `transform/batch-*.ndjson`, `media.parquet`, `rejected.parquet`; return the step report.

    `values_to_send(identifier, desired)` narrows a product's values to what must be PATCHed (incremental
    sync); without it every desired value is sent. Products are read `products_per_batch` at a time;
    `on_batch(current)` hears each batch's products with the values they held in Akeneo before any of them
    is passed to `values_to_send` (the incremental state fetches its hashes per batch, not per catalogue)."""
    started = time.monotonic()
    run_dir = Path(run_dir)
    taxonomy = _taxonomy_of(run_dir, taxonomy)
    out = step_dir(run_dir, Step.TRANSFORM)
    out.mkdir(parents=True, exist_ok=True)
    models = model_values_of_run(run_dir, mapping.client)
    with (KeyedStore(out / ".transform-keys.sqlite") as keyed, MEDIA.stream(run_dir) as media,
          REJECTED.stream(run_dir) as rejected, ASSETS.stream(run_dir) as assets):
        outputs = TransformOutputs(run_dir, batch_size, media, rejected, assets)
        links = CatalogLinks(keyed, partial(_product_rows, run_dir)) if mapping.associations else None
        context = _ProductTransform(mapping, taxonomy, models, values_to_send, links, outputs)
        _keyed_inputs(run_dir, keyed, with_current=on_batch is not None or models is not None,
                      with_parents=models is not None)
        progress = Progress("transform", keyed.counts["found"] or None, unit="products")
        for batch in product_batches(RECORDS.path(run_dir), products_per_batch, read_rows=READ_ROWS):
            identifiers = [identifier for identifier, _ in batch]
            found = keyed.get_many("found", identifiers) if keyed.counts["found"] else dict.fromkeys(identifiers)
            quarantined = keyed.get_many("quarantined", identifiers)
            current = _current_values(keyed, [i for i in identifiers if i in found and i not in quarantined]) \
                if "current" in keyed.counts else {}
            if on_batch is not None:
                on_batch(current)
            parents = keyed.get_many("parent", identifiers) if models is not None else {}
            for identifier, rows in batch:
                if identifier not in found:
                    continue
                outputs.counts["products"] += 1
                progress.advance()
                if identifier in quarantined:
                    outputs.counts["skipped_quarantined"] += 1
                    continue
                context.product(identifier, rows, parents.get(identifier), current.get(identifier, {}))
        variants = write_model_lines(run_dir, models, outputs, values_to_send, on_batch) if models else {}
        report = {**outputs.report(started), **variants}
    progress.finish(lines=report.get("lines", 0), rejected=report.get("rejected", 0))
    return report
