"""Option 1 check: can every field of a client's mapping actually be written into their Akeneo?

A mapping that names a missing attribute, a locale the PIM has not activated or a type that cannot hold the
value fails every product of every run with the same 422. Checking the mapping against the taxonomy once,
before go-live, turns those into a handful of findings, each naming the client, the field and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from icecat_akeneo.catalog import taxonomy as t
from icecat_akeneo.catalog.compatibility import akeneo_unit, feature_fit, source_fit, source_kind
from icecat_akeneo.catalog.taxonomy import Taxonomy, short_type
from icecat_akeneo.preflight.samples import FeatureProfile

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping, FieldMapping

ICECAT_TAXONOMY_OPTION = "icecat_taxonomy"


@dataclass(frozen=True)
class Finding:
    client: str
    code: str  # unknown_attribute, type_mismatch, locale_not_activated, ...
    where: str  # "fields[4]", "languages.DE", "identifiers.gtin", "channel"
    attribute: str | None
    message: str
    fix: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.client}: {self.where} ({self.attribute or '-'}): {self.message}. Fix: {self.fix}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def errors(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == "error"]


def _close_matches(code: str, taxonomy: Taxonomy) -> str:
    matches = difflib.get_close_matches(code, list(taxonomy.attributes), n=3, cutoff=0.5)
    return f" (close matches: {', '.join(matches)})" if matches else ""


class _Checker:
    def __init__(self, mapping: ClientMapping, taxonomy: Taxonomy, features: Mapping[int, FeatureProfile]) -> None:
        self.mapping = mapping
        self.taxonomy = taxonomy
        self.features = features
        self.findings: list[Finding] = []

    def add(
        self, code: str, where: str, attribute: str | None, message: str, fix: str, severity: str = "error"
    ) -> None:
        self.findings.append(Finding(self.mapping.client, code, where, attribute, message, fix, severity))

    def check_channel_and_locales(self) -> None:
        channel = self.mapping.channel
        if channel not in self.taxonomy.channels:
            self.add(
                "unknown_channel",
                "channel",
                None,
                f"channel {channel!r} does not exist in Akeneo",
                f"use one of {sorted(self.taxonomy.channels)}",
            )
            return
        activated, bound = self.taxonomy.activated_locales, self.taxonomy.channel_locales(channel)
        for language, locale in self.mapping.languages.items():
            where = f"languages.{language}"
            if locale not in activated:
                self.add(
                    "locale_not_activated",
                    where,
                    None,
                    f"locale {locale} is not activated in Akeneo",
                    f"add {locale} to channel {channel!r} in Akeneo, or remove {language} from languages",
                )
            elif locale not in bound:
                self.add(
                    "locale_not_in_channel",
                    where,
                    None,
                    f"locale {locale} is activated but not bound to channel {channel!r}",
                    f"add {locale} to channel {channel!r}'s locales in Akeneo",
                )

    def check_identifiers(self) -> None:
        for key, code in self.mapping.identifiers.model_dump().items():
            if code and self.taxonomy.attribute(code) is None:
                self.add(
                    "unknown_identifier_attribute",
                    f"identifiers.{key}",
                    code,
                    f"identifier attribute {code!r} does not exist in Akeneo",
                    f"set identifiers.{key} to an existing attribute{_close_matches(code, self.taxonomy)}",
                )

    def check_field(self, index: int, field: FieldMapping) -> None:
        where, code = f"fields[{index}]", field.attribute
        attribute = self.taxonomy.attribute(code)
        if attribute is None:
            self.add(
                "unknown_attribute",
                where,
                code,
                f"attribute {code!r} does not exist in Akeneo",
                f"create it, or map {field.source} to an existing attribute"
                + _close_matches(code, self.taxonomy),
            )
            return
        if self._type_fits(where, field, attribute):
            self._check_unit(where, field, attribute)
            self._check_options(where, field, attribute)
        self._check_scope_and_locales(where, field, attribute)

    def _type_fits(self, where: str, field: FieldMapping, attribute: dict[str, Any]) -> bool:
        source, attribute_type = field.source, attribute["type"]
        fit = source_fit(source, attribute_type)
        described = source
        if source_kind(source) == "feature":
            profile = self.features.get(int(source.split(":", 1)[1]))
            if profile is None:
                return True  # no sample carries this feature: nothing to judge its type by
            fit, described = feature_fit(profile.type, attribute_type), f"{source} ({profile.type})"
        elif fit is None:
            self.add(
                "unknown_source",
                where,
                field.attribute,
                f"source {source!r} is not an Icecat record field",
                "use a source listed in docs/mapping.md (title, feature:<id>, media:<kind>, ...)",
            )
            return False
        if fit == 0.0:
            self.add(
                "type_mismatch",
                where,
                field.attribute,
                f"{described} cannot be written into a {short_type(attribute_type)} attribute",
                "map it to an attribute of a compatible type, or map another source into this attribute",
            )
            return False
        return True

    def _check_unit(self, where: str, field: FieldMapping, attribute: dict[str, Any]) -> None:
        if attribute["type"] != t.METRIC:
            return
        family = attribute.get("metric_family")
        units = self.taxonomy.metric_units(family)
        if getattr(field, "unit", None) and field.unit not in units:
            self.add(
                "unknown_unit",
                where,
                field.attribute,
                f"unit {field.unit} is not in measurement family {family}",
                f"use one of {sorted(units)}",
            )
        profile = (
            self.features.get(int(field.source.split(":", 1)[1]))
            if field.source.startswith("feature:")
            else None
        )
        if profile is not None and akeneo_unit(profile.unit, units) is None:
            self.add(
                "unit_not_convertible",
                where,
                field.attribute,
                f"Icecat unit {profile.unit!r} of {field.source} has no unit in measurement family {family}",
                "map the feature to a number or text attribute, or add the unit to the family",
            )

    def _check_options(self, where: str, field: FieldMapping, attribute: dict[str, Any]) -> None:
        options = getattr(field, "options", None) or {}
        if attribute["type"] not in t.SELECT_TYPES or not options:
            return
        existing = self.taxonomy.option_codes(field.attribute)
        missing = sorted({code for code in options.values() if code.lower() not in existing})
        if not missing:
            return
        if self.mapping.mapping_option == ICECAT_TAXONOMY_OPTION:
            self.add(
                "option_will_be_created",
                where,
                field.attribute,
                f"options {missing} do not exist yet",
                "nothing: option 3 creates them",
                severity="warning",
            )
        else:
            self.add(
                "unknown_option",
                where,
                field.attribute,
                f"option codes {missing} do not exist for attribute {field.attribute!r}",
                "create them in Akeneo or correct the `options:` map",
            )

    def _check_scope_and_locales(self, where: str, field: FieldMapping, attribute: dict[str, Any]) -> None:
        scope = getattr(field, "scope", None)
        if scope and not attribute.get("scopable"):
            self.add(
                "scope_not_expected",
                where,
                field.attribute,
                f"attribute {field.attribute!r} is not scopable but the field sets scope {scope!r}",
                "remove `scope:` from the field",
            )
        elif scope and scope not in self.taxonomy.channels:
            self.add(
                "unknown_channel",
                where,
                field.attribute,
                f"scope {scope!r} is not an Akeneo channel",
                f"use one of {sorted(self.taxonomy.channels)}",
            )
        for locale in getattr(field, "locales", None) or []:
            if locale not in self.mapping.languages.values():
                self.add(
                    "locale_not_mapped",
                    where,
                    field.attribute,
                    f"field locale {locale} is not one of the mapping's languages",
                    "add the Icecat language for it under `languages:` or drop it from the field",
                )


def check_mapping(
    mapping: ClientMapping, taxonomy: Taxonomy | dict[str, Any], features: Mapping[int, FeatureProfile] | None = None
) -> list[Finding]:
    """All findings for a `ClientMapping` against a taxonomy; `features` (from a sample) enables type and
    unit checks of `feature:<id>` sources."""
    checker = _Checker(
        mapping, taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy), features or {}
    )
    checker.check_channel_and_locales()
    checker.check_identifiers()
    for index, field in enumerate(mapping.fields):
        checker.check_field(index, field)
    return checker.findings


def unmapped_features(mapping: ClientMapping, features: Mapping[int, FeatureProfile]) -> list[dict[str, Any]]:
    """Icecat features seen in the sample that no field maps, most frequent first."""
    mapped = {field.source for field in mapping.fields}
    rows = [
        {
            "feature_id": profile.feature_id,
            "name": profile.name,
            "type": profile.type,
            "products": profile.frequency,
        }
        for profile in features.values()
        if f"feature:{profile.feature_id}" not in mapped
    ]
    return sorted(rows, key=lambda row: (-row["products"], row["feature_id"]))
