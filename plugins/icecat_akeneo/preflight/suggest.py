"""Option 2: draft a client's mapping from Icecat samples and their own taxonomy, for them to review.

Each Icecat feature seen in the sample is scored against every attribute that could hold it, on four kinds
of evidence: name vs label in each mapped language (the strongest signal, and the only one that tells apart
two Length attributes), feature type vs attribute type, the Icecat unit vs the attribute's measurement family
(an exact default-unit match is telling), and sampled values vs existing option codes/labels. Pairs are then
assigned one-to-one, best first, so two features never fight over one attribute. Proposals under the
threshold are written commented out: the client sees them but must opt in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from icecat_akeneo.catalog import taxonomy as t
from icecat_akeneo.catalog.compatibility import akeneo_unit, feature_fit
from icecat_akeneo.catalog.taxonomy import Taxonomy, option_code, short_type
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.preflight.samples import FeatureProfile, profile_features
from icecat_akeneo.preflight.similarity import normalize, similarity
from icecat_akeneo.templates import render

NAME_WEIGHT, TYPE_WEIGHT, EVIDENCE_WEIGHT, COVERAGE_WEIGHT = 0.55, 0.2, 0.15, 0.1
NEUTRAL_EVIDENCE = 0.5
DEFAULT_THRESHOLD = 0.6
NEVER_PROPOSED = (t.IDENTIFIER, t.IMAGE, t.FILE, "pim_catalog_price_collection")


@dataclass(frozen=True)
class Proposal:
    feature_id: int
    feature_name: str
    feature_type: str
    unit: str | None
    attribute: str
    attribute_type: str
    confidence: float
    name_score: float
    type_score: float
    evidence_score: float
    options: dict[str, str] = field(default_factory=dict)  # Icecat value -> existing option code
    unmatched_values: list[str] = field(default_factory=list)
    products: int = 0

    @property
    def source(self) -> str:
        return f"feature:{self.feature_id}"


def _name_score(profile: FeatureProfile, attribute: dict[str, Any], languages: Mapping[str, str]) -> float:
    labels = attribute.get("labels") or {}
    scores = [
        similarity(name, labels[languages[lang]])
        for lang, name in profile.names.items()
        if languages.get(lang) in labels
    ]
    scores.append(similarity(profile.name, attribute["code"]))
    return max(scores)


def _option_matches(
    profile: FeatureProfile, options: list[dict[str, Any]]
) -> tuple[dict[str, str], list[str]]:
    """Icecat value -> existing option code, by code or by any label (normalized)."""
    by_key: dict[str, str] = {}
    for option in options:
        for key in (option["code"], *(option.get("labels") or {}).values()):
            by_key.setdefault(normalize(key), option["code"])
    matched, unmatched = {}, []
    for value in sorted(profile.values):
        labels = [value, option_code(value), *profile.localized_values.get(value, {}).values()]
        code = next((by_key[normalize(label)] for label in labels if normalize(label) in by_key), None)
        if code is None:
            unmatched.append(value)
        else:
            matched[value] = code
    return matched, unmatched


def _evidence(
    profile: FeatureProfile, attribute: dict[str, Any], taxonomy: Taxonomy
) -> tuple[float, dict[str, str], list[str]] | None:
    """Unit / option evidence in [0, 1]; None when the evidence rules the pair out."""
    attribute_type = attribute["type"]
    if attribute_type == t.METRIC:
        unit = akeneo_unit(profile.unit, taxonomy.metric_units(attribute.get("metric_family")))
        if unit is None:
            return None
        return (1.0 if unit == attribute.get("default_metric_unit") else 0.7), {}, []
    if attribute_type == t.NUMBER:
        return (1.0 if profile.unit is None else NEUTRAL_EVIDENCE), {}, []
    if attribute_type in t.SELECT_TYPES:
        options = taxonomy.options(attribute["code"])
        if not options or not profile.values:
            return NEUTRAL_EVIDENCE, {}, []
        matched, unmatched = _option_matches(profile, options)
        return len(matched) / (len(matched) + len(unmatched)), matched, unmatched
    return NEUTRAL_EVIDENCE, {}, []


def score_pair(
    profile: FeatureProfile,
    attribute: dict[str, Any],
    taxonomy: Taxonomy,
    languages: Mapping[str, str],
    sampled_products: int,
) -> Proposal | None:
    type_score = feature_fit(profile.type, attribute["type"])
    if type_score == 0.0:
        return None
    evidence = _evidence(profile, attribute, taxonomy)
    if evidence is None:
        return None
    evidence_score, options, unmatched = evidence
    name_score = _name_score(profile, attribute, languages)
    coverage = profile.frequency / sampled_products
    confidence = (
        NAME_WEIGHT * name_score
        + TYPE_WEIGHT * type_score
        + EVIDENCE_WEIGHT * evidence_score
        + COVERAGE_WEIGHT * coverage
    )
    return Proposal(
        profile.feature_id,
        profile.name,
        profile.type,
        profile.unit,
        attribute["code"],
        attribute["type"],
        round(confidence, 3),
        round(name_score, 3),
        type_score,
        round(evidence_score, 3),
        options,
        unmatched,
        profile.frequency,
    )


def candidate_attributes(
    taxonomy: Taxonomy, families: Iterable[str] | None = None, taken: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Attributes a feature may be proposed for: in the client's families, not media/identifiers/taken."""
    allowed: set[str] | None = None
    if families:
        allowed = {
            code for family in families for code in taxonomy.families.get(family, {}).get("attributes", [])
        }
    excluded = set(taken)
    return [
        attribute
        for code, attribute in sorted(taxonomy.attributes.items())
        if attribute["type"] not in NEVER_PROPOSED
        and code not in excluded
        and (allowed is None or code in allowed)
    ]


def propose(
    records: Iterable[ProductRecord],
    taxonomy: Taxonomy | dict[str, Any],
    languages: Mapping[str, str],
    families: Iterable[str] | None = None,
    taken: Iterable[str] = (),
) -> list[Proposal]:
    """The best attribute for each feature (one-to-one, best confidence first), sorted by feature id.

    `languages` maps Icecat languages to Akeneo locales; `taken` lists attributes the mapping already
    fills from non-feature sources (name, description, ...).
    """
    taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy)
    profiles = profile_features(records)
    sampled = len({product for profile in profiles.values() for product in profile.products}) or 1
    attributes = candidate_attributes(taxonomy, families, taken)
    pairs = [
        proposal
        for profile in profiles.values()
        for attribute in attributes
        if (proposal := score_pair(profile, attribute, taxonomy, languages, sampled)) is not None
    ]
    pairs.sort(key=lambda proposal: (-proposal.confidence, proposal.feature_id, proposal.attribute))
    chosen: dict[int, Proposal] = {}
    used: set[str] = set()
    for proposal in pairs:
        if proposal.feature_id not in chosen and proposal.attribute not in used:
            chosen[proposal.feature_id] = proposal
            used.add(proposal.attribute)
    return [chosen[feature_id] for feature_id in sorted(chosen)]


def _yaml_field(proposal: Proposal) -> str:
    parts = [f'source: "{proposal.source}"', f"attribute: {proposal.attribute}"]
    if proposal.options:
        parts.append(f"options: {json.dumps(proposal.options, ensure_ascii=False)}")
    return "- {" + ", ".join(parts) + "}"


def render_yaml(
    proposals: list[Proposal],
    client: str,
    languages: Mapping[str, str],
    channel: str,
    threshold: float = DEFAULT_THRESHOLD,
) -> str:
    """A reviewable `fields:` block: confident proposals active, the others commented out."""
    lines = [
        f"# Drafted by suggest-mapping for client {client}: review every line, then merge into",
        f"# include/mappings/{client}.yaml. Lines under confidence {threshold} are commented out.",
        f"client: {client}",
        "mapping_option: drafted",
        f"channel: {channel}",
        "languages:",
        *[f"  {lang}: {locale}" for lang, locale in languages.items()],
        "fields:",
    ]
    for proposal in sorted(proposals, key=lambda proposal: -proposal.confidence):
        note = (
            f"{proposal.feature_name} ({', '.join(filter(None, (proposal.feature_type, proposal.unit)))})"
            f" -> {short_type(proposal.attribute_type)}"
        )
        if proposal.unmatched_values:
            note += f"; values without option: {', '.join(proposal.unmatched_values)}"
        prefix = "  " if proposal.confidence >= threshold else "  # "
        lines.append(f"{prefix}{_yaml_field(proposal)}   # confidence {proposal.confidence:.2f}: {note}")
    return "\n".join(lines) + "\n"


def render_html(proposals: list[Proposal], client: str, threshold: float = DEFAULT_THRESHOLD) -> str:
    """The review page: every proposal with its evidence, the ones under `threshold` greyed out."""
    ranked = sorted(proposals, key=lambda proposal: -proposal.confidence)
    return render("mapping_draft.html", title=f"Mapping draft for {client}", threshold=threshold,
                  rows=[(proposal, short_type(proposal.attribute_type)) for proposal in ranked])


def write_draft(
    proposals: list[Proposal],
    client: str,
    languages: Mapping[str, str],
    channel: str,
    out_dir: Path,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """Write `<client>.draft.yaml`, `<client>.draft.html` and the proposals as JSON; return a summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "yaml": out_dir / f"{client}.draft.yaml",
        "html": out_dir / f"{client}.draft.html",
        "json": out_dir / f"{client}.draft.json",
    }
    paths["yaml"].write_text(render_yaml(proposals, client, languages, channel, threshold), encoding="utf-8")
    paths["html"].write_text(render_html(proposals, client, threshold), encoding="utf-8")
    paths["json"].write_text(
        json.dumps([asdict(proposal) for proposal in proposals], indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    confident = [proposal for proposal in proposals if proposal.confidence >= threshold]
    return {
        "features": len(proposals),
        "proposed": len(confident),
        "threshold": threshold,
        **{key: str(path) for key, path in paths.items()},
    }
