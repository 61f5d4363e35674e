"""The product resource: Akeneo's upsert/merge rules on write, and its exact shape on read.

Write rules (update.md "Patch rules"): unspecified properties stay, objects merge, lists replace, values
merge per attribute + locale + scope, `data: null` erases one value, and `updated` moves only when the
product really changed, which the connector's "nothing to do" detection relies on.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sandbox.akeneo.catalog import DEFAULT_ASSOCIATION_TYPES, MEDIA_TYPES, Catalog
from sandbox.akeneo.errors import CHECK_FORMAT, ApiError, documented, type_name, validation_failed
from sandbox.akeneo.values import MediaLookup, ValueChecker

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


def new_product(identifier: str, now: str) -> dict[str, Any]:
    return {
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
        raise documented(
            f'Property "{name}" expects {what} as data, "{type_name(value)}" given.{CHECK_FORMAT}'
        )


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

    def apply(
        self, current: dict[str, Any] | None, identifier: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Return (product, changed); raise ApiError (422) with Akeneo's body when the payload is refused."""
        for key in payload:
            if key not in WRITABLE_PROPERTIES:
                raise documented(f'Property "{key}" does not exist.')
        now = utc_now()
        product = copy.deepcopy(current) if current else new_product(identifier, now)
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
        if payload.get("parent") is not None:
            raise documented(
                f"The {payload['parent']} product model does not exist in your PIM.{CHECK_FORMAT}"
            )
        checker = ValueChecker(self.catalog, self.media_lookup)
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
        if checker.errors:
            raise validation_failed(checker.errors)
        changed = current is None or {**product, "updated": None} != {**current, "updated": None}
        if changed and current is not None:
            product["updated"] = now
        return product, changed

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


def check_identifier(value: object) -> str:
    """The identifier of a PATCH/POST body, or the 422 Akeneo gives when it is absent."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "Identifier is missing.")
    return value


@dataclass(frozen=True)
class ReadOptions:
    """The `scope`, `locales` and `attributes` query parameters: which values a read returns."""

    scope: str | None = None
    locales: frozenset[str] | None = None
    attributes: frozenset[str] | None = None


def product_url(base_url: str, identifier: str) -> str:
    return f"{base_url}/api/rest/v1/products/{quote(identifier, safe='')}"


def render(
    product: dict[str, Any], base_url: str, catalog: Catalog, options: ReadOptions = ReadOptions()
) -> dict[str, Any]:
    """The product exactly as Akeneo's GET returns it (key order, media download links, filtered values)."""
    values: dict[str, list[dict[str, Any]]] = {}
    for code, entries in product["values"].items():
        if options.attributes is not None and code not in options.attributes:
            continue
        attribute = catalog.attribute(code) or {}
        kept = []
        for entry in entries:
            if options.scope is not None and entry["scope"] not in (None, options.scope):
                continue
            if (
                options.locales is not None
                and entry["locale"] is not None
                and entry["locale"] not in options.locales
            ):
                continue
            shown = dict(entry)
            if attribute.get("type") in MEDIA_TYPES:
                shown["_links"] = {
                    "download": {"href": f"{base_url}/api/rest/v1/media-files/{entry['data']}/download"}
                }
            kept.append(shown)
        if kept:
            values[code] = kept
    return {
        "_links": {"self": {"href": product_url(base_url, product["identifier"])}},
        "identifier": product["identifier"],
        "enabled": product["enabled"],
        "family": product["family"],
        "categories": product["categories"],
        "groups": product["groups"],
        "parent": product["parent"],
        "values": values,
        "created": product["created"],
        "updated": product["updated"],
        "associations": product["associations"],
        "quantified_associations": product["quantified_associations"],
    }


def completeness(product: dict[str, Any], catalog: Catalog, channel_code: str) -> dict[str, int]:
    """Percent of the family's required attributes filled, per locale of the channel."""
    channel = catalog.channel(channel_code) or {}
    family = catalog.entities["families"].get(product.get("family") or "")
    required = (family or {}).get("attribute_requirements", {}).get(channel_code, [])
    result = {}
    for locale in channel.get("locales", []):
        if not required:
            result[locale] = 100 if family else 0
            continue
        filled = 0
        for code in required:
            attribute = catalog.attribute(code) or {}
            if code == catalog.identifier_attribute:
                filled += 1
                continue
            wanted = (
                locale if attribute.get("localizable") else None,
                channel_code if attribute.get("scopable") else None,
            )
            filled += any(
                (entry["locale"], entry["scope"]) == wanted for entry in product["values"].get(code, [])
            )
        result[locale] = filled * 100 // len(required)
    return result
