"""Which level of a product model tree owns each attribute, from the family variant: where a value must go.

Akeneo refuses a whole variant-product line when one of its values belongs to a model's level (`Cannot set
the property "x" to this entity as it is not in the attribute set`), so every mapped value is routed to the
entity that owns its attribute:

- level 0, the root product model: the family's attributes no variant attribute set takes;
- level k (1 <= k < levels), the sub-model: the attributes and axes of the k-th variant attribute set;
- the last level, the variant product: its attribute set's attributes and axes (and the identifier).

Axis values (colour, storage, ...) are the client's: they define the variants and must stay unique among
siblings, so they are never written; a value Icecat would change on one is reported instead (`AXIS`).
Pure: it knows the family variant as `GET /families/{family}/variants` returns it, nothing else.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Values = dict[str, list[dict[str, Any]]]
MODEL_KEY_PREFIX = "model:"
"""State keys and result rows of product models: `model:<code>`, never equal to a product identifier."""


def model_key(code: str) -> str:
    return f"{MODEL_KEY_PREFIX}{code}"


def model_code(key: str) -> str | None:
    """The product model code of a `model:<code>` key; None for a product's identifier."""
    return key.removeprefix(MODEL_KEY_PREFIX) if key.startswith(MODEL_KEY_PREFIX) else None


@dataclass(frozen=True)
class VariantLevels:
    """One family variant's levels: the level owning each attribute (0 = root model) and the axes."""

    code: str
    depth: int                       # number of variant levels: 1 (root -> variants) or 2 (root -> sub -> variants)
    owners: Mapping[str, int]        # attribute -> level of the variant attribute set that takes it
    axes: Mapping[str, int]          # axis attribute -> its level

    def level_of(self, attribute: str) -> int:
        """The level whose entity holds `attribute`; an attribute no variant set takes is the root model's."""
        return self.owners.get(attribute, 0)

    def is_axis(self, attribute: str) -> bool:
        return attribute in self.axes

    def level_name(self, level: int) -> str:
        if level == 0:
            return "root model"
        return "variant product" if level == self.depth else f"sub-model (level {level})"


def variant_levels(family_variant: Mapping[str, Any]) -> VariantLevels:
    """The levels of a family variant (its `variant_attribute_sets`, in any order)."""
    sets = sorted(family_variant.get("variant_attribute_sets") or [], key=lambda item: item["level"])
    owners: dict[str, int] = {}
    axes: dict[str, int] = {}
    for attribute_set in sets:
        level = int(attribute_set["level"])
        for attribute in (*attribute_set.get("attributes", []), *attribute_set.get("axes", [])):
            owners[attribute] = level
        axes.update(dict.fromkeys(attribute_set.get("axes", []), level))
    return VariantLevels(str(family_variant["code"]), len(sets), owners, axes)


@dataclass
class RoutedValues:
    """A variant product's desired values split by owner: its own, each model's, and the axes (not sent)."""

    own: Values
    models: dict[str, Values]        # model code -> the values that model's level owns
    axes: Values


def route_values(values: Values, levels: VariantLevels, chain: Sequence[str]) -> RoutedValues:
    """Split one variant product's values by the level owning each attribute.

    `chain` lists the product's model codes from the root down to its parent (one code for a one-level
    family variant, two for two levels); a level missing from `chain` (a broken tree) keeps nothing."""
    routed = RoutedValues({}, {}, {})
    for attribute, entries in values.items():
        if levels.is_axis(attribute):
            routed.axes[attribute] = entries
            continue
        level = levels.level_of(attribute)
        if level >= levels.depth:
            routed.own[attribute] = entries
        elif level < len(chain):
            routed.models.setdefault(chain[level], {})[attribute] = entries
    return routed


def model_chain(parent: str, parents: Mapping[str, str | None]) -> list[str]:
    """The model codes from the root down to `parent` (`parents`: model code -> its parent's code)."""
    chain = [parent]
    while parents.get(chain[0]) and len(chain) < 3:  # Akeneo trees have at most two model levels
        chain.insert(0, str(parents[chain[0]]))
    return chain


def attributes_by_level(levels: VariantLevels, attributes: Sequence[str]) -> dict[str, list[str]]:
    """The mapped `attributes` grouped by the level name owning them (axes apart): the preflight's table."""
    grouped: dict[str, list[str]] = {}
    for attribute in attributes:
        where = "axis (never written)" if levels.is_axis(attribute) else levels.level_name(levels.level_of(attribute))
        grouped.setdefault(where, []).append(attribute)
    return grouped
