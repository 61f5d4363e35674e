"""The normalized Icecat record: one typed row per (product, language), the contract between enrich and
transform.

Icecat's JSON and XML data-sheets differ in naming and nesting; both normalize into this one shape so the
rest of the pipeline never looks at raw Icecat again. Missing blocks become nulls / empty lists.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class Feature:
    feature_id: int            # Icecat Feature.ID: stable, language-independent: the mapping key
    name: str                  # localized feature name
    type: str                  # numerical, y_n, dropdown, multi_dropdown, text, textarea, range, 2d, ...
    raw_value: str | None      # canonical value (Value / RawValue), e.g. "6.7" or "Y"
    unit: str | None           # Measure sign of raw_value, e.g. "g", "mm", "\"" (inch)
    presentation_value: str | None  # localized display form, e.g. "17 cm (6.7\")"
    local_value: str | None    # value in the local unit system when Icecat gives one
    group_id: int | None = None
    group_name: str | None = None


@dataclass(frozen=True)
class Image:
    url: str                   # full-size picture (HighPic / Gallery.Pic)
    url_500: str | None = None
    url_low: str | None = None
    url_thumb: str | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    order: int = 0             # 0 is the main image; gallery order after it
    is_main: bool = False


@dataclass(frozen=True)
class Media:
    url: str
    kind: str                  # manual | datasheet | leaflet | energy_label | product_fiche | video | other
    type: str | None = None    # Icecat's own Multimedia.Type text
    mime: str | None = None
    size: int | None = None
    language: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ProductRecord:
    icecat_id: int
    lang: str                          # requested Icecat language code (EN, DE, ...)
    content_language: str | None       # language Icecat actually answered in (fallback, e.g. US for EN)
    gtins: list[str]
    brand: str | None
    brand_id: str | None
    mpn: str | None                    # BrandPartCode / Prod_id
    product_name: str | None
    title: str | None                  # GeneralInfo.Title (brand-local marketing title)
    generated_title: str | None        # TitleInfo.GeneratedLocalTitle (or GeneratedIntTitle)
    long_product_name: str | None
    category_id: str | None
    category_name: str | None
    product_family: str | None
    description_html: str | None       # LongDesc, HTML kept as Icecat sent it
    description_text: str | None       # LongDesc as plain text
    middle_description: str | None
    short_summary: str | None
    long_summary: str | None
    warranty: str | None
    bullet_points: list[str]
    generated_bullet_points: list[str]
    features: list[Feature]
    images: list[Image]
    media: list[Media]
    release_date: dt.date | None
    end_of_life_date: dt.date | None
    updated: dt.datetime | None        # Icecat's Updated: the cache and change-detection key
    quality: str | None = None         # ICECAT | SUPPLIER | NOEDITOR ...
    source_format: str = "json"        # json | xml

    def to_row(self) -> dict[str, Any]:
        return asdict(self)


FEATURE_TYPE = pa.struct([
    ("feature_id", pa.int64()), ("name", pa.string()), ("type", pa.string()), ("raw_value", pa.string()),
    ("unit", pa.string()), ("presentation_value", pa.string()), ("local_value", pa.string()),
    ("group_id", pa.int64()), ("group_name", pa.string()),
])
IMAGE_TYPE = pa.struct([
    ("url", pa.string()), ("url_500", pa.string()), ("url_low", pa.string()), ("url_thumb", pa.string()),
    ("width", pa.int32()), ("height", pa.int32()), ("size", pa.int64()), ("order", pa.int32()),
    ("is_main", pa.bool_()),
])
MEDIA_TYPE = pa.struct([
    ("url", pa.string()), ("kind", pa.string()), ("type", pa.string()), ("mime", pa.string()),
    ("size", pa.int64()), ("language", pa.string()), ("description", pa.string()),
])

RECORD_SCHEMA = pa.schema([
    ("icecat_id", pa.int64()), ("lang", pa.string()), ("content_language", pa.string()),
    ("gtins", pa.list_(pa.string())), ("brand", pa.string()), ("brand_id", pa.string()), ("mpn", pa.string()),
    ("product_name", pa.string()), ("title", pa.string()), ("generated_title", pa.string()),
    ("long_product_name", pa.string()), ("category_id", pa.string()), ("category_name", pa.string()),
    ("product_family", pa.string()), ("description_html", pa.string()), ("description_text", pa.string()),
    ("middle_description", pa.string()), ("short_summary", pa.string()), ("long_summary", pa.string()),
    ("warranty", pa.string()), ("bullet_points", pa.list_(pa.string())),
    ("generated_bullet_points", pa.list_(pa.string())), ("features", pa.list_(FEATURE_TYPE)),
    ("images", pa.list_(IMAGE_TYPE)), ("media", pa.list_(MEDIA_TYPE)), ("release_date", pa.date32()),
    ("end_of_life_date", pa.date32()), ("updated", pa.timestamp("s")), ("quality", pa.string()),
    ("source_format", pa.string()),
])


def records_to_table(records: list[ProductRecord]) -> pa.Table:
    return pa.Table.from_pylist([r.to_row() for r in records], schema=RECORD_SCHEMA)
