"""Reading an Akeneo product's attribute as text: how extract fills the identifier columns and how the
preflight's selection dry run shows what a filter would see."""

from __future__ import annotations

import json
from typing import Any

from icecat_akeneo.catalog.taxonomy import IDENTIFIER as IDENTIFIER_TYPE


def main_identifier_attribute(attributes: list[dict[str, Any]]) -> str | None:
    """The attribute whose value is a product's top-level `identifier`: the one with `is_main_identifier`
    (Akeneo 7 / SaaS may have several identifier attributes), else the only identifier attribute (5.0/6.0
    have one and no flag); None when that cannot be told."""
    identifiers = [attribute for attribute in attributes if attribute.get("type") == IDENTIFIER_TYPE]
    main = [attribute["code"] for attribute in identifiers if attribute.get("is_main_identifier")]
    if main:
        return main[0]
    return identifiers[0]["code"] if len(identifiers) == 1 else None


def read_value(
    product: dict[str, Any], attribute: str | None, identifier_attribute: str | None
) -> str | None:
    """A product's value for `attribute` as text: the locale/scope-less value if there is one (that is how
    Akeneo stores non-localizable, non-scopable attributes), else the first value Akeneo returned.
    The main identifier attribute is read from the top-level `identifier` (5.0/6.0 leave it out of `values`);
    any other attribute, an identifier attribute too (an `ean` beside the `sku`), from `values`."""
    if not attribute:
        return None
    if attribute == identifier_attribute and product.get("identifier"):
        return str(product["identifier"])
    entries = (product.get("values") or {}).get(attribute) or []
    chosen = next((e for e in entries if e.get("locale") is None and e.get("scope") is None), None)
    if chosen is None and entries:
        chosen = entries[0]
    data = chosen.get("data") if chosen else None
    if data is None or data == "":
        return None
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
