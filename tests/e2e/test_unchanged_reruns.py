"""Reruns skip the products unchanged since their last accepted build (`unchanged.py`), on both sandboxes:
nothing read from Icecat nor rebuilt for them, and every real change (a manual edit in Akeneo, new content
in Icecat's daily index, the operator's `rebuild_all`) still rebuilds exactly the products it concerns."""
from __future__ import annotations

from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from icecat_akeneo.artifacts import LOOKUPS
from icecat_akeneo.state.marks import ProductMarks
from icecat_akeneo.steps.extract import product_uuids

from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs, akeneo_patch, patches
from tests.e2e.test_sync_dag import product_values, value


def rebuilt(runs: Runs) -> set[str]:
    """The products the latest run looked up in Icecat and built (outcome `found`)."""
    table = pq.read_table(LOOKUPS.path(runs.root / "data" / runs.client / f"run{runs.count}"))
    return {row["identifier"] for row in table.to_pylist() if row["outcome"] == "found"}


@pytest.fixture
def runs(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> Runs:
    return Runs(akeneo, icecat, tmp_path)


def test_unchanged_products_are_skipped_and_every_change_rebuilds_its_product(
        runs: Runs, akeneo: Sandbox, icecat: Sandbox) -> None:
    first, _, _ = runs.run()
    built = rebuilt(runs)
    with runs.store() as store:
        store.use_uuids(lambda: product_uuids(runs.root / "data" / runs.client / "run1"))
        marked = set(ProductMarks(store).get(built))
    assert first["load"]["products_marked_unchanged"] == len(marked) > 0
    assert "DEMO-DELL-G5" in marked

    second, akeneo_second, icecat_second = runs.run()
    # only the products quarantined or refused last time are built again (they are retried every run)
    assert rebuilt(runs) == built - marked
    assert second["enrich"]["outcomes"]["unchanged"] == len(marked)
    assert patches(akeneo_second) == 0
    # a load that wrote nothing reads Akeneo's completeness once (before), one page for the 14 products
    assert akeneo_second["routes"].get("GET /api/rest/v1/products") == 1, akeneo_second
    assert icecat_second["icecat_api"] == 1, "only the Full-Icecat product, refused every run, is asked again"
    assert second["summary"]["status"] == "success"
    assert second["summary"]["products_by_outcome"]["unchanged"] == len(marked)

    akeneo_patch(akeneo, "DEMO-DELL-G5", {"name": [{"locale": "en_US", "scope": None, "data": "Our own title"}]})
    third, akeneo_third, _ = runs.run()
    assert rebuilt(runs) == built - marked | {"DEMO-DELL-G5"}
    assert third["transform"]["manual_edits_kept"] == 1 and patches(akeneo_third) == 0
    assert value(product_values(akeneo, "DEMO-DELL-G5"), "name", "en_US") == "Our own title"

    httpx.post(f"{icecat.base_url}/_sandbox/mutate", json={"icecat_ids": [31040076]}).raise_for_status()
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate").raise_for_status()
    runs.run()
    # the S7's new revision, OnePlus's content the same index delivered, and the product holding a kept
    # manual edit (never marked: Akeneo holds other values than ours, so it is rebuilt to be reported)
    assert rebuilt(runs) == built - marked | {"DEMO-SAMSUNG-S7", "DEMO-ONEPLUS", "DEMO-DELL-G5"}
    assert "(rev" in str(value(product_values(akeneo, "DEMO-SAMSUNG-S7"), "name", "en_US"))

    everything, akeneo_all, _ = runs.run(rebuild_all=True)
    assert rebuilt(runs) >= built
    assert patches(akeneo_all) == 0, "rebuilt, but Akeneo already holds every value"


def test_a_mapping_change_rebuilds_every_product(runs: Runs) -> None:
    runs.run()
    built = rebuilt(runs)
    path = Path(runs.mapping_path)
    path.write_text(path.read_text().replace("description: Demo client", "description: Changed demo client", 1))
    runs.run()
    assert rebuilt(runs) >= built
