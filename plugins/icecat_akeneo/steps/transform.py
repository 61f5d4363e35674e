"""Transform step: normalized Icecat records -> one Akeneo PATCH body per product, in NDJSON batches.

Each value is converted and checked against the client's taxonomy BEFORE it leaves (attribute exists,
locale activated and bound to the channel, option codes, lengths, units, file extensions): a value that
would be refused goes to `transform/rejected.parquet` with the reason, so one bad value never turns a whole
product line into a 422. Image/file values cannot be sent inline (Akeneo wants a media-file code), so they
become rows of `transform/media.parquet` for the load step to download and upload.

`desired_values` is the pure core (one product's records -> values, media, rejections); the file writer
around it only reads the previous steps' artifacts and writes batches, so a later filter (e.g. a partial
PATCH that keeps only changed values) can sit between the two.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from icecat_akeneo import sources
from icecat_akeneo.artifacts import (
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
from icecat_akeneo.diff import Values
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.icecat.record import ProductRecord, record_from_row
from icecat_akeneo.mapping import ClientMapping, FieldMapping
from icecat_akeneo.steps.batches import PRODUCTS_PER_BATCH, KeyedStore, parquet_pairs, product_batches
from icecat_akeneo.steps.transform_output import TransformOutputs
from icecat_akeneo.values import MediaUpload, ValueRejected, convert, is_empty

LANGUAGE_VARIANT_OF = {"US": "EN", "BR": "PT"}
"""Icecat languages that are variants of another (US English for EN); ZH_TW-style codes reduce to `ZH`."""


# --- reading one source out of a record ---------------------------------------------------------------------

def _main_image(record: ProductRecord) -> str | None:
    images = sorted(record.images, key=lambda image: (not image.is_main, image.order))
    return images[0].url if images else None


def source_value(record: ProductRecord, source: str) -> Any:
    """The raw value a mapping `source` names in one record (see docs/mapping.md "Field sources")."""
    if source.startswith("feature:"):
        wanted = int(source.removeprefix("feature:"))
        return next((feature for feature in record.features if feature.feature_id == wanted), None)
    if sources.resolves(source):
        return sources.resolve(record, source)
    if source == "main_image":
        return _main_image(record)
    if source == "gallery":
        return [image.url for image in sorted(record.images, key=lambda image: image.order)]
    if source == "gtin":
        return record.gtins[0] if record.gtins else None
    if source == "icecat_id":
        return str(record.icecat_id)
    return getattr(record, source, None)


def _first_present(record: ProductRecord | None, field: FieldMapping) -> tuple[Any, str | None]:
    """The first non-empty of the field's source and fallbacks, and which source gave it."""
    if record is None:
        return None, None
    for source in field.sources:
        value = source_value(record, source)
        if not is_empty(value):
            return value, source
    return None, None


# --- the pure core ------------------------------------------------------------------------------------------

def _base_language(code: str) -> str:
    code = code.upper()
    return LANGUAGE_VARIANT_OF.get(code, code.split("_")[0])


def _in_language(record: ProductRecord | None, language: str) -> ProductRecord | None:
    """The record, unless Icecat answered in another language (its fallback): English text must not be
    written into de_DE just because the German data-sheet does not exist."""
    if record is None or not record.content_language:
        return record
    return record if _base_language(record.content_language) == _base_language(language) else None


def _locale_problem(locale: str, scope: str | None, attribute: dict[str, Any],
                    taxonomy: Taxonomy) -> str | None:
    if locale not in taxonomy.activated_locales:
        return f"locale {locale} is not activated in Akeneo"
    if scope is not None and locale not in taxonomy.channel_locales(scope):
        return f"locale {locale} is not bound to channel {scope}"
    available = attribute.get("available_locales") or []
    if available and locale not in available:
        return f"attribute {attribute['code']} is only available for the locales {', '.join(available)}"
    return None


def _targets(field: FieldMapping, attribute: dict[str, Any], mapping: ClientMapping,
             by_language: dict[str, ProductRecord]) -> Iterator[tuple[str | None, Any, str | None]]:
    """(locale, value, source) per value to write: one per mapped language if the attribute is localizable,
    else one taken from the first mapped language that has it."""
    if attribute.get("localizable"):
        for language, locale in mapping.languages.items():
            if field.locales and locale not in field.locales:
                continue
            value, source = _first_present(_in_language(by_language.get(language), language), field)
            if source is not None:
                yield locale, value, source
        return
    for language in mapping.languages:
        value, source = _first_present(by_language.get(language), field)
        if source is not None:
            yield None, value, source
            return


def desired_values(
    product_records: Iterable[ProductRecord], mapping: ClientMapping, taxonomy: Taxonomy | dict[str, Any]
) -> tuple[Values, list[dict[str, Any]], list[ValueRejected]]:
    """What the mapping wants one product to hold in Akeneo, from its Icecat records (one per language).

    Returns the Akeneo `values` object, the media rows (`attribute`, `locale`, `scope`, `url`, `source`) to
    upload, and the values rejected before sending. The first field to set an attribute/locale/scope wins.
    """
    taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy)
    attributes = taxonomy.attributes
    by_language: dict[str, ProductRecord] = {}
    for record in product_records:
        by_language.setdefault(record.lang.upper(), record)
    values: Values = {}
    media_rows: list[dict[str, Any]] = []
    rejections: list[ValueRejected] = []
    taken: set[tuple[str, str | None, str | None]] = set()
    for index, field in enumerate(mapping.fields):
        attribute = attributes.get(field.attribute)
        targets = list(_targets(field, attribute or {}, mapping, by_language))
        if not targets:
            continue
        if attribute is None:
            message = f"attribute {field.attribute} (fields[{index}]) does not exist in Akeneo"
            rejections.append(ValueRejected(field.attribute, None, None, message, "unknown_attribute"))
            continue
        scope = (field.scope or mapping.channel) if attribute.get("scopable") else None
        if scope is not None and scope not in taxonomy.channels:
            message = f"channel {scope} (scope of fields[{index}]) does not exist in Akeneo"
            rejections.append(ValueRejected(field.attribute, None, scope, message, "unknown_channel"))
            continue
        for locale, value, source in targets:
            key = (field.attribute, locale, scope)
            if key in taken:
                continue
            problem = _locale_problem(locale, scope, attribute, taxonomy) if locale else None
            if problem:
                rejections.append(ValueRejected(field.attribute, locale, scope, problem,
                                                "locale_not_writable"))
                continue
            data = convert(value, attribute, field, taxonomy, locale=locale, scope=scope)
            if isinstance(data, ValueRejected):
                rejections.append(data)
                continue
            taken.add(key)
            if isinstance(data, MediaUpload):
                media_rows.append({"attribute": field.attribute, "locale": locale, "scope": scope,
                                   "url": data.url, "source": source})
            else:
                entry = {"locale": locale, "scope": scope, "data": data}
                values.setdefault(field.attribute, []).append(entry)
    return values, media_rows, rejections


# --- the file writer ----------------------------------------------------------------------------------------

def _keyed_inputs(run_dir: Path, keyed: KeyedStore, *, with_current: bool) -> None:
    """What the transform asks per batch: found and quarantined products, and (incremental sync) the values
    each product held in Akeneo when extract read it."""
    keyed.put("found", parquet_pairs(LOOKUPS.path(run_dir), "identifier", where=("outcome", Outcome.FOUND)))
    keyed.put("quarantined", parquet_pairs(QUARANTINE.path(run_dir), "identifier"))
    if with_current:
        keyed.put("current", parquet_pairs(PRODUCTS.path(run_dir), "identifier", "values_json"))


def _current_values(keyed: KeyedStore, identifiers: list[str]) -> dict[str, Values]:
    held = keyed.get_many("current", identifiers)
    return {identifier: json.loads(held.get(identifier) or "{}") for identifier in identifiers}


def _taxonomy_of(run_dir: Path, taxonomy: Taxonomy | dict[str, Any] | None) -> Taxonomy:
    if taxonomy is None:
        taxonomy = json.loads(TAXONOMY.path(run_dir).read_text(encoding="utf-8"))
    return taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy)


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
    links = CatalogLinks.of_run(run_dir) if mapping.associations else None
    with (KeyedStore(out / ".transform-keys.sqlite") as keyed, MEDIA.stream(run_dir) as media,
          REJECTED.stream(run_dir) as rejected):
        outputs = TransformOutputs(run_dir, batch_size, media, rejected)
        _keyed_inputs(run_dir, keyed, with_current=on_batch is not None)
        for batch in product_batches(RECORDS.path(run_dir), products_per_batch):
            identifiers = [identifier for identifier, _ in batch]
            found = keyed.get_many("found", identifiers) if keyed.counts["found"] else dict.fromkeys(identifiers)
            quarantined = keyed.get_many("quarantined", identifiers)
            if on_batch is not None:
                on_batch(_current_values(keyed, [i for i in identifiers if i in found and i not in quarantined]))
            for identifier, rows in batch:
                if identifier not in found:
                    continue
                outputs.counts["products"] += 1
                if identifier in quarantined:
                    outputs.counts["skipped_quarantined"] += 1
                    continue
                records = [record_from_row(row) for row in rows]
                values, media_rows, rejections = desired_values(records, mapping, taxonomy)
                if values_to_send is not None:
                    values = values_to_send(identifier, values)
                associations = links.to_send(identifier, records, mapping.associations) if links else {}
                outputs.add(identifier, values, media_rows, rejections, associations)
        return outputs.report(started)
