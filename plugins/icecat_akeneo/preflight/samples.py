"""What a sample of Icecat records says about each feature: names per language, type, units, values.

Icecat sends one record per (product, language); the preflight reasons per feature id across all of them
(the id is stable, the name is localized), so the sample is folded once into one profile per feature.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from icecat_akeneo.icecat.record import ProductRecord


@dataclass
class FeatureProfile:
    feature_id: int
    names: dict[str, str] = field(default_factory=dict)  # Icecat language -> localized name
    types: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)
    values: Counter[str] = field(default_factory=Counter)  # raw values (one per selected item for multi)
    localized_values: dict[str, dict[str, str]] = field(default_factory=dict)  # raw value -> {lang: label}
    products: set[int] = field(default_factory=set)

    @property
    def type(self) -> str:
        return self.types.most_common(1)[0][0] if self.types else "text"

    @property
    def unit(self) -> str | None:
        return self.units.most_common(1)[0][0] if self.units else None

    @property
    def name(self) -> str:
        return self.names.get("EN") or next(iter(self.names.values()), f"feature {self.feature_id}")

    @property
    def frequency(self) -> int:
        """How many sampled products carry the feature."""
        return len(self.products)


def split_values(feature_type: str, raw_value: str | None) -> list[str]:
    """A multi_dropdown's raw value is a comma-separated list; every other value is one item."""
    if not raw_value:
        return []
    if feature_type == "multi_dropdown":
        return [item.strip() for item in raw_value.split(",") if item.strip()]
    return [raw_value.strip()]


def content_language(record: ProductRecord) -> str:
    """The language the record's texts are really in: Icecat may answer a DE request with EN content."""
    return (record.content_language or record.lang).upper()


def profile_features(
    records: Iterable[ProductRecord], reference_lang: str = "EN"
) -> dict[int, FeatureProfile]:
    """Fold records into one profile per feature id.

    Values are keyed by their `reference_lang` spelling (option codes must not depend on the language), and
    each other language's spelling of the same product's feature becomes that value's localized label.
    Records are folded in a fixed order (language, then product), so the same sample always gives the same
    profiles whatever order the lookups finished in.
    """
    ordered = sorted(
        records,
        key=lambda record: (
            content_language(record) != reference_lang,
            content_language(record),
            record.icecat_id,
        ),
    )
    profiles: dict[int, FeatureProfile] = {}
    reference_values: dict[tuple[int, int], list[str]] = {}
    for record in ordered:
        lang = content_language(record)
        for feature in record.features:
            profile = profiles.setdefault(feature.feature_id, FeatureProfile(feature.feature_id))
            profile.names.setdefault(lang, feature.name)
            profile.types[feature.type] += 1
            if feature.unit:
                profile.units[feature.unit] += 1
            profile.products.add(record.icecat_id)
            items = split_values(feature.type, feature.raw_value)
            key = (record.icecat_id, feature.feature_id)
            if key not in reference_values:
                reference_values[key] = items
                profile.values.update(items)
            for reference, local in zip(reference_values[key], items, strict=False):
                profile.localized_values.setdefault(reference, {}).setdefault(lang, local)
    return profiles
