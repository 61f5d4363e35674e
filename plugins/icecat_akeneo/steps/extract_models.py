"""Extract's variant part: the product models the selected variant products hang from, and the family variants.

While extract pages the products, `ModelTree.saw` notes each product's family and `parent`; afterwards the
family variants of the selection's families (`GET /families/{code}/variants`) and every model the variants
need (their parent, and the root above a sub-model, `GET /product-models/{code}`) are saved as
`extract/family_variants.json` and `extract/product_models.parquet`. Memory grows with the number of
models and families, never with the products. A catalogue without variants costs no call.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.client import AkeneoClient
from icecat_akeneo.artifacts import FAMILY_VARIANTS, PRODUCT_MODELS

GETS_AT_ONCE = 50
CODES_PER_SEARCH = 100
PARTIAL_FILTERS = ("updated", "identifier")
"""Filters that select part of the selection (an incremental or event run); sibling variants are searched
without them, so a model's values are chosen among all its selected variants, not among those of the run."""


class ModelTree:
    """The families and parent models of the selected variant products (a flat catalogue costs no call)."""

    def __init__(self) -> None:
        self.families: set[str] = set()
        self.parents: set[str] = set()
        self.models: dict[str, dict[str, Any]] = {}

    def saw(self, row: dict[str, Any]) -> dict[str, Any]:
        """Note one product row (as extract writes it) and hand it back unchanged."""
        if row.get("parent"):
            self.parents.add(row["parent"])
            self.families.update([row["family"]] if row.get("family") else [])
        return row

    async def write(self, akeneo: AkeneoClient, run_dir: Path,
                    keep_values: Callable[[dict[str, Any]], dict[str, Any]],
                    write_json: Callable[[Path, dict[str, Any]], None]) -> dict[str, int]:
        """Fetch and save the family variants of the variants' families and the models; `keep_values`
        narrows a model's values to the mapping's scopes like a product's. Returns extract's report counts."""
        families = sorted(self.families)
        found = await asyncio.gather(*(akeneo.get_family_variants(family) for family in families))
        variants = {item["code"]: {**item, "family": family}
                    for family, items in zip(families, found, strict=True) for item in items}
        write_json(FAMILY_VARIANTS.path(run_dir), variants)
        models = await self.fetch_models(akeneo)
        PRODUCT_MODELS.write(run_dir, [
            {"code": model["code"], "parent": model.get("parent"), "family": model.get("family"),
             "family_variant": model.get("family_variant"),
             "values_json": json.dumps(keep_values(model.get("values") or {}), ensure_ascii=False,
                                       separators=(",", ":"))}
            for model in sorted(models.values(), key=lambda model: model["code"])])
        return {"product_models": len(models), "family_variants": len(variants),
                "families_with_variants": len({item["family"] for item in variants.values()})}


    async def fetch_models(self, akeneo: AkeneoClient) -> dict[str, dict[str, Any]]:
        """Every parent model met so far and the roots above them (each fetched once)."""
        self.models.update(await _models(akeneo, sorted(self.parents - set(self.models)), self.models))
        return self.models

    async def sibling_searches(self, akeneo: AkeneoClient, search: dict[str, Any]) -> list[dict[str, Any]]:
        """For a run that selects part of the selection (`search` filters on `updated` or `identifier`): the
        searches of every selected variant of the trees met, so the model-level rule sees all of a model's
        variants in every run (`model_values`), never only the ones that changed."""
        if not self.parents or not any(key in search for key in PARTIAL_FILTERS):
            return []
        roots = sorted(code for code, model in (await self.fetch_models(akeneo)).items() if not model.get("parent"))
        selection = {key: value for key, value in search.items() if key not in PARTIAL_FILTERS}
        return [{**selection, "parent": [{"operator": "IN", "value": roots[start:start + CODES_PER_SEARCH]}]}
                for start in range(0, len(roots), CODES_PER_SEARCH)]


async def _models(akeneo: AkeneoClient, codes: Sequence[str],
                  known: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The models named in `codes` and the root models above them (a sub-model's `parent`) not in `known`."""
    models: dict[str, dict[str, Any]] = {}
    wanted = list(codes)
    while wanted:
        chunk, wanted = wanted[:GETS_AT_ONCE], wanted[GETS_AT_ONCE:]
        for model in await asyncio.gather(*(akeneo.get_product_model(code) for code in chunk)):
            if model is None:
                continue
            models[model["code"]] = model
            parent = model.get("parent")
            if parent and parent not in models and parent not in known and parent not in wanted:
                wanted.append(parent)
    return models


def family_variants(run_dir: Path) -> dict[str, dict[str, Any]]:
    """`extract/family_variants.json` (family variant code -> its attribute sets); empty before this feature."""
    path = FAMILY_VARIANTS.path(run_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
