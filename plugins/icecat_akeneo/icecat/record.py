"""The normalized Icecat record: one typed row per (product, language), the contract between enrich and
transform.

Icecat's JSON and XML data-sheets differ in naming and nesting; both normalize into this one shape so the
rest of the pipeline never looks at raw Icecat again. Missing blocks become nulls / empty lists. Its Parquet
form is `record_schema.RECORD_SCHEMA` (kept apart so importing the record, e.g. at DAG parse time, needs no
pyarrow).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import MISSING, dataclass, field
from typing import Any, TypeVar


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
    kind: str                  # manual | datasheet | leaflet | energy_label | product_fiche | video |
    #                            video_page | product_story | other (sheet_parts.media_kind)
    type: str | None = None    # Icecat's own Multimedia.Type text
    mime: str | None = None
    size: int | None = None
    language: str | None = None
    description: str | None = None
    keep_as_url: bool = False  # KeepAsUrl: Icecat says link to it, do not download it (a web page)


@dataclass(frozen=True)
class FeatureLogo:
    url: str                   # FeatureLogos[].LogoPic
    feature_id: int | None = None
    value: str | None = None   # e.g. "ENERGY STAR", an energy class "B"
    description: str | None = None


@dataclass(frozen=True)
class RelatedProduct:
    """An accessory or alternative Icecat lists (ProductRelated): how the client's own product is found."""
    icecat_id: int | None
    mpn: str | None            # ProductCode
    brand: str | None
    name: str | None
    preferred: bool = False


@dataclass(frozen=True)
class Review:
    score: int | None          # 0-100
    source: str | None         # the reviewer (Code / Group), else the review's URL
    text: str | None           # Value, plain text
    good: str | None = None
    bad: str | None = None


@dataclass(frozen=True)
class ReasonToBuy:
    title: str | None
    text: str | None           # Value, HTML as Icecat sent it
    image: str | None = None


@dataclass(frozen=True)
class RecordScope:
    """What records keep of a data-sheet besides its fixed fields: the features by id (None: every one) and the
    related products. A client's records keep what its mapping reads (`sources.scope_of_mapping`): a sheet holds
    ~200 features and ~30 related products, a mapping reads a few, and normalizing the rest was a third of the
    enrich step's CPU."""

    features: frozenset[int] | None = None
    related: bool = True


EVERYTHING = RecordScope()


NESTED_FIELDS = {"features": Feature, "images": Image, "media": Media, "feature_logos": FeatureLogo,
                 "related": RelatedProduct, "reviews": Review, "reasons_to_buy": ReasonToBuy}
"""Record fields holding lists of dataclasses: one place for `to_row` and `record_from_row` to know them."""
Nested = TypeVar("Nested", Feature, Image, Media, FeatureLogo, RelatedProduct, Review, ReasonToBuy)


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
    refusals: list[str] = field(default_factory=list)  # "field path: reason" of each value left out
    product_series: str | None = None  # GeneralInfo.ProductSeries.Value
    brand_logo: str | None = None      # GeneralInfo.BrandLogo URL
    feature_logos: list[FeatureLogo] = field(default_factory=list)
    related: list[RelatedProduct] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    reasons_to_buy: list[ReasonToBuy] = field(default_factory=list)
    disclaimer: str | None = None          # Description.Disclaimer: legal text the brand asks to show
    product_story_url: str | None = None   # ProductStory[].URL (or a Multimedia item typed ProductStory)

    def to_row(self) -> dict[str, Any]:
        """A plain dict for Parquet; shallow by design (`dataclasses.asdict` deep-copies every string and
        was most of the enrich step's time)."""
        row = dict(self.__dict__)
        for name in NESTED_FIELDS:
            row[name] = [dict(item.__dict__) for item in row[name]]
        return row


def record_from_row(row: dict[str, Any]) -> ProductRecord:
    """A `to_row()` dict (e.g. a `RECORD_SCHEMA` Parquet row) back into a ProductRecord; extra columns like
    `identifier` are dropped."""
    fields = {name: row.get(name) for name in ProductRecord.__dataclass_fields__}
    for name, kind in NESTED_FIELDS.items():
        fields[name] = [_rebuilt(kind, item) for item in row.get(name) or []]
    for name in ("gtins", "bullet_points", "generated_bullet_points", "refusals"):
        fields[name] = list(row.get(name) or [])
    return ProductRecord(**fields)


_NESTED_DEFAULTS = {kind: {name: spec.default for name, spec in kind.__dataclass_fields__.items()
                           if spec.default is not MISSING} for kind in NESTED_FIELDS.values()}


def _rebuilt(kind: type[Nested], item: dict[str, Any]) -> Nested:
    """`kind(**item)` for a nested item of a `to_row()` dict, without the frozen dataclass's `__init__` (one
    `object.__setattr__` per field, 4x slower: rebuilding features was a quarter of the transform's time).
    Fields an older cached record lacks take their defaults, as `__init__` would give them."""
    built = object.__new__(kind)
    built.__dict__.update(_NESTED_DEFAULTS[kind])
    built.__dict__.update(item)
    return built
