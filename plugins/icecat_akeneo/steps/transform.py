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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from icecat_akeneo import sources
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
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.icecat.record import ProductRecord, record_from_row
from icecat_akeneo.mapping import ClientMapping, FieldMapping
from icecat_akeneo.values import MediaUpload, ValueRejected, convert, is_empty

Values = dict[str, list[dict[str, Any]]]
NOT_LOCALIZED = "(no locale)"
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
    without_values = 0
    for identifier, records in products.items():
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
