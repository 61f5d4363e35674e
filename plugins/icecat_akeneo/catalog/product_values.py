"""Reading an Akeneo product's attribute as text: how extract fills the identifier columns and how the
preflight's selection dry run shows what a filter would see."""

from __future__ import annotations

import json
from typing import Any


def read_value(
    product: dict[str, Any], attribute: str | None, identifier_attribute: str | None
) -> str | None:
    """A product's value for `attribute` as text: the locale/scope-less value if there is one (that is how
    Akeneo stores non-localizable, non-scopable attributes), else the first value Akeneo returned.
    The identifier attribute is read from the top-level `identifier` (5.0/6.0 leave it out of `values`)."""
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
