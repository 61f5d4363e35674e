"""Family variants and the levels of a product model tree: which attributes each level owns, its axes,
and the checks Akeneo makes on the values of an entity at one level (messages from pim-community-dev's
variant product and product model API tests).

Level 0 is the root product model (the family's attributes no variant attribute set takes), level k the
k-th variant attribute set: a sub-model when k < the number of levels, else the variant product, which also
owns the identifier attribute.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.akeneo.catalog import Catalog

Errors = list[dict[str, str]]


def family_variant(catalog: Catalog, code: object) -> dict[str, Any] | None:
    return catalog.entities["family_variants"].get(code) if isinstance(code, str) else None


def level_count(variant: dict[str, Any]) -> int:
    return len(variant.get("variant_attribute_sets", []))


def attribute_set(variant: dict[str, Any], level: int) -> dict[str, Any]:
    return next(item for item in variant["variant_attribute_sets"] if item["level"] == level)


def axes(variant: dict[str, Any], level: int) -> list[str]:
    return list(attribute_set(variant, level)["axes"]) if level else []


def level_attributes(catalog: Catalog, variant: dict[str, Any], level: int) -> set[str]:
    """The attributes an entity at `level` may hold values for."""
    sets = variant.get("variant_attribute_sets", [])
    if level == 0:
        family = catalog.entities["families"].get(variant["family"], {})
        taken = {code for item in sets for code in (*item["attributes"], *item["axes"])}
        return set(family.get("attributes", [])) - taken - {catalog.identifier_attribute}
    chosen = attribute_set(variant, level)
    owned = {*chosen["attributes"], *chosen["axes"]}
    return owned | {catalog.identifier_attribute} if level == level_count(variant) else owned


def shown_variant(variant: dict[str, Any]) -> dict[str, Any]:
    """A family variant as `GET /families/{family}/variants/{code}` returns it (the family is in the URL)."""
    return {
        "code": variant["code"],
        "labels": variant.get("labels", {}),
        "variant_attribute_sets": sorted(variant["variant_attribute_sets"], key=lambda item: item["level"]),
    }


def level_errors(catalog: Catalog, variant: dict[str, Any], level: int, values: dict[str, Any]) -> Errors:
    """Values on attributes of another level, and empty axes of this level."""
    allowed = level_attributes(catalog, variant, level)
    errors = [
        {
            "property": "attribute",
            "message": f'Cannot set the property "{code}" to this entity as it is not in the attribute set',
        }
        for code in sorted(values)
        if code not in allowed
    ]
    errors += [
        {
            "property": "attribute",
            "message": f'Attribute "{code}" cannot be empty, as it is defined as an axis for this entity',
        }
        for code in axes(variant, level)
        if not values.get(code)
    ]
    return errors


def axis_key(values: dict[str, Any], codes: list[str]) -> tuple[str, ...]:
    return tuple(str(values[code][0]["data"]) if values.get(code) else "" for code in codes)


def axis_conflict(
    name: str, key: str, values: dict[str, Any], codes: list[str], siblings: Iterable[dict[str, Any]], what: str
) -> Errors:
    """Axis values must be unique among the children of one parent."""
    mine = axis_key(values, codes)
    for sibling in siblings:
        if sibling[key] != name and axis_key(sibling["values"], codes) == mine:
            shown = ",".join(f"[{value}]" for value in mine)
            return [
                {
                    "property": "attribute",
                    "message": f'Cannot set value "{shown}" for the attribute axis "{",".join(codes)}" on '
                    f'{what} "{name}", as the {what} "{sibling[key]}" already has this value',
                }
            ]
    return []
