"""What the mapping wants one product to hold in Akeneo, from its Icecat records: the pure core of transform.

One product's records (one per language) -> the Akeneo `values` object, the media to upload, and the values
that would be refused, each converted and checked by `values.py` against the client's taxonomy. The
transform step writes these as PATCH batches; the preflight runs the very same function on its Icecat sample
to predict what the first sync would refuse (`preflight/first_sync.py`), so the two cannot disagree.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from icecat_akeneo import sources
from icecat_akeneo.asset_values import AssetCollectionUpload
from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.icecat.languages import answered_in
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.mapping import ClientMapping, FieldMapping
from icecat_akeneo.values import MediaUpload, ValueRejected, convert, is_empty

Values = dict[str, list[dict[str, Any]]]


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

def _upload_row(attribute: str, locale: str | None, scope: str | None, data: Any,
                source: str) -> dict[str, Any] | None:
    """The media row of a value the load step must upload (a file, or the files of an asset collection:
    those rows carry `urls` and the asset `family`), None for a value sent as it is."""
    where = {"attribute": attribute, "locale": locale, "scope": scope, "source": source}
    if isinstance(data, MediaUpload):
        return {**where, "url": data.url}
    if isinstance(data, AssetCollectionUpload):
        return {**where, "urls": list(data.urls), "family": data.family}
    return None


def _in_language(record: ProductRecord | None, language: str) -> ProductRecord | None:
    """The record, unless Icecat answered in another language (its fallback): English text must not be
    written into de_DE just because the German data-sheet does not exist."""
    return record if record is None or answered_in(record.content_language, language) else None


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
            upload = _upload_row(field.attribute, locale, scope, data, source)
            if upload is not None:
                media_rows.append(upload)
            else:
                entry = {"locale": locale, "scope": scope, "data": data}
                values.setdefault(field.attribute, []).append(entry)
    return values, media_rows, rejections
