"""Dry-run of the demo client's product selection against the Akeneo sandbox."""

from __future__ import annotations

import asyncio

from icecat_akeneo.akeneo.client import AkeneoClient
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.preflight.filters import dry_run_selection

from tests.conftest import Sandbox
from tests.fixtures.preflight.support import DEMO_MAPPING, akeneo_settings


def test_selection_counts_by_family_and_lists_products_without_gtin_and_mpn(akeneo: Sandbox) -> None:
    async def run() -> tuple[dict, list]:
        async with AkeneoClient(akeneo_settings(akeneo)) as client:
            return await dry_run_selection(client, load_mapping(DEMO_MAPPING), sample_size=3)

    summary, sample = asyncio.run(run())
    # docs/demo-catalogue.md: 16 products, minus DEMO-INTERNAL (data owner) and DEMO-DISABLED
    assert summary["selected"] == 14
    assert summary["by_family"] == {
        "headsets": 2,
        "laptops": 3,
        "monitors": 3,
        "printing": 2,
        "smartphones": 3,
        "tablets": 1,
    }
    assert summary["by_status"] == {"enabled": 14}
    assert summary["without_gtin_and_mpn_examples"] == ["DEMO-NOID"]
    assert summary["without_gtin"] == 2  # DEMO-NOID, DEMO-JABRA-HS
    assert set(summary["locale_coverage"]) == {"en_US", "de_DE"}
    assert len(sample) == 3 and all(keys.candidates() for _, keys in sample)
