"""Field conversions shared by the JSON and XML data-sheet readers.

Icecat sends numbers as strings, empty strings for "no value", two date formats and free-text media types;
these helpers turn them into typed values and raise `NormalizeError` naming the product and the field when a
value is present but unusable, so a bad data-sheet is reported instead of silently half-loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from icecat_akeneo.icecat.record import Image, Media


class NormalizeError(ValueError):
    """An Icecat document that cannot be turned into a ProductRecord."""

    def __init__(self, product: str, field: str, problem: str) -> None:
        super().__init__(f"Icecat product {product}: field {field}: {problem}")
        self.product = product
        self.field = field
        self.problem = problem


def text_or_none(value: object) -> str | None:
    """Icecat's "" / {} / [] mean "no value"; any other scalar becomes a stripped string."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def int_or_none(value: object, product: str, field: str) -> int | None:
    text = text_or_none(value)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise NormalizeError(product, field, f"expected an integer, got {text!r}") from None


def parse_date(value: object, fmt: str, product: str, field: str) -> dt.date | None:
    """`fmt` is "%d-%m-%Y" for the JSON API and "%Y-%m-%d" for the XML interface."""
    text = text_or_none(value)
    if text is None:
        return None
    try:
        return dt.datetime.strptime(text, fmt).date()
    except ValueError:
        raise NormalizeError(product, field, f"expected a date as {fmt}, got {text!r}") from None


_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S")


def parse_timestamp(value: object, product: str, field: str) -> dt.datetime | None:
    """Icecat's `Updated`: "YYYY-MM-DD HH:MM:SS" in data-sheets, "YYYYMMDDhhmmss" in index files."""
    text = text_or_none(value)
    if text is None:
        return None
    for fmt in _TIMESTAMP_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise NormalizeError(product, field, f"expected a timestamp like 2025-01-31 12:00:00, got {text!r}")


def media_kind(type_: str | None, mime: str | None, description: str | None, is_video: bool = False) -> str:
    """One of manual / datasheet / leaflet / energy_label / product_fiche / video / other.

    Icecat's `Type` is free text ("manual pdf", "leaflet", "EU Energy Label", "video/mp4", "other digital
    assets") and the description often says more ("quickspecs", "User manual"), so all three are read.
    """
    words = " ".join(part.lower() for part in (type_, description) if part)
    if "energy label" in words:
        return "energy_label"
    if "product fiche" in words:
        return "product_fiche"
    if is_video or (type_ or "").lower().startswith("video") or (mime or "").lower().startswith("video"):
        return "video"
    if "manual" in words or "user guide" in words:
        return "manual"
    if "leaflet" in words or "brochure" in words:
        return "leaflet"
    if "datasheet" in words or "data sheet" in words or "quickspecs" in words or "spec sheet" in words:
        return "datasheet"
    return "other"


def feature_type_from_value(raw_value: str | None) -> str:
    """The XML interface omits a feature's type; infer the few kinds the mapping treats differently."""
    if raw_value in ("Y", "N"):
        return "y_n"
    try:
        float(raw_value or "")
    except ValueError:
        return "text"
    return "numerical"


def unique(values: list[str]) -> list[str]:
    """Drop repeats, keep first-seen order (Icecat repeats GTINs and PDF URLs across blocks)."""
    return list(dict.fromkeys(values))


def description_pdfs(
    known: list[Media],
    manual_url: object,
    manual_size: object,
    leaflet_url: object,
    leaflet_size: object,
    product: str,
) -> list[Media]:
    """The description's manual / leaflet PDF links, unless Multimedia already lists the same URL."""
    seen = {item.url for item in known}
    extra: list[Media] = []
    for kind, url, size in (("manual", manual_url, manual_size), ("leaflet", leaflet_url, leaflet_size)):
        link = text_or_none(url)
        if link and link not in seen:
            seen.add(link)
            extra.append(
                Media(
                    url=link,
                    kind=kind,
                    type=f"{kind} pdf",
                    mime="application/pdf",
                    size=int_or_none(size, product, f"Description.{kind} PDF size") or None,
                )
            )
    return extra


class Attributes(Protocol):
    """A JSON object (dict) or an XML element: both answer `.get(key)` with the same Icecat key names."""

    def get(self, key: str, default: Any = None) -> Any: ...


def images(main: Attributes, gallery: Sequence[Attributes], product: str, main_name: str,
           picture_name: str) -> list[Image]:
    """The gallery (main picture first, then Icecat's order); without one, the product's main image alone.

    JSON (`Image`, `Gallery[]`) and XML (`Product@HighPic...`, `ProductPicture`) use the same key names."""
    pictures = [pic for pic in gallery if text_or_none(pic.get("Pic"))]
    if not pictures:
        if not text_or_none(main.get("HighPic")):
            return []
        return [_image(main, MAIN_IMAGE_KEYS, product, main_name, order=0, is_main=True)]
    pictures.sort(key=lambda pic: (pic.get("IsMain") != "Y",
                                   int_or_none(pic.get("No"), product, f"{picture_name}.No") or 0))
    return [_image(pic, PICTURE_KEYS, product, picture_name, order=order, is_main=pic.get("IsMain") == "Y")
            for order, pic in enumerate(pictures)]


# (url, width, height, size) keys: the main image and a gallery picture name the same facts differently
MAIN_IMAGE_KEYS = ("HighPic", "HighPicWidth", "HighPicHeight", "HighPicSize")
PICTURE_KEYS = ("Pic", "PicWidth", "PicHeight", "Size")


def _image(item: Attributes, keys: tuple[str, str, str, str], product: str, block: str, *, order: int,
           is_main: bool) -> Image:
    url, width, height, size = keys
    return Image(
        url=str(item.get(url)),
        url_500=text_or_none(item.get("Pic500x500")),
        url_low=text_or_none(item.get("LowPic")),
        url_thumb=text_or_none(item.get("ThumbPic")),
        width=int_or_none(item.get(width), product, f"{block}.{width}"),
        height=int_or_none(item.get(height), product, f"{block}.{height}"),
        size=int_or_none(item.get(size), product, f"{block}.{size}"),
        order=order,
        is_main=is_main,
    )
