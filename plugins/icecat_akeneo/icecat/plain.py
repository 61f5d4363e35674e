"""Fast readers of the values and items a data-sheet nearly always holds: they take a value the careful
readers (`fields.FieldReader`, `json_sheet`) would take as it is, and raise NotPlain for anything else, which
the caller then hands to the careful reader.

Why: the careful readers name each refused value by its path ("FeaturesGroups[2].Features[7].Feature.ID"),
so they build a path string for every value they read, refused or not, and go through a few layers of calls;
with ~75 features, ~30 related products and ~8 pictures per data-sheet that was most of normalizing it, for
values that are almost never refused. A fast reader builds no path: a well-formed item costs its dictionary
look-ups, and an odd one is read again from the start by the careful reader, so the record and its
refusals are the careful reader's whenever anything is odd (tests/icecat_akeneo/test_icecat_fast_paths.py).
"""

from __future__ import annotations

from typing import Any

from icecat_akeneo.icecat.fields import INT64_MAX, MAX_TEXT_CHARS, SURROGATES, Refused, as_integer, as_url
from icecat_akeneo.icecat.record import Feature, RelatedProduct

FLAG_YES, FLAG_NO = (1, "1"), (0, "0")


class NotPlain(Exception):  # noqa: N818 - a signal to the caller, not an error
    """A value the fast readers leave to the careful ones (it may have to be refused, with its path)."""


def plain_text(value: object) -> str | None:
    """`FieldReader.text` of a value it takes as it is (None, or a string of sane length without lone
    surrogates); NotPlain for anything else."""
    if value is None:
        return None
    if type(value) is str and len(value) <= MAX_TEXT_CHARS:
        text = value.strip()
        if text.isascii() or not SURROGATES.search(text):
            return text or None
    raise NotPlain


def plain_id(value: object) -> int:
    """`FieldReader.identifier` of a value it takes (a positive int64, or its digits); NotPlain otherwise."""
    try:
        number = as_integer(value, 1, INT64_MAX)
    except Refused:
        raise NotPlain from None
    if number is None:  # refused as missing
        raise NotPlain
    return number


def plain_integer(value: object, high: int) -> int | None:
    """`FieldReader.integer(value, path, 0, high)` of a value it takes; NotPlain otherwise."""
    try:
        return as_integer(value, 0, high)
    except Refused:
        raise NotPlain from None


def plain_url(value: object) -> str | None:
    """`FieldReader.url` of a value it takes; NotPlain otherwise."""
    try:
        return as_url(value)
    except Refused:
        raise NotPlain from None


def plain_flag(value: object, yes: tuple[object, ...], no: tuple[object, ...]) -> bool:
    """`FieldReader.flag` of a value it would take as it is (None, "", or a string or int of `yes` / `no`);
    NotPlain for anything else."""
    if value is None or value == "":
        return False
    if type(value) is str or type(value) is int:
        if value in yes:
            return True
        if value in no:
            return False
    raise NotPlain


_EMPTY: dict[str, Any] = {}


def plain_block(value: Any) -> dict[str, Any]:
    """`_block` of a value it takes without a refusal; NotPlain for anything else."""
    if type(value) is dict:
        return value
    if value is None or value == "" or value == []:
        return _EMPTY
    raise NotPlain


def feature_id_of(item: Any) -> int | None:
    """A JSON feature item's `Feature.ID` when `plain_id` takes it, else None (the careful reader decides):
    enough to tell whether the mapping reads the feature before anything else of it is looked at."""
    try:
        return plain_id(plain_block(item.get("Feature") if type(item) is dict else None).get("ID"))
    except NotPlain:
        return None


def plain_feature(item: dict[str, Any], group_id: int | None, group_name: str | None) -> Feature | None:
    """`_feature` of a well-formed item (every value one it takes as it is), without building the dozen paths
    its refusals would name (a data-sheet has ~75 features: those paths were a third of normalizing it);
    None when anything needs `_feature`'s care, which then reads the item again from the start."""
    try:
        definition = plain_block(item.get("Feature"))
        measure = plain_block(definition.get("Measure"))
        signs = plain_block(measure.get("Signs"))
        return Feature(
            feature_id=plain_id(definition.get("ID")),
            name=plain_text(plain_block(definition.get("Name")).get("Value")) or "",
            type=plain_text(item.get("Type")) or "text",
            raw_value=plain_text(item.get("RawValue")) or plain_text(item.get("Value")),
            unit=plain_text(signs.get("_")) or plain_text(measure.get("Sign")),
            presentation_value=plain_text(item.get("PresentationValue")),
            local_value=plain_text(item.get("LocalValue")),
            group_id=group_id,
            group_name=group_name,
        )
    except NotPlain:
        return None


def plain_related(item: dict[str, Any]) -> RelatedProduct | None:
    """`_related` of a well-formed item (~30 per data-sheet) without its paths; None when it needs `_related`."""
    try:
        return RelatedProduct(icecat_id=plain_id(item.get("IcecatID")), mpn=plain_text(item.get("ProductCode")),
                              brand=plain_text(item.get("Brand")), name=plain_text(item.get("ProductName")),
                              preferred=plain_flag(item.get("Preferred"), FLAG_YES, FLAG_NO))
    except NotPlain:
        return None
