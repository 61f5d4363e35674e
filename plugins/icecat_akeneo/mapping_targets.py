"""Fields that write one list source into several attributes in order: `attribute: [main_image, image_2,
image_3]` with `source: gallery` means picture 1 -> main_image, 2 -> image_2, ... (docs/mapping.md).

Expanded before the mapping schema validates fields, into plain one-attribute fields whose source names the
item (`gallery[2]`, `media:leaflet[2]`), so the rest of the connector only ever sees single attributes. The
first item keeps the field's place (its line in error messages); the others are appended after every field.
"""
from __future__ import annotations

import re
from typing import Any

LIST_SOURCES = re.compile(r"gallery|media:[a-z_]+")
"""Sources whose n-th item is a source of its own (`gallery[n]`, `media:<kind>[n]`)."""


def expand_attribute_lists(fields: Any) -> Any:
    """`fields` with each `attribute: [a, b, ...]` made one field per attribute; anything else unchanged
    (the schema judges it)."""
    if not isinstance(fields, list):
        return fields
    kept: list[Any] = []
    extra: list[Any] = []
    for index, field in enumerate(fields):
        attributes = field.get("attribute") if isinstance(field, dict) else None
        if not isinstance(attributes, list):
            kept.append(field)
            continue
        items = _items(index, field, attributes)
        kept.append(items[0])
        extra.extend(items[1:])
    return kept + extra


def _items(index: int, field: dict[str, Any], attributes: list[Any]) -> list[dict[str, Any]]:
    source = field.get("source")
    if not attributes or not all(isinstance(code, str) and code for code in attributes):
        raise ValueError(f"[{index}] attribute: a list needs at least one attribute code, got {attributes!r}")
    if not isinstance(source, str) or not LIST_SOURCES.fullmatch(source):
        raise ValueError(f"[{index}] attribute: a list of attributes takes the items of source gallery or "
                         f"media:<kind> in order, not of {source!r}")
    if field.get("fallback"):
        raise ValueError(f"[{index}] fallback: not with a list of attributes (each takes one item of {source})")
    return [{**field, "attribute": code, "source": f"{source}[{nth}]"} for nth, code in enumerate(attributes, 1)]
