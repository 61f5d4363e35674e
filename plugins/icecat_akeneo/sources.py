"""The mapping sources beyond a record's plain fields (docs/mapping.md "Field sources"): the best media item
of a kind and the later ones, every GTIN, logos, related products, reviews, reasons to buy (joined, by part,
or one item's part), the n-th gallery picture, a feature's local value and the "all specifications" table.

Transform asks `resolves(source)` and, when true, `resolve(record, source)` for the raw value; plain record
fields and `feature:<id>` stay with transform. Everything here is pure: a record in, a value out.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from icecat_akeneo.icecat.html_text import html_to_text
from icecat_akeneo.icecat.record import Media, ProductRecord, ReasonToBuy, RecordScope, RelatedProduct, Review
from icecat_akeneo.icecat.sheet_parts import media_kind
from icecat_akeneo.templates import render

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping

FEATURE = re.compile(r"feature:(?P<id>\d+)")
MEDIA_SOURCE = re.compile(r"media:(?P<kind>[a-z_]+)(?:\[(?P<nth>\d+)\]|(?P<all>:all))?")
FEATURE_LOCAL = re.compile(r"feature_local:(?P<id>\d+)")
REASON_ITEM = re.compile(r"reasons_to_buy\[(?P<nth>[1-9]\d*)\]\.(?P<part>title|text|image)")
GALLERY_ITEM = re.compile(r"gallery\[(?P<nth>[1-9]\d*)\]")
HTML_PAGE = "text/html"


def media_preference(item: Media, order: int) -> tuple[bool, bool, bool, int]:
    """Sort key of one media item among those of its kind, best first: the kind Icecat's own `Type` names
    (over one inferred from the description, e.g. "User Guide" typed "other digital assets"); a real file
    (over an HTML page: ContentType text/html, e.g. a video player page typed video/mp4); a URL naming its
    file type (over an extension-less REST link such as `.../rest/product-pdf?productId=...`); then
    Icecat's order (Multimedia first, then the description's manual / leaflet PDF links)."""
    typed = media_kind(item.type, None, None) == item.kind
    page = (item.mime or "").lower().startswith(HTML_PAGE)
    named = "." in urlsplit(item.url).path.rsplit("/", 1)[-1]
    return not typed, page, not named, order


def media_of_kind(record: ProductRecord, kind: str) -> list[str]:
    """The URLs of every media item of `kind`, best first (`media_preference`)."""
    ranked = sorted((media_preference(item, order), item.url) for order, item in enumerate(record.media)
                    if item.kind == kind)
    return [url for _, url in ranked]


def _media(record: ProductRecord, match: re.Match[str]) -> str | list[str] | None:
    urls = media_of_kind(record, match["kind"])
    if match["all"]:
        return urls
    nth = int(match["nth"] or 1)
    return urls[nth - 1] if 0 < nth <= len(urls) else None


def _reason_part(reason: ReasonToBuy, part: str) -> str | None:
    """A reason's title, its text as plain text (Icecat sends `<br>` in it), or its picture URL."""
    if part == "text":
        return html_to_text(reason.text)
    return reason.title if part == "title" else reason.image


def _reason_item(record: ProductRecord, match: re.Match[str]) -> str | None:
    """`reasons_to_buy[2].title`: one part of the n-th reason to buy (1-based, Icecat's order)."""
    nth = int(match["nth"])
    return _reason_part(record.reasons_to_buy[nth - 1], match["part"]) if nth <= len(record.reasons_to_buy) else None


def _gallery_item(record: ProductRecord, match: re.Match[str]) -> str | None:
    """`gallery[2]`: the n-th picture of the gallery (1 = the main one), so a gallery can fill several image
    attributes in order."""
    images = sorted(record.images, key=lambda image: image.order)
    nth = int(match["nth"])
    return images[nth - 1].url if nth <= len(images) else None


def _parts(record: ProductRecord, part: str) -> list[str]:
    return [text for reason in record.reasons_to_buy if (text := _reason_part(reason, part))]


def _review_line(review: Review) -> str:
    """`Source (70/100): text` with whichever parts the review has."""
    head = " ".join(part for part in (review.source, f"({review.score}/100)" if review.score is not None else "")
                    if part)
    return ": ".join(part for part in (head, review.text) if part)


def _related_line(related: RelatedProduct) -> str:
    """`Brand MPN - name`: enough for a person to find the accessory (associations need issue 18's rest)."""
    head = " ".join(part for part in (related.brand, related.mpn) if part)
    return " - ".join(part for part in (head, related.name) if part)


def _specification_groups(record: ProductRecord) -> list[dict[str, Any]]:
    """Feature groups in Icecat's order, each with its (name, presentation value) rows."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for feature in record.features:
        shown = feature.presentation_value or feature.raw_value
        if shown and feature.name:
            groups.setdefault(feature.group_name or "", []).append((feature.name, shown))
    return [{"name": name, "rows": rows} for name, rows in groups.items()]


def specifications_html(record: ProductRecord) -> str | None:
    """Every feature group as one HTML table (group names as header rows), every text escaped."""
    groups = _specification_groups(record)
    return render("specifications.html", groups=groups).strip() if groups else None


def specifications_text(record: ProductRecord) -> str | None:
    """Every feature group as a plain list: the group name, then `name: value` lines."""
    blocks = ["\n".join(([group["name"]] if group["name"] else []) + [f"{name}: {value}" for name, value in
                                                                      group["rows"]])
              for group in _specification_groups(record)]
    return "\n\n".join(blocks) or None


def _feature_local(record: ProductRecord, match: re.Match[str]) -> str | None:
    wanted = int(match["id"])
    return next((feature.local_value for feature in record.features if feature.feature_id == wanted), None)


NAMED: dict[str, Callable[[ProductRecord], Any]] = {
    "gtins": lambda record: list(record.gtins),
    "feature_logos": lambda record: [logo.url for logo in record.feature_logos],
    "related_products": lambda record: [_related_line(item) for item in record.related],
    "reviews": lambda record: [line for review in record.reviews if (line := _review_line(review))],
    "review_score": lambda record: next((str(r.score) for r in record.reviews if r.score is not None), None),
    "reasons_to_buy": lambda record: [
        ": ".join(part for part in (reason.title, html_to_text(reason.text)) if part)
        for reason in record.reasons_to_buy],
    "reasons_to_buy_titles": lambda record: _parts(record, "title"),
    "reasons_to_buy_texts": lambda record: _parts(record, "text"),
    "reasons_to_buy_images": lambda record: _parts(record, "image"),
    "specifications_html": specifications_html,
    "specifications_text": specifications_text,
}
PATTERNS: tuple[tuple[re.Pattern[str], Callable[[ProductRecord, re.Match[str]], Any]], ...] = (
    (MEDIA_SOURCE, _media),
    (FEATURE_LOCAL, _feature_local),
    (REASON_ITEM, _reason_item),
    (GALLERY_ITEM, _gallery_item),
)


def resolves(source: str) -> bool:
    """Whether this module reads `source` (else it is a plain record field or `feature:<id>`)."""
    return source in NAMED or any(pattern.fullmatch(source) for pattern, _ in PATTERNS)


def resolve(record: ProductRecord, source: str) -> Any:
    """The raw value of a source `resolves` accepts."""
    if source in NAMED:
        return NAMED[source](record)
    for pattern, read in PATTERNS:
        match = pattern.fullmatch(source)
        if match:
            return read(record, match)
    raise KeyError(source)


EVERY_FEATURE = frozenset({"specifications_html", "specifications_text", "features"})
"""Sources (and record columns a completeness rule may name) that read every feature of a record."""
RELATED = frozenset({"related_products", "related"})
"""The source and the record column that read the related products."""


def features_read(sources: Iterable[str]) -> frozenset[int] | None:
    """The Icecat feature ids these sources read (`feature:<id>`, `feature_local:<id>`); None when one reads
    every feature (the specifications tables)."""
    ids: set[int] = set()
    for source in sources:
        if source in EVERY_FEATURE:
            return None
        match = FEATURE.fullmatch(source) or FEATURE_LOCAL.fullmatch(source)
        if match:
            ids.add(int(match["id"]))
    return frozenset(ids)


def scope_of_mapping(mapping: ClientMapping) -> RecordScope:
    """What enrich keeps in a client's records: the features its fields and rules read, and the related
    products only for its associations or a `related_products` field."""
    sources = [*(source for field in mapping.fields for source in field.sources),
               *(rule.field for rule in mapping.completeness if rule.field)]
    return RecordScope(features_read(sources), bool(mapping.associations) or bool(RELATED & set(sources)))
