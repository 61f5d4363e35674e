"""Model-level values of a variant catalogue: which variant's Icecat content a product model gets, and what
is reported instead of written.

Each variant product's desired values (`desired.desired_values`) are split by the level owning each
attribute (`catalog.levels.route_values`): its own stay on its line, the others are offered to its models.

**The rule**: each model-level value (attribute, locale, scope) of a product model comes from the first of its
variants, in identifier order, that Icecat matched (and validation kept) and that has this value. The choice
does not depend on the order products arrive in, so a full refresh never flip-flops between variants. Where
another matched variant's Icecat value differs, the model still gets the chosen one and the disagreement is
reported (`variants_disagree`: model, attribute, locale/scope, every variant and which one was taken).

Also reported, never written (`transform/model_notes.parquet`):
- `axis_change`: Icecat's value of an axis (colour, storage, ...) differs from what Akeneo holds: axes are
  the client's, they define the variants;
- `no_icecat_match`: a model with selected variants, none of which Icecat matched: it gets nothing;
- `media_on_model`: an image/file the mapping sends to an attribute a model owns (uploads to product models
  are not made by this connector yet): not uploaded.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from icecat_akeneo.catalog.levels import RoutedValues, VariantLevels, model_chain, route_values, variant_levels
from icecat_akeneo.diff import ValueKey, Values, value_entries, value_hash


@dataclass
class _Offer:
    """What one model got offered so far: per key the chosen variant and its data, every variant's hash."""

    chosen: dict[ValueKey, tuple[str, Any]] = field(default_factory=dict)
    seen: dict[ValueKey, dict[str, list[str]]] = field(default_factory=dict)  # key -> short hash -> variants


def _short_hash(data: Any) -> str:
    return value_hash(data)[:16]


def _note(model: str, kind: str, message: str, key: ValueKey | None = None, chosen_from: str | None = None,
          variants: Iterable[str] = ()) -> dict[str, Any]:
    attribute, locale, scope = key or (None, None, None)
    return {"model": model, "attribute": attribute, "locale": locale, "scope": scope, "kind": kind,
            "chosen_from": chosen_from, "variants": ", ".join(variants) or None, "message": message}


class ModelValues:
    """Collects the model-level values of one transform run and tells each variant what stays on its line.

    `models`: product model code -> `{"parent", "family_variant", "values"}` (extract's models, values as
    Akeneo holds them); `family_variants`: code -> the family variant as Akeneo gives it;
    `variants_of`: model code -> the selected variant products below it (for `no_icecat_match`)."""

    def __init__(self, models: Mapping[str, Mapping[str, Any]], family_variants: Mapping[str, Mapping[str, Any]],
                 variants_of: Mapping[str, list[str]], client: str = "") -> None:
        self.models, self.variants_of, self.client = models, variants_of, client
        self.levels: dict[str, VariantLevels] = {code: variant_levels(item) for code, item in family_variants.items()}
        self.parents = {code: model.get("parent") for code, model in models.items()}
        self.offers: dict[str, _Offer] = {}
        self.notes: list[dict[str, Any]] = []
        self._media_noted: set[tuple[str, str]] = set()

    def levels_of(self, parent: str | None) -> tuple[VariantLevels, list[str]] | None:
        """The family variant's levels and the model chain (root first) of a product with this `parent`."""
        model = self.models.get(parent or "")
        levels = self.levels.get(str(model.get("family_variant"))) if model else None
        return (levels, model_chain(str(parent), self.parents)) if levels else None

    def route(self, identifier: str, parent: str | None, values: Values, media: list[dict[str, Any]],
              current: Values) -> tuple[Values, list[dict[str, Any]]]:
        """The values and media that stay on this product's own line; model-level ones are kept as offers to
        its models, axes compared with `current` (what Akeneo holds) and never sent. A product without a
        parent (or whose model extract could not read) keeps everything, as before variants existed."""
        found = self.levels_of(parent)
        if found is None:
            return values, media
        levels, chain = found
        routed = route_values(values, levels, chain)
        self._offer(identifier, routed, chain)
        self._check_axes(identifier, routed.axes, current, levels, chain)
        own_media = []
        for row in media:
            level = levels.level_of(row["attribute"])
            if level >= levels.depth and not levels.is_axis(row["attribute"]):
                own_media.append(row)
            elif level < len(chain):
                self._media_on_model(chain[level], row["attribute"], identifier)
        return routed.own, own_media

    def _offer(self, identifier: str, routed: RoutedValues, chain: list[str]) -> None:
        """Offer this matched variant's model-level values to each model above it (also none: the model then
        counts as matched)."""
        for code in chain:
            offer = self.offers.setdefault(code, _Offer())
            for key, data in value_entries(routed.models.get(code, {})).items():
                if key not in offer.chosen or identifier < offer.chosen[key][0]:
                    offer.chosen[key] = (identifier, data)
                offer.seen.setdefault(key, {}).setdefault(_short_hash(data), []).append(identifier)

    def _check_axes(self, identifier: str, axes: Values, current: Values, levels: VariantLevels,
                    chain: list[str]) -> None:
        held = value_entries(current)
        for key, data in value_entries(axes).items():
            if key in held and value_hash(held[key]) != value_hash(data):
                level = levels.axes[key[0]]
                owner = chain[level] if level < len(chain) else identifier
                self.notes.append(_note(owner, "axis_change", (
                    f"client {self.client}, {levels.level_name(level)} {owner}: Icecat's {key[0]} of {identifier} "
                    f"is {json.dumps(data, ensure_ascii=False)}, Akeneo holds "
                    f"{json.dumps(held[key], ensure_ascii=False)}; axis values are the client's, not written"),
                    key, identifier, [identifier]))

    def _media_on_model(self, code: str, attribute: str, identifier: str) -> None:
        if (code, attribute) not in self._media_noted:
            self._media_noted.add((code, attribute))
            self.notes.append(_note(code, "media_on_model", (
                f"client {self.client}, product model {code}: {attribute} is a model-level media attribute; "
                f"files are not uploaded to product models, nothing written"), (attribute, None, None),
                identifier, [identifier]))

    def model_lines(self) -> Iterator[tuple[str, Values]]:
        """(model code, the values the rule gives it) for every model a matched variant offered values to, in
        code order; reports the disagreements along the way."""
        for code in sorted(self.offers):
            offer = self.offers[code]
            values: Values = {}
            for key, (identifier, data) in sorted(offer.chosen.items(), key=lambda item: str(item[0])):
                if len(offer.seen[key]) > 1:
                    self._disagreement(code, key, identifier, offer.seen[key])
                values.setdefault(key[0], []).append({"locale": key[1], "scope": key[2], "data": data})
            yield code, values

    def _disagreement(self, code: str, key: ValueKey, chosen: str, by_hash: dict[str, list[str]]) -> None:
        variants = sorted(identifier for identifiers in by_hash.values() for identifier in identifiers)
        groups = sorted(sorted(identifiers) for identifiers in by_hash.values())
        where = "/".join(part for part in key if part)
        self.notes.append(_note(code, "variants_disagree", (
            f"client {self.client}, product model {code}: its variants' Icecat values of {where} differ "
            f"({' vs '.join('+'.join(group) for group in groups)}); the model gets {chosen}'s (first matched "
            f"variant in identifier order with this value)"), key, chosen, variants))

    def unmatched_notes(self) -> list[dict[str, Any]]:
        """Models with selected variants, none of them matched in Icecat (root or sub-model)."""
        unmatched = []
        for code in sorted(self.variants_of):
            below = self.variants_of[code]
            if code in self.offers or not below:
                continue
            unmatched.append(_note(code, "no_icecat_match", (
                f"client {self.client}, product model {code}: none of its variants ({', '.join(sorted(below))}) "
                f"was matched in Icecat (and kept by validation): its model-level values are not written"),
                variants=sorted(below)))
        return unmatched


def variants_below(parents_of_products: Iterable[tuple[str, str | None]],
                   model_parents: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Model code -> the products below it (direct children of a sub-model, all descendants of a root)."""
    below: dict[str, list[str]] = {}
    for identifier, parent in parents_of_products:
        if parent:
            for code in model_chain(parent, model_parents):
                below.setdefault(code, []).append(identifier)
    return below

