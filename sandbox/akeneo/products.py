"""The product resource: Akeneo's upsert/merge rules on write, and its exact shape on read.

Write rules (update.md "Patch rules"): unspecified properties stay, objects merge, lists replace, values
merge per attribute + locale + scope, `data: null` erases one value, and `updated` moves only when the
product really changed, which the connector's "nothing to do" detection relies on.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.akeneo.catalog import DEFAULT_ASSOCIATION_TYPES, Catalog
from sandbox.akeneo.errors import CHECK_FORMAT, ApiError, documented, type_name, validation_failed
from sandbox.akeneo.value_types import AssetLookup
from sandbox.akeneo.values import MediaLookup, ValueChecker
from sandbox.akeneo.variants import axes, axis_conflict, family_variant, level_count, level_errors

WRITABLE_PROPERTIES = (
    "identifier",
    "enabled",
    "family",
    "categories",
    "groups",
    "parent",
    "values",
    "associations",
    "quantified_associations",
    "created",
    "updated",
)
ASSOCIATION_KEYS = ("products", "product_models", "groups")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def product_uuid(identifier: str) -> str:
    """The uuid of a seeded or identifier-API-created product: derived from the identifier, so every run of
    a fixture has the same uuids (Akeneo draws random ones)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"akeneo-sandbox:{identifier}"))


def new_product(identifier: str | None, now: str, product_id: str | None = None) -> dict[str, Any]:
    return {
        "uuid": product_id or product_uuid(identifier or ""),
        "identifier": identifier,
        "enabled": True,
        "family": None,
        "categories": [],
        "groups": [],
        "parent": None,
        "values": {},
        "created": now,
        "updated": now,
        "associations": {kind: {key: [] for key in ASSOCIATION_KEYS} for kind in DEFAULT_ASSOCIATION_TYPES},
        "quantified_associations": {},
    }


def _require_type(name: str, value: object, expected: type, what: str) -> None:
    if not isinstance(value, expected):
        raise documented(f'Property "{name}" expects {what} as data, "{type_name(value)}" given.{CHECK_FORMAT}')


def _string_list(name: str, value: object) -> list[str]:
    _require_type(name, value, list, "an array")
    if not all(isinstance(item, str) for item in value):  # type: ignore[union-attr]
        raise documented(f'Property "{name}" expects an array of strings as data.{CHECK_FORMAT}')
    return list(value)  # type: ignore[arg-type]


def merge_values(
    current: dict[str, list[dict[str, Any]]], changes: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    merged = copy.deepcopy(current)
    for code, entries in changes.items():
        kept = merged.get(code, [])
        for entry in entries:
            kept = [old for old in kept if (old["locale"], old["scope"]) != (entry["locale"], entry["scope"])]
            if entry["data"] is not None:
                kept.append(entry)
        if kept:
            merged[code] = kept
        else:
            merged.pop(code, None)
    return merged


@dataclass
class ProductUpdater:
    """Applies one standard-format payload to a product (or creates it)."""

    catalog: Catalog
    media_lookup: MediaLookup
    model_lookup: Callable[[str], dict[str, Any] | None] = lambda code: None
    siblings: Callable[[str], Iterable[dict[str, Any]]] = lambda parent: ()
    asset_lookup: AssetLookup = lambda family, code: True  # the Asset Manager's assets (assets.py)

    def apply(
        self,
        current: dict[str, Any] | None,
        identifier: str | None,
        payload: dict[str, Any],
        product_id: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Return (product, changed); raise ApiError (422) with Akeneo's body when the payload is refused."""
        for key in payload:
            if key not in WRITABLE_PROPERTIES:
                raise documented(f'Property "{key}" does not exist.')
        now = utc_now()
        product = copy.deepcopy(current) if current else new_product(identifier, now, product_id)
        product["identifier"] = identifier  # the UUID API may rename (or remove) the identifier
        entities = self.catalog.entities
        if "enabled" in payload:
            _require_type("enabled", payload["enabled"], bool, "a boolean")
            product["enabled"] = payload["enabled"]
        if "family" in payload:
            family = payload["family"]
            if family is not None:
                _require_type("family", family, str, "a string")
                if family not in entities["families"]:
                    raise documented(f"The {family} family does not exist in your PIM.{CHECK_FORMAT}")
            product["family"] = family
        if "categories" in payload:
            categories = _string_list("categories", payload["categories"])
            for category in categories:
                if category not in entities["categories"]:
                    raise documented(f"The {category} category does not exist in your PIM.{CHECK_FORMAT}")
            product["categories"] = sorted(set(categories))
        if "groups" in payload:
            groups = _string_list("groups", payload["groups"])
            if groups:  # the sandbox has no product groups
                raise documented(f"The {groups[0]} group does not exist in your PIM.{CHECK_FORMAT}")
        if "parent" in payload:
            product["parent"] = self._parent(payload["parent"])
        checker = ValueChecker(self.catalog, self.media_lookup, self.asset_lookup)
        if "values" in payload:
            changes = checker.normalize(payload["values"])
            identifier_code = self.catalog.identifier_attribute
            changes.pop(identifier_code, None)  # the identifier is the top-level `identifier`, never a value
            product["values"] = merge_values(product["values"], changes)
        if "associations" in payload:
            product["associations"] = self._associations(product["associations"], payload["associations"])
        if "quantified_associations" in payload:
            _require_type("quantified_associations", payload["quantified_associations"], dict, "an array")
            product["quantified_associations"] = {
                **product["quantified_associations"],
                **payload["quantified_associations"],
            }
        errors = checker.errors + self._variant_errors(product)
        if errors:
            raise validation_failed(errors)
        return product, stamped(current, product, now)

    def _parent(self, parent: object) -> str | None:
        if parent is None:
            return None
        if not isinstance(parent, str) or self.model_lookup(parent) is None:
            raise ApiError(422, f'The given product model "{parent}" does not exist')
        return parent

    def _variant_errors(self, product: dict[str, Any]) -> list[dict[str, Any]]:
        """A variant product: its model's family, a model of the last level, its own level's values."""
        model = self.model_lookup(product["parent"]) if product["parent"] else None
        if model is None:
            return []
        if product["family"] is None:
            product["family"] = model["family"]
        if product["family"] != model["family"]:
            return [{"property": "family", "message": "The variant product family must be the same than its parent"}]
        variant = family_variant(self.catalog, model["family_variant"]) or {}
        levels = level_count(variant)
        errors = level_errors(self.catalog, variant, levels, product["values"])
        if (model["parent"] is None) != (levels == 1):
            errors.append(
                {
                    "property": "parent",
                    "message": f'The variant product cannot have product model "{model["code"]}" as parent, '
                    "(this product model can only have other product models as children)",
                }
            )
        if errors:
            return errors
        siblings = self.siblings(model["code"])
        codes = axes(variant, levels)
        return axis_conflict(product["identifier"], "identifier", product["values"], codes, siblings, "variant product")

    def _associations(self, current: dict[str, Any], patch: object) -> dict[str, Any]:
        _require_type("associations", patch, dict, "an array")
        merged = copy.deepcopy(current)
        for kind, links in patch.items():  # type: ignore[union-attr]
            if kind not in DEFAULT_ASSOCIATION_TYPES:
                raise documented(f"The {kind} association type does not exist in your PIM.{CHECK_FORMAT}")
            _require_type(f"associations.{kind}", links, dict, "an array")
            for key, codes in links.items():
                if key not in ASSOCIATION_KEYS:
                    raise documented(f'Property "{key}" does not exist.')
                merged[kind][key] = _string_list(f"associations.{kind}.{key}", codes)
        return merged


def stamped(current: dict[str, Any] | None, written: dict[str, Any], now: str) -> bool:
    """Whether a write changed the entity; `updated` moves to `now` only then (creations keep theirs)."""
    changed = current is None or {**written, "updated": None} != {**current, "updated": None}
    if changed and current is not None:
        written["updated"] = now
    return changed


def refuse_existing(current: dict[str, Any] | None, create_only: bool, prop: str, message: str) -> None:
    """POST of something that exists: Akeneo's 422 on the key property."""
    if create_only and current is not None:
        raise validation_failed([{"property": prop, "message": message}])


def check_identifier(value: object) -> str:
    """The identifier of a PATCH/POST body, or the 422 Akeneo gives when it is absent."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "Identifier is missing.")
    return value
