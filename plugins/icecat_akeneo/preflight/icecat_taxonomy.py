"""Option 3: push Icecat's own taxonomy into the client's Akeneo: an `icecat` group of `icecat_*` attributes.

The client does the mapping inside Akeneo (rules, copies), so the connector only needs attributes shaped
after Icecat's features: one per feature id, named `icecat_<id>_<slug of the EN name>` so codes never change
when a name is translated, typed from the feature type, labelled in every configured locale, select options
with localized labels. Creation is idempotent (what exists is skipped) so the plan can be applied on every
preflight, and it paces option writes because Akeneo SaaS allows only ~3 option calls per second.
The same plan yields the mapping fields, so the ordinary transform writes into these attributes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from icecat_akeneo.catalog import taxonomy as t
from icecat_akeneo.catalog.compatibility import akeneo_unit
from icecat_akeneo.catalog.taxonomy import Taxonomy, option_code
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.preflight.samples import FeatureProfile, profile_features

if TYPE_CHECKING:
    from icecat_akeneo.akeneo.client import AkeneoClient

GROUP_CODE = "icecat"
CODE_PREFIX = "icecat_"
FEATURE_CODE = re.compile(r"icecat_\d+_\w*")
MAX_CODE_LENGTH = 100
OPTIONS_PER_REQUEST = 100
OPTION_CALLS_PER_SECOND = 3.0
GROUP_EXISTS_STATUSES = (409, 422)
UNSUPPORTED_STATUSES = (404, 405)


@dataclass(frozen=True)
class PlannedAttribute:
    code: str
    source: str  # feature:<id>
    body: dict[str, Any]  # the Akeneo attribute resource to create
    options: list[dict[str, Any]] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.body["type"]


@dataclass(frozen=True)
class AttributePlan:
    group: dict[str, Any]
    attributes: list[PlannedAttribute]
    families: list[str]

    def mapping_fields(self) -> list[dict[str, Any]]:
        """The `fields:` a ClientMapping with `mapping_option: icecat_taxonomy` implies: one per attribute."""
        return [{"source": attribute.source, "attribute": attribute.code} for attribute in self.attributes]


def attribute_code(feature_id: int, english_name: str) -> str:
    """`icecat_944_display_diagonal`: the stable id first, then a readable slug, within Akeneo's 100 chars."""
    return f"{CODE_PREFIX}{feature_id}_{option_code(english_name)}"[:MAX_CODE_LENGTH].rstrip("_")


def _labels(localized: Mapping[str, str], fallback: str, languages: Mapping[str, str]) -> dict[str, str]:
    """A label in every configured locale: the Icecat name in that language, else the reference one."""
    return {locale: localized.get(lang) or fallback for lang, locale in languages.items()}


def _metric_fit(unit: str | None, taxonomy: Taxonomy) -> tuple[str, str] | None:
    for family in taxonomy.raw.get("measurement_families", []):
        akeneo = akeneo_unit(unit, taxonomy.metric_units(family["code"]))
        if akeneo:
            return family["code"], akeneo
    return None


def _typed_body(profile: FeatureProfile, taxonomy: Taxonomy) -> dict[str, Any]:
    feature_type, values = profile.type, list(profile.values)
    if feature_type == "numerical":
        numeric = {
            "decimals_allowed": any("." in value for value in values),
            "negative_allowed": any(value.startswith("-") for value in values),
        }
        fit = _metric_fit(profile.unit, taxonomy)
        if fit:
            return {"type": t.METRIC, "metric_family": fit[0], "default_metric_unit": fit[1], **numeric}
        return {"type": t.NUMBER, **numeric}
    if feature_type == "y_n":
        return {"type": t.BOOLEAN}
    if feature_type == "dropdown":
        return {"type": t.SIMPLESELECT}
    if feature_type == "multi_dropdown":
        return {"type": t.MULTISELECT}
    return {"type": t.TEXTAREA if feature_type == "textarea" else t.TEXT, "localizable": True}


def _options(profile: FeatureProfile, code: str, languages: Mapping[str, str]) -> list[dict[str, Any]]:
    by_code: dict[str, dict[str, Any]] = {}
    for value in sorted(profile.values):
        by_code.setdefault(
            option_code(value),
            {
                "code": option_code(value),
                "attribute": code,
                "labels": _labels(profile.localized_values.get(value, {}), value, languages),
            },
        )
    return [by_code[key] for key in sorted(by_code) if key]


def plan_icecat_taxonomy(
    records: Iterable[ProductRecord],
    languages: Mapping[str, str],
    taxonomy: Taxonomy | dict[str, Any],
    families: Iterable[str] = (),
    group: str = GROUP_CODE,
) -> AttributePlan:
    """One attribute per feature seen in `records`; `languages` maps Icecat languages to Akeneo locales."""
    taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy)
    attributes = []
    # option codes come from the first mapped language: the transform reads non-localizable values from it
    reference_lang = next(iter(languages))
    for feature_id, profile in sorted(profile_features(records, reference_lang).items()):
        code = attribute_code(feature_id, profile.name)
        typed = _typed_body(profile, taxonomy)
        label_suffix = f" ({profile.unit})" if typed["type"] == t.NUMBER and profile.unit else ""
        labels = {
            locale: label + label_suffix
            for locale, label in _labels(profile.names, profile.name, languages).items()
        }
        body = {
            "code": code,
            "group": group,
            "labels": labels,
            "localizable": False,
            "scopable": False,
            **typed,
        }
        options = _options(profile, code, languages) if typed["type"] in t.SELECT_TYPES else []
        attributes.append(PlannedAttribute(code, f"feature:{feature_id}", body, options))
    group_labels = {locale: "Icecat" for locale in languages.values()}
    return AttributePlan({"code": group, "labels": group_labels}, attributes, sorted(families))


class Pacer:
    """At most `per_second` calls per second: waits before a call that would come too early."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self.waited = 0.0

    async def wait(self) -> None:
        delay = self._next - self._clock()
        if delay > 0:
            self.waited += delay
            await self._sleep(delay)
        self._next = max(self._clock(), self._next) + self.interval


class _Applier:
    """One `apply_plan` run: what exists (read once), what was done, what failed."""

    def __init__(self, client: AkeneoClient, taxonomy: Taxonomy, pacer: Pacer) -> None:
        self.client, self.taxonomy, self.pacer = client, taxonomy, pacer
        self.existing = taxonomy.attributes
        self.report: dict[str, Any] = {
            kind: {"created": 0, "skipped": 0, "failed": 0}
            for kind in ("group", "attributes", "options", "families")
        }
        self.report["failures"] = []

    def count(self, kind: str, ok: bool, what: str, detail: str | None) -> None:
        self.report[kind]["created" if ok else "failed"] += 1
        if not ok:
            self.report["failures"].append(f"{kind} {what}: {detail}")

    async def group(self, group: dict[str, Any]) -> None:
        """Akeneo has no cheap "does this group exist": an attribute in it proves it; else create and accept
        "already exists" (and "no such route", on PIMs without the endpoint) as skipped."""
        if any(attribute.get("group") == group["code"] for attribute in self.existing.values()):
            self.report["group"]["skipped"] += 1
            return
        result = await self.client.create_attribute_group(group)
        if result.status_code in GROUP_EXISTS_STATUSES + UNSUPPORTED_STATUSES:
            self.report["group"]["skipped"] += 1
        else:
            self.count("group", result.ok, group["code"], result.detail)

    async def attribute(self, attribute: PlannedAttribute, code: str) -> None:
        current = self.existing.get(code)
        if current is None:
            result = await self.client.create_attribute(attribute.body)
            self.count("attributes", result.ok, code, result.detail)
            return
        self.report["attributes"]["skipped"] += 1
        if current.get("type") != attribute.type:
            self.report["failures"].append(
                f"attribute {code}: exists as {current.get('type')}, the plan wants "
                f"{attribute.type}; fix it in Akeneo"
            )

    async def options(self, attribute: PlannedAttribute, code: str) -> None:
        known = self.taxonomy.option_codes(code)
        missing = [
            {**option, "attribute": code}
            for option in attribute.options
            if option["code"].lower() not in known
        ]
        self.report["options"]["skipped"] += len(attribute.options) - len(missing)
        for start in range(0, len(missing), OPTIONS_PER_REQUEST):
            await self.pacer.wait()
            for line in await self.client.patch_attribute_options(
                code, missing[start : start + OPTIONS_PER_REQUEST]
            ):
                self.count("options", line.ok, f"{code}.{line.identifier}", line.detail)

    async def family(self, family: str, codes: list[str]) -> None:
        present = self.taxonomy.families.get(family, {}).get("attributes", [])
        missing = [code for code in codes if code not in present]
        if not missing:
            self.report["families"]["skipped"] += 1
            return
        result = await self.client.patch_family(family, {"code": family, "attributes": [*present, *missing]})
        self.count("families", result.ok, family, result.detail)


async def apply_plan(client: AkeneoClient, plan: AttributePlan, pacer: Pacer | None = None) -> dict[str, Any]:
    """Create what is missing (group, attributes, options, family links); skip what exists.

    Returns counts per kind, a message per failure, and `fields`: the mapping
    fields with the attribute codes as they exist in Akeneo (an attribute is found by its feature id, so one
    made from an older English name of the feature is reused, not duplicated).
    """
    pacer = pacer or Pacer(OPTION_CALLS_PER_SECOND)
    applier = _Applier(client, Taxonomy(await client.get_taxonomy()), pacer)
    await applier.group(plan.group)
    by_feature = {code.split("_")[1]: code for code in applier.existing if FEATURE_CODE.fullmatch(code)}
    codes = [by_feature.get(attribute.source.split(":")[1], attribute.code) for attribute in plan.attributes]
    for attribute, code in zip(plan.attributes, codes, strict=True):
        await applier.attribute(attribute, code)
    for attribute, code in zip(plan.attributes, codes, strict=True):
        await applier.options(attribute, code)
    for family in plan.families:
        await applier.family(family, codes)
    return {
        **applier.report,
        "options_paced_seconds": round(pacer.waited, 3),
        "fields": [
            {"source": attribute.source, "attribute": code}
            for attribute, code in zip(plan.attributes, codes, strict=True)
        ],
    }
