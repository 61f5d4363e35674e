"""What the JSON and XML data-sheet readers share beyond single values: media kinds, feature types, the
picture gallery and the description's PDF links. JSON objects and XML elements both answer `.get(key)` with
the same Icecat key names here, so one implementation serves both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from icecat_akeneo.icecat.fields import INT32_MAX, INT64_MAX, FieldReader
from icecat_akeneo.icecat.plain import NotPlain, plain_integer, plain_url
from icecat_akeneo.icecat.record import Image, Media


class Attributes(Protocol):
    """A JSON object (dict) or an XML element: both answer `.get(key)` with the same Icecat key names."""

    def get(self, key: str, default: Any = None) -> Any: ...


def media_kind(type_: str | None, mime: str | None, description: str | None, is_video: bool = False,
               keep_as_url: bool = False) -> str:
    """One of manual / datasheet / leaflet / energy_label / product_fiche / video / video_page /
    product_story / other.

    Icecat's `Type` is free text ("manual pdf", "leaflet", "EU Energy Label", "video/mp4", "other digital
    assets") and the description often says more ("quickspecs", "User manual"), so all three are read. A
    video that is a web page (a player page: `ContentType: text/html`, or `KeepAsUrl`) is a `video_page`,
    never a `video`, so a video attribute only ever gets a file a browser can play.
    """
    words = " ".join(part.lower() for part in (type_, description) if part)
    if "energy label" in words:
        return "energy_label"
    if "product fiche" in words:
        return "product_fiche"
    if (type_ or "").lower().replace(" ", "").startswith("productstory"):
        return "product_story"
    if is_video or (type_ or "").lower().startswith("video") or (mime or "").lower().startswith("video"):
        return "video_page" if keep_as_url or (mime or "").lower().startswith("text/html") else "video"
    if "manual" in words or "user guide" in words:
        return "manual"
    if "leaflet" in words or "brochure" in words:
        return "leaflet"
    if "datasheet" in words or "data sheet" in words or "quickspecs" in words or "spec sheet" in words:
        return "datasheet"
    return "other"


def product_story_url(stories: list[str], media: list[Media]) -> str | None:
    """The ProductStory block's first URL, else the first Multimedia item typed ProductStory (Icecat lists
    the story in both, or only in Multimedia; XML has only the latter)."""
    return next(iter(stories), None) or next((item.url for item in media if item.kind == "product_story"), None)


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


def description_pdfs(read: FieldReader, known: list[Media], description: Attributes, block: str,
                     keys: dict[str, tuple[str, str]]) -> list[Media]:
    """The description's manual / leaflet PDF links (`keys`: kind -> URL key, size key), unless Multimedia
    already lists the same URL."""
    seen = {item.url for item in known}
    extra: list[Media] = []
    for kind, (url_key, size_key) in keys.items():
        link = read.url(description.get(url_key), f"{block}.{url_key}")
        if link and link not in seen:
            seen.add(link)
            size = read.integer(description.get(size_key), f"{block}.{size_key}")
            extra.append(Media(url=link, kind=kind, type=f"{kind} pdf", mime="application/pdf", size=size or None))
    return extra


def images(read: FieldReader, main: Attributes, main_path: str,
           gallery: Sequence[tuple[str, Attributes]]) -> list[Image]:
    """The gallery (main picture first, then Icecat's order); without one, the product's main image alone.

    `gallery` pairs each picture with its path for refusals (`Gallery[2]`, `ProductPicture[2]`)."""
    pictures = []
    for path, pic in gallery:
        url = read.url(pic.get("Pic"), f"{path}.Pic")
        if url:
            pictures.append((path, pic, url, read.flag(pic.get("IsMain"), f"{path}.IsMain", ("Y",), ("N",))))
    if not pictures:
        url = read.url(main.get("HighPic"), f"{main_path}.HighPic")
        return [_image(read, main, MAIN_IMAGE_KEYS, main_path, url, order=0, is_main=True)] if url else []
    pictures.sort(key=lambda item: (not item[3], read.integer(item[1].get("No"), f"{item[0]}.No") or 0))
    return [_image(read, pic, PICTURE_KEYS, path, url, order=order, is_main=is_main)
            for order, (path, pic, url, is_main) in enumerate(pictures)]


# (width, height, size) keys: the main image and a gallery picture name the same facts differently
MAIN_IMAGE_KEYS = ("HighPicWidth", "HighPicHeight", "HighPicSize")
PICTURE_KEYS = ("PicWidth", "PicHeight", "Size")


def _image(read: FieldReader, item: Attributes, keys: tuple[str, str, str], path: str, url: str, *, order: int,
           is_main: bool) -> Image:
    width, height, size = keys
    try:  # a well-formed picture (nearly all): read without building the paths of refusals it cannot have
        return Image(url=url, url_500=plain_url(item.get("Pic500x500")), url_low=plain_url(item.get("LowPic")),
                     url_thumb=plain_url(item.get("ThumbPic")), width=plain_integer(item.get(width), INT32_MAX),
                     height=plain_integer(item.get(height), INT32_MAX), size=plain_integer(item.get(size), INT64_MAX),
                     order=order, is_main=is_main)
    except NotPlain:
        pass
    return Image(
        url=url,
        url_500=read.url(item.get("Pic500x500"), f"{path}.Pic500x500"),
        url_low=read.url(item.get("LowPic"), f"{path}.LowPic"),
        url_thumb=read.url(item.get("ThumbPic"), f"{path}.ThumbPic"),
        width=read.integer(item.get(width), f"{path}.{width}", high=INT32_MAX),
        height=read.integer(item.get(height), f"{path}.{height}", high=INT32_MAX),
        size=read.integer(item.get(size), f"{path}.{size}"),
        order=order,
        is_main=is_main,
    )
