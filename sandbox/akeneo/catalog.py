"""The catalogue structure (locales, channels, attributes, options, families, categories...) held in memory.

It is small even for a million products, every product write validates against it, and a reset must
restore it instantly, so it lives in dicts (with a pristine copy of the seed) rather than in SQLite.
"""

from __future__ import annotations

import copy
from typing import Any

CATALOG_KINDS = (
    "locales",
    "currencies",
    "channels",
    "measurement_families",
    "categories",
    "attributes",
    "families",
    "family_variants",  # each with its `family` (the API shows it in the URL only)
)
IDENTIFIER_TYPE = "pim_catalog_identifier"
SELECT_TYPES = ("pim_catalog_simpleselect", "pim_catalog_multiselect")
MEDIA_TYPES = ("pim_catalog_image", "pim_catalog_file")
ATTRIBUTE_TYPES = (
    IDENTIFIER_TYPE,
    "pim_catalog_text",
    "pim_catalog_textarea",
    "pim_catalog_number",
    "pim_catalog_metric",
    "pim_catalog_price_collection",
    *SELECT_TYPES,
    "pim_catalog_boolean",
    "pim_catalog_date",
    *MEDIA_TYPES,
    "pim_catalog_asset_collection",  # EE / SaaS: `reference_data_name` is the asset family (assets.py)
)
ATTRIBUTE_DEFAULTS: dict[str, Any] = {
    "group": "other",
    "group_labels": {},
    "unique": False,
    "useable_as_grid_filter": False,
    "allowed_extensions": [],
    "metric_family": None,
    "default_metric_unit": None,
    "reference_data_name": None,
    "available_locales": [],
    "max_characters": None,
    "validation_rule": None,
    "validation_regexp": None,
    "wysiwyg_enabled": None,
    "number_min": None,
    "number_max": None,
    "decimals_allowed": None,
    "negative_allowed": None,
    "date_min": None,
    "date_max": None,
    "max_file_size": None,
    "sort_order": 0,
    "localizable": False,
    "scopable": False,
    "default_value": None,
    "labels": {},
}
DEFAULT_ASSOCIATION_TYPES = ("PACK", "SUBSTITUTION", "UPSELL", "X_SELL")


def complete_attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    """Akeneo returns every attribute property, `null` where it does not apply."""
    return {
        "code": attribute["code"],
        "type": attribute.get("type"),
        **ATTRIBUTE_DEFAULTS,
        **{key: value for key, value in attribute.items() if key not in ("code", "type")},
    }


def merge_patch(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Akeneo's patch rule: objects merge key by key, everything else (scalars, lists) replaces."""
    merged = dict(current)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = value
    return merged


class Catalog:
    """Lookups the validators and filters need, over the current catalogue."""

    def __init__(self, fixture: dict[str, list[dict[str, Any]]]) -> None:
        self._seed = copy.deepcopy(
            {kind: fixture.get(kind, []) for kind in (*CATALOG_KINDS, "attribute_options")}
        )
        self.restore()

    def restore(self) -> None:
        """Back to the seeded catalogue."""
        seed = copy.deepcopy(self._seed)
        self.entities: dict[str, dict[str, dict[str, Any]]] = {
            kind: {item["code"]: item for item in seed[kind]} for kind in CATALOG_KINDS
        }
        self.entities["attributes"] = {
            code: complete_attribute(item) for code, item in self.entities["attributes"].items()
        }
        identifiers = [item for item in self.entities["attributes"].values() if item["type"] == IDENTIFIER_TYPE]
        main = next((item for item in identifiers if item.get("is_main_identifier")), None)
        for item in identifiers:  # Akeneo 7: exactly one identifier attribute is the main one
            item["is_main_identifier"] = item is (main or identifiers[0])
        self.options: dict[str, dict[str, dict[str, Any]]] = {}
        for option in seed["attribute_options"]:
            self.options.setdefault(option["attribute"], {})[option["code"]] = option

    # --- lookups -------------------------------------------------------------------------------------------
    def attribute(self, code: str) -> dict[str, Any] | None:
        return self.entities["attributes"].get(code)

    @property
    def identifier_attribute(self) -> str:
        """The main identifier attribute (`is_main_identifier`), the product's top-level `identifier`."""
        for code, attribute in self.entities["attributes"].items():
            if attribute["type"] == IDENTIFIER_TYPE and attribute.get("is_main_identifier", True):
                return code
        return "sku"

    def activated_locales(self) -> set[str]:
        """A locale is activated iff at least one channel uses it."""
        return {
            locale for channel in self.entities["channels"].values() for locale in channel.get("locales", [])
        }

    def activated_currencies(self) -> set[str]:
        return {code for code, currency in self.entities["currencies"].items() if currency.get("enabled")}

    def channel(self, code: str) -> dict[str, Any] | None:
        return self.entities["channels"].get(code)

    def has_option(self, attribute: str, code: str) -> bool:
        return code in self.options.get(attribute, {})

    def option_code(self, attribute: str, code: str) -> str | None:
        """Option codes are case-insensitive in Akeneo; return the stored spelling."""
        lowered = code.lower()
        return next((known for known in self.options.get(attribute, {}) if known.lower() == lowered), None)

    def metric_units(self, family: str) -> dict[str, Any]:
        return self.entities["measurement_families"].get(family, {}).get("units", {})

    def category_with_descendants(self, code: str) -> set[str]:
        children: dict[str | None, list[str]] = {}
        for category in self.entities["categories"].values():
            children.setdefault(category.get("parent"), []).append(category["code"])
        found, todo = set(), [code]
        while todo:
            current = todo.pop()
            found.add(current)
            todo.extend(children.get(current, []))
        return found

    def locale_resource(self, code: str) -> dict[str, Any]:
        return {"code": code, "enabled": code in self.activated_locales()}
