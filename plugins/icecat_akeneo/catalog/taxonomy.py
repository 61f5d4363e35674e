"""A read-only view over a client's Akeneo taxonomy (the `extract/taxonomy.json` shape).

Every preflight check asks the same questions (does this attribute exist, which locales are activated, which
units does a measurement family hold, which option codes exist); answering them in one place keeps the
checks short and makes them agree with each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

IDENTIFIER = "pim_catalog_identifier"
TEXT = "pim_catalog_text"
TEXTAREA = "pim_catalog_textarea"
NUMBER = "pim_catalog_number"
METRIC = "pim_catalog_metric"
BOOLEAN = "pim_catalog_boolean"
SIMPLESELECT = "pim_catalog_simpleselect"
MULTISELECT = "pim_catalog_multiselect"
DATE = "pim_catalog_date"
IMAGE = "pim_catalog_image"
FILE = "pim_catalog_file"
ASSET_COLLECTION = "pim_catalog_asset_collection"  # Enterprise / SaaS Asset Manager (asset_values.py)
SELECT_TYPES = (SIMPLESELECT, MULTISELECT)


def short_type(attribute_type: str) -> str:
    """`pim_catalog_metric` -> `metric`, for messages a person reads."""
    return attribute_type.removeprefix("pim_catalog_")


def option_code(value: str) -> str:
    """The default option code of an Icecat value: lower-case, non-alphanumerics to `_` (docs/mapping.md)."""
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


@dataclass(frozen=True)
class Taxonomy:
    raw: dict[str, Any]

    @property
    def attributes(self) -> dict[str, dict[str, Any]]:
        return {attribute["code"]: attribute for attribute in self.raw.get("attributes", [])}

    def attribute(self, code: str) -> dict[str, Any] | None:
        return self.attributes.get(code)

    def option_codes(self, attribute: str) -> set[str]:
        """Option codes of a select attribute, lower-cased (Akeneo compares them case-insensitively)."""
        return {option["code"].lower() for option in self.raw.get("attribute_options", {}).get(attribute, [])}

    def options(self, attribute: str) -> list[dict[str, Any]]:
        return list(self.raw.get("attribute_options", {}).get(attribute, []))

    @property
    def channels(self) -> dict[str, dict[str, Any]]:
        return {channel["code"]: channel for channel in self.raw.get("channels", [])}

    @property
    def activated_locales(self) -> set[str]:
        """Akeneo activates a locale iff a channel uses it; trust the channels over the `enabled` flag."""
        from_channels = {
            locale for channel in self.raw.get("channels", []) for locale in channel.get("locales", [])
        }
        flagged = {locale["code"] for locale in self.raw.get("locales", []) if locale.get("enabled")}
        return from_channels | flagged

    def channel_locales(self, channel: str) -> set[str]:
        return set(self.channels.get(channel, {}).get("locales", []))

    def metric_units(self, family: str | None) -> set[str]:
        """Unit codes of a measurement family (`/measurement-families` lists units as a dict or a list)."""
        for measurement_family in self.raw.get("measurement_families", []):
            if measurement_family.get("code") == family:
                units = measurement_family.get("units", {})
                return set(units) if isinstance(units, dict) else {unit["code"] for unit in units}
        return set()

    @property
    def families(self) -> dict[str, dict[str, Any]]:
        return {family["code"]: family for family in self.raw.get("families", [])}
