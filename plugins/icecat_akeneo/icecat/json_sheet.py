"""Read one Icecat JSON data-sheet (the `data` object of the Live JSON API) into a ProductRecord.

Field names follow the real responses in `sandbox/icecat/samples/` (api notes §1.3-1.8); every block is
optional, because Icecat omits or empties blocks freely ({} for an empty object, "" for an empty value).
"""

from __future__ import annotations

from typing import Any

from icecat_akeneo.icecat.fields import (
    NormalizeError,
    description_pdfs,
    images,
    int_or_none,
    media_kind,
    parse_date,
    parse_timestamp,
    text_or_none,
    unique,
)
from icecat_akeneo.icecat.html_text import html_to_text
from icecat_akeneo.icecat.record import Feature, Image, Media, ProductRecord

JSON_DATE = "%d-%m-%Y"


def _block(parent: dict[str, Any], key: str, product: str) -> dict[str, Any]:
    value = parent.get(key)
    if value in (None, "", []):
        return {}
    if not isinstance(value, dict):
        raise NormalizeError(product, key, f"expected an object, got {type(value).__name__}")
    return value


def _items(parent: dict[str, Any], key: str, product: str) -> list[dict[str, Any]]:
    value = parent.get(key)
    if value in (None, "", {}):
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise NormalizeError(product, key, "expected a list of objects")
    return value


def _value_of(parent: dict[str, Any], key: str) -> str | None:
    """Icecat wraps localized strings as {"Value": ..., "Language": ...}."""
    wrapped = parent.get(key)
    return text_or_none(wrapped.get("Value")) if isinstance(wrapped, dict) else None


def _strings(block: dict[str, Any], key: str = "Values") -> list[str]:
    return [text for text in (text_or_none(v) for v in block.get(key) or []) if text]


def read_json_data(data: dict[str, Any], lang: str | None, source: str) -> ProductRecord:
    """`source` names the document in errors (file name or lookup) until the Icecat id is known."""
    if not isinstance(data, dict):
        raise NormalizeError(source, "data", "expected a JSON object")
    general = data.get("GeneralInfo")
    if not isinstance(general, dict):
        raise NormalizeError(source, "GeneralInfo", "missing: not an Icecat product data-sheet")
    icecat_id = int_or_none(general.get("IcecatId"), source, "GeneralInfo.IcecatId")
    if icecat_id is None:
        raise NormalizeError(source, "GeneralInfo.IcecatId", "missing")
    product = f"{icecat_id} ({source})"
    description = _block(general, "Description", product)
    title_info = _block(general, "TitleInfo", product)
    summary = _block(general, "SummaryDescription", product)
    category = _block(general, "Category", product)
    content_language = text_or_none(description.get("Language"))
    return ProductRecord(
        icecat_id=icecat_id,
        lang=(lang or content_language or "EN").upper(),
        content_language=content_language,
        gtins=_gtins(general, product),
        brand=text_or_none(general.get("Brand")),
        brand_id=text_or_none(general.get("BrandID")),
        mpn=text_or_none(general.get("BrandPartCode")),
        product_name=text_or_none(general.get("ProductName")),
        title=text_or_none(general.get("Title")),
        generated_title=_value_of(title_info, "GeneratedLocalTitle")
        or text_or_none(title_info.get("GeneratedIntTitle")),
        long_product_name=text_or_none(description.get("LongProductName")),
        category_id=text_or_none(category.get("CategoryID")),
        category_name=_value_of(category, "Name"),
        product_family=text_or_none(_block(general, "ProductFamily", product).get("Value")),
        description_html=text_or_none(description.get("LongDesc")),
        description_text=html_to_text(text_or_none(description.get("LongDesc"))),
        middle_description=text_or_none(description.get("MiddleDesc")),
        short_summary=text_or_none(summary.get("ShortSummaryDescription")),
        long_summary=text_or_none(summary.get("LongSummaryDescription")),
        warranty=text_or_none(description.get("WarrantyInfo")),
        bullet_points=_strings(_block(general, "BulletPoints", product)),
        generated_bullet_points=_strings(_block(general, "GeneratedBulletPoints", product)),
        features=_features(data, product),
        images=_images(data, product),
        media=_media(data, description, product),
        release_date=parse_date(general.get("ReleaseDate"), JSON_DATE, product, "GeneralInfo.ReleaseDate"),
        end_of_life_date=parse_date(
            general.get("EndOfLifeDate"), JSON_DATE, product, "GeneralInfo.EndOfLifeDate"
        ),
        updated=parse_timestamp(description.get("Updated"), product, "GeneralInfo.Description.Updated"),
        quality=text_or_none(general.get("Quality")),
        source_format="json",
    )


def _gtins(general: dict[str, Any], product: str) -> list[str]:
    listed = general.get("GTIN") or []
    if not isinstance(listed, list):
        raise NormalizeError(product, "GeneralInfo.GTIN", "expected a list of strings")
    approved = [entry.get("GTIN") for entry in _items(general, "GTINs", product)]
    return unique([text for text in (text_or_none(v) for v in [*listed, *approved]) if text])


def _features(data: dict[str, Any], product: str) -> list[Feature]:
    features: list[Feature] = []
    for group in _items(data, "FeaturesGroups", product):
        group_info = group.get("FeatureGroup") or {}
        group_id = int_or_none(group_info.get("ID"), product, "FeaturesGroups.FeatureGroup.ID")
        group_name = _value_of(group_info, "Name")
        for item in _items(group, "Features", product):
            definition = item.get("Feature") or {}
            feature_id = int_or_none(definition.get("ID"), product, "FeaturesGroups.Features.Feature.ID")
            if feature_id is None:
                raise NormalizeError(product, "FeaturesGroups.Features.Feature.ID", "missing")
            measure = definition.get("Measure") or {}
            signs = measure.get("Signs") if isinstance(measure.get("Signs"), dict) else {}
            features.append(
                Feature(
                    feature_id=feature_id,
                    name=_value_of(definition, "Name") or "",
                    type=text_or_none(item.get("Type")) or "text",
                    raw_value=text_or_none(item.get("RawValue")) or text_or_none(item.get("Value")),
                    unit=text_or_none(signs.get("_")) or text_or_none(measure.get("Sign")),
                    presentation_value=text_or_none(item.get("PresentationValue")),
                    local_value=text_or_none(item.get("LocalValue")),
                    group_id=group_id,
                    group_name=group_name,
                )
            )
    return features


def _images(data: dict[str, Any], product: str) -> list[Image]:
    return images(_block(data, "Image", product), _items(data, "Gallery", product), product, "Image", "Gallery")


def _media(data: dict[str, Any], description: dict[str, Any], product: str) -> list[Media]:
    media: list[Media] = []
    for item in _items(data, "Multimedia", product):
        url = text_or_none(item.get("URL"))
        if not url:
            continue
        type_, mime, text = (text_or_none(item.get(k)) for k in ("Type", "ContentType", "Description"))
        media.append(
            Media(
                url=url,
                kind=media_kind(type_, mime, text, is_video=str(item.get("IsVideo")) == "1"),
                type=type_,
                mime=mime,
                size=int_or_none(item.get("Size"), product, "Multimedia.Size"),
                language=text_or_none(item.get("Language")),
                description=text,
            )
        )
    return media + description_pdfs(
        media,
        description.get("ManualPDFURL"),
        description.get("ManualPDFSize"),
        description.get("LeafletPDFURL"),
        description.get("PDFSize"),
        product,
    )
