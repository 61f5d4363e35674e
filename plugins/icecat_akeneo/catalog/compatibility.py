"""Which Icecat sources can feed which Akeneo attribute types, and how well.

One table serves two readers: the mapping check (option 1) rejects a pair scored 0, and the mapping
suggester (option 2) uses the score as evidence for a match. Scores say how natural the pairing is: 1.0 is
the intended target (numerical feature -> metric), lower values still convert (numerical -> text) but lose
structure.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal

from icecat_akeneo.catalog import taxonomy as t

FEATURE_TARGETS: dict[str, dict[str, float]] = {
    "numerical": {t.METRIC: 1.0, t.NUMBER: 0.9, t.TEXT: 0.4, t.TEXTAREA: 0.3},
    "y_n": {t.BOOLEAN: 1.0, t.TEXT: 0.3},
    "dropdown": {t.SIMPLESELECT: 1.0, t.TEXT: 0.8, t.MULTISELECT: 0.6, t.TEXTAREA: 0.5},
    "multi_dropdown": {t.MULTISELECT: 1.0, t.SIMPLESELECT: 0.7, t.TEXT: 0.5, t.TEXTAREA: 0.5},
}
TEXT_TARGETS: dict[str, float] = {t.TEXT: 1.0, t.TEXTAREA: 0.9}
"""Every other feature type (text, textarea, alphanumeric, range, 2d, ...) is written as presentation text."""

_URL_TARGETS = {t.TEXT: 1.0, t.TEXTAREA: 0.5}
SOURCE_TARGETS: dict[str, dict[str, float]] = {
    "text": TEXT_TARGETS,
    "list": {t.TEXTAREA: 1.0, t.TEXT: 0.8, t.ASSET_COLLECTION: 0.5},  # a gallery: 1.0 (source_fit)
    "date": {t.DATE: 1.0, t.TEXT: 0.5},
    "identifier": {t.TEXT: 1.0, t.NUMBER: 0.6, t.SIMPLESELECT: 0.6},
    "image": {t.IMAGE: 1.0, t.ASSET_COLLECTION: 0.8, **_URL_TARGETS},
    "media": {t.FILE: 1.0, t.IMAGE: 0.6, t.ASSET_COLLECTION: 0.6, **_URL_TARGETS},
}
SOURCE_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "title",
            "generated_title",
            "product_name",
            "long_product_name",
            "category_name",
            "description_html",
            "description_text",
            "middle_description",
            "short_summary",
            "long_summary",
            "warranty",
            "product_family",
            "product_series",
            "quality",
            "specifications_html",
            "specifications_text",
            "disclaimer",
            "product_story_url",
        ),
        "text",
    ),
    **dict.fromkeys(("bullet_points", "generated_bullet_points", "gallery", "gtins", "feature_logos",
                     "related_products", "reviews", "reasons_to_buy",
                     "reasons_to_buy_titles", "reasons_to_buy_texts", "reasons_to_buy_images"), "list"),
    **dict.fromkeys(("release_date", "end_of_life_date"), "date"),
    **dict.fromkeys(("brand", "mpn", "gtin", "icecat_id", "brand_id", "category_id", "review_score"),
                    "identifier"),
    **dict.fromkeys(("main_image", "brand_logo"), "image"),
}
MEDIA_KINDS = ("manual", "datasheet", "leaflet", "energy_label", "product_fiche", "video", "video_page",
               "product_story", "other")
SOURCE_PATTERNS: dict[str, str] = {
    r"feature:\d+": "feature",
    r"feature_local:\d+": "text",
    r"media:[a-z_]+(\[[1-9]\d*\])?": "media",
    r"media:[a-z_]+:all": "list",
    r"reasons_to_buy\[[1-9]\d*\]\.(title|text)": "text",
    r"reasons_to_buy\[[1-9]\d*\]\.image": "image",
    r"gallery\[[1-9]\d*\]": "image",
}
"""Sources named by a pattern (`feature:944`, `media:manual[2]`); the media kind itself is checked by the
mapping schema."""


def source_kind(source: str) -> str | None:
    """`feature:944` -> `feature`, `media:manual` -> `media`, `title` -> `text`; None when unknown."""
    for pattern, kind in SOURCE_PATTERNS.items():
        if re.fullmatch(pattern, source):
            return kind
    return SOURCE_KINDS.get(source)


KNOWN_SOURCE_FORMS = ("feature:<id>", "feature_local:<id>", *(f"media:{kind}" for kind in MEDIA_KINDS),
                      "media:<kind>[n]", "media:<kind>:all",
                      "reasons_to_buy[n].title", "reasons_to_buy[n].text", "reasons_to_buy[n].image", "gallery[n]")


def _closest_sources(source: str) -> str:
    """`did you mean ...` with the known sources closest to a misspelled one (difflib), else the usual list."""
    known = [*SOURCE_KINDS, *KNOWN_SOURCE_FORMS]
    close = difflib.get_close_matches(source, known, n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(close)}?"
    return "use a record field (title, description_html, ...), feature:<Icecat feature id> or media:<kind>"


def check_source(source: str) -> None:
    """Raise ValueError unless `source` names a mapping source (docs/mapping.md "Field sources")."""
    if source.startswith("media:"):
        kind = re.sub(r"(\[\d+\]|:all)$", "", source.removeprefix("media:"))
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind in {source!r}: use one of {', '.join(MEDIA_KINDS)}")
    if source_kind(source) is None:
        raise ValueError(f"unknown source {source!r}: {_closest_sources(source)} (see docs/mapping.md)")


def feature_fit(feature_type: str, attribute_type: str) -> float:
    return FEATURE_TARGETS.get(feature_type, TEXT_TARGETS).get(attribute_type, 0.0)


def source_fit(source: str, attribute_type: str) -> float | None:
    """Fit of a non-feature source (None: unknown source, or a feature whose type only a sample tells)."""
    kind = source_kind(source)
    if kind is None or kind == "feature":
        return None
    if attribute_type == t.ASSET_COLLECTION and source in ("gallery", "feature_logos", "reasons_to_buy_images"):
        return 1.0     # pictures, one asset each
    return SOURCE_TARGETS[kind].get(attribute_type, 0.0)


ICECAT_SIGN_UNITS: dict[str, str] = {
    "mm": "MILLIMETER",
    "cm": "CENTIMETER",
    "m": "METER",
    "km": "KILOMETER",
    '"': "INCH",
    "in": "INCH",
    "g": "GRAM",
    "kg": "KILOGRAM",
    "mg": "MILLIGRAM",
    "lbs": "POUND",
    "lb": "POUND",
    "Hz": "HERTZ",
    "kHz": "KILOHERTZ",
    "MHz": "MEGAHERTZ",
    "GHz": "GIGAHERTZ",
    "W": "WATT",
    "mW": "MILLIWATT",
    "kW": "KILOWATT",
    "V": "VOLT",
    "mAh": "MILLIAMPEREHOUR",
    "Wh": "WATTHOUR",
    "GB": "GIGABYTE",
    "MB": "MEGABYTE",
    "TB": "TERABYTE",
    "s": "SECOND",
    "min": "MINUTE",
    "h": "HOUR",
    "°C": "CELSIUS",
    "ms": "MILLISECOND",
}

UNIT_FACTORS: dict[str, Decimal] = {
    # factor to the family's base unit; only units of the same measurement family are ever combined
    "MILLIMETER": Decimal("0.001"), "CENTIMETER": Decimal("0.01"), "DECIMETER": Decimal("0.1"),
    "METER": Decimal(1), "KILOMETER": Decimal(1000), "INCH": Decimal("0.0254"), "FOOT": Decimal("0.3048"),
    "MILLIGRAM": Decimal("0.001"), "GRAM": Decimal(1), "KILOGRAM": Decimal(1000),
    "POUND": Decimal("453.59237"), "OUNCE": Decimal("28.349523125"),
    "HERTZ": Decimal(1), "KILOHERTZ": Decimal(10) ** 3, "MEGAHERTZ": Decimal(10) ** 6,
    "GIGAHERTZ": Decimal(10) ** 9,
    "MILLIWATT": Decimal("0.001"), "WATT": Decimal(1), "KILOWATT": Decimal(1000),
    "MILLISECOND": Decimal("0.001"), "SECOND": Decimal(1), "MINUTE": Decimal(60), "HOUR": Decimal(3600),
    "MEGABYTE": Decimal(10) ** 6, "GIGABYTE": Decimal(10) ** 9, "TERABYTE": Decimal(10) ** 12,
}
"""Factor of each Akeneo unit to its measurement family's base unit, to convert between two units."""


def akeneo_unit(sign: str | None, family_units: set[str]) -> str | None:
    """The Akeneo unit code for an Icecat measure sign, if the attribute's measurement family holds it."""
    unit = ICECAT_SIGN_UNITS.get((sign or "").strip())
    return unit if unit in family_units else None
