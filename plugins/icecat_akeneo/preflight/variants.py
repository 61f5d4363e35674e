"""Preflight: the families with variants among the selection, and on which level each mapped attribute sits.

On a variant catalogue the sync writes each mapped value to the level owning it (`catalog.levels`): root
model, sub-model or variant product; axes are never written. The integrator sees here, before the first
sync, which mapped attributes will land on the models (once per model) and which the sync will never
write because they are axes.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from icecat_akeneo.akeneo.client import AkeneoClient
from icecat_akeneo.catalog.levels import attributes_by_level, variant_levels


async def variant_families(akeneo: AkeneoClient, families: Sequence[str], mapped: Sequence[str]) -> dict[str, Any]:
    """`families_with_variants` (codes) and, per family variant, its number of levels and the mapped
    attributes grouped by level (`root model`, `sub-model (level 1)`, `variant product`, `axis (never written)`)."""
    found = await asyncio.gather(*(akeneo.get_family_variants(family) for family in families))
    variants = [
        {"family": family, "family_variant": item["code"], "levels": (levels := variant_levels(item)).depth,
         "mapped_attributes_by_level": attributes_by_level(levels, list(dict.fromkeys(mapped)))}
        for family, items in zip(families, found, strict=True) for item in items
    ]
    return {"families_with_variants": sorted({item["family"] for item in variants}), "family_variants": variants}
