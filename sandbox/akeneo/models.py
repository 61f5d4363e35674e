"""Product models (root and sub-models of a family variant): the in-memory store with its seed copy, the
upsert rules (the same patch rules as products) and Akeneo's level, parent and axis validation.

Product models are few (a model groups many variants), so they live in a dict like the catalogue and a
reset restores them instantly.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sandbox.akeneo.catalog import Catalog
from sandbox.akeneo.errors import ApiError, documented, validation_failed
from sandbox.akeneo.products import ProductUpdater, merge_values, new_product, stamped, utc_now
from sandbox.akeneo.values import MediaLookup, ValueChecker
from sandbox.akeneo.variants import axes, axis_conflict, family_variant, level_count, level_errors

MODEL_PROPERTIES = (
    "code",
    "family",
    "family_variant",
    "parent",
    "categories",
    "values",
    "associations",
    "quantified_associations",
    "created",
    "updated",
)


@dataclass
class ModelStore:
    """Product models by code, and the seeded ones to go back to on reset."""

    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, code: str) -> dict[str, Any] | None:
        return self.models.get(code)

    def freeze_seed(self) -> None:
        self.seed = copy.deepcopy(self.models)

    def restore(self) -> None:
        self.models = copy.deepcopy(self.seed)

    def children(self, parent: str) -> list[dict[str, Any]]:
        return [model for model in self.models.values() if model["parent"] == parent]

    def ancestors(self, code: str | None) -> list[dict[str, Any]]:
        """The model `code` and its parent, nearest first."""
        found = []
        while code is not None and code in self.models:
            found.append(self.models[code])
            code = self.models[code]["parent"]
        return found

    def ancestor_codes(self, code: str | None) -> list[str]:
        return [model["code"] for model in self.ancestors(code)]


def inherited_values(own: dict[str, Any], parents: list[dict[str, Any]]) -> dict[str, Any]:
    """An entity's values with those of its models (Akeneo's GET of a variant or sub-model shows all)."""
    merged: dict[str, Any] = {}
    for model in reversed(parents):
        merged.update(copy.deepcopy(model["values"]))
    merged.update(copy.deepcopy(own))
    return merged


def unknown_model(code: object) -> ApiError:
    return ApiError(422, f'The given product model "{code}" does not exist')


@dataclass
class ModelUpdater:
    """Applies one standard-format payload to a product model (or creates it)."""

    catalog: Catalog
    store: ModelStore
    media_lookup: MediaLookup

    def apply(self, current: dict[str, Any] | None, code: str, payload: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        for key in payload:
            if key not in MODEL_PROPERTIES:
                raise documented(f'Property "{key}" does not exist.')
        now = utc_now()
        model = copy.deepcopy(current) if current else self._new(code, now)
        variant_code = payload.get("family_variant", model["family_variant"])
        variant = family_variant(self.catalog, variant_code)
        if variant is None:
            raise validation_failed(
                [{"property": "family_variant", "message": f'The family variant "{variant_code}" does not exist.'}]
            )
        if current is not None and variant_code != current["family_variant"]:
            raise validation_failed(
                [{"property": "family_variant", "message": "The family variant of a product model cannot be changed."}]
            )
        model["family_variant"], model["family"] = variant["code"], variant["family"]
        if payload.get("family", variant["family"]) != variant["family"]:
            raise validation_failed(
                [
                    {
                        "property": "family",
                        "message": "The family of the product model must be the family of its family variant.",
                    }
                ]
            )
        model["parent"] = self._parent(payload.get("parent", model["parent"]), variant, code)
        self._common(model, payload)
        checker = ValueChecker(self.catalog, self.media_lookup)
        if "values" in payload:
            model["values"] = merge_values(model["values"], checker.normalize(payload["values"]))
        level = 1 if model["parent"] else 0
        errors = checker.errors + level_errors(self.catalog, variant, level, model["values"])
        if level and not errors:
            siblings = self.store.children(model["parent"])
            errors = axis_conflict(code, "code", model["values"], axes(variant, 1), siblings, "product model")
        if errors:
            raise validation_failed(errors)
        return model, stamped(current, model, now)

    def _new(self, code: str, now: str) -> dict[str, Any]:
        product = new_product(code, now)
        return {
            "code": code,
            "family": None,
            "family_variant": None,
            "parent": None,
            "categories": [],
            "values": {},
            "created": now,
            "updated": now,
            "associations": product["associations"],
            "quantified_associations": {},
        }

    def _parent(self, parent: object, variant: dict[str, Any], code: str) -> str | None:
        if parent is None:
            return None
        found = self.store.get(parent) if isinstance(parent, str) else None
        if found is None:
            raise unknown_model(parent)
        if found["parent"] is not None or level_count(variant) < 2 or parent == code:
            raise validation_failed(
                [
                    {
                        "property": "parent",
                        "message": f'The product model "{code}" cannot have the product model "{parent}" as parent.',
                    }
                ]
            )
        if found["family_variant"] != variant["code"]:
            raise validation_failed(
                [
                    {
                        "property": "family_variant",
                        "message": "The product model family variant must be the same than its parent",
                    }
                ]
            )
        return parent

    def _common(self, model: dict[str, Any], payload: dict[str, Any]) -> None:
        """categories, associations and quantified associations: the product rules."""
        shared = {
            key: payload[key] for key in ("categories", "associations", "quantified_associations") if key in payload
        }
        if not shared:
            return
        as_product = {
            **new_product("model", model["created"]),
            **{key: model[key] for key in ("categories", "associations", "quantified_associations")},
        }
        updated, _ = ProductUpdater(self.catalog, self.media_lookup).apply(as_product, "model", shared)
        model.update({key: updated[key] for key in shared})


def check_code(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation_failed([{"property": "code", "message": "This value should not be blank."}])
    return value
