"""Issue 14 point 6 end to end on both sandboxes: a client on an Akeneo with the Asset Manager maps the
Icecat gallery into an asset collection attribute and ReasonsToBuy into a textarea. Each distinct picture
becomes one asset (coded by its content hash) in gallery order, uploaded once; a rerun uploads nothing,
downloads nothing and sends nothing; and a product whose pictures the media policy refuses gets no
partial collection: its line is reported failed, and the next run delivers it."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import httpx
import pytest
from icecat_akeneo.desired import source_value
from icecat_akeneo.media_policy import MediaPolicy

from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs, patches
from tests.e2e.test_sync_dag import akeneo_get, akeneo_token, product_values, value
from tests.icecat_akeneo.test_sources import DELL, sample

FIELDS = """fields:
  - {source: title, attribute: name}
  - {source: gallery, attribute: asset_gallery}
  - {source: reasons_to_buy, attribute: selling_points}
completeness: []
"""
ATTRIBUTES = (
    {"code": "asset_gallery", "type": "pim_catalog_asset_collection", "group": "other",
     "reference_data_name": "icecat_pictures", "localizable": False, "scopable": False},
    {"code": "selling_points", "type": "pim_catalog_textarea", "group": "other", "localizable": True,
     "scopable": False},
)
ASSET_ROUTES = ("POST /api/rest/v1/asset-media-files", "GET /api/rest/v1/asset-families/{family}/assets/{code}",
                "PATCH /api/rest/v1/asset-families/{family}/assets/{code}")


@pytest.fixture
def runs(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> Runs:
    token = akeneo_token(akeneo)
    for attribute in ATTRIBUTES:   # an Enterprise catalogue: the collection points at the demo asset family
        created = httpx.post(f"{akeneo.base_url}/api/rest/v1/attributes", json=attribute,
                             headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
    runs = Runs(akeneo, icecat, tmp_path)
    text = runs.mapping_path.read_text()
    head, rest = text.split("fields:\n", 1)
    runs.mapping_path.write_text(head.replace("  DE: de_DE\n", "") + FIELDS + rest[rest.index("params:"):])
    return runs


def _codes_of_files(urls: list[str]) -> list[str]:
    return [f"icecat_{hashlib.sha256(httpx.get(url).content).hexdigest()}" for url in urls]


def test_a_gallery_becomes_assets_once_and_reasons_to_buy_one_textarea(runs: Runs) -> None:
    first, akeneo_first, _ = runs.run()
    assert first["summary"]["status"] == "success", first["summary"]["status_reason"]
    dell = product_values(runs.akeneo, "DEMO-DELL-G5")
    gallery = value(dell, "asset_gallery")
    urls = [image.url.replace("https://images.icecat.biz", f"{runs.icecat.base_url}/media")
            for image in sorted(sample(DELL).images, key=lambda image: image.order)]
    assert len(gallery) == len(urls) == 14
    assert gallery == _codes_of_files(urls[:3]) + gallery[3:], "asset codes in gallery order, named by content"
    reasons = value(dell, "selling_points", "en_US")
    assert reasons.startswith("Dell Gaming: Dell gaming machines are engineered")
    assert reasons == "\n".join(source_value(sample(DELL), "reasons_to_buy")), "all 7, one textarea value"

    counters = runs.akeneo.counters()
    every_code = {code for identifier in first_products(runs) for code in
                  value(product_values(runs.akeneo, identifier), "asset_gallery") or []}
    assert counters["assets"] == len(every_code) == counters["asset_media_uploaded"], "each file uploaded once"
    assert first["load"]["assets"]["uploaded"] == len(every_code) and first["load"]["assets"]["failed"] == 0
    held = akeneo_get(runs.akeneo, f"/api/rest/v1/asset-families/icecat_pictures/assets/{gallery[0]}").json()
    assert held["values"]["media"][0]["data"], "the file sits in the family's main media attribute"

    downloads_before = runs.icecat.counters()["by_route"].get("media", 0)
    rerun, akeneo_rerun, _ = runs.run()
    assert rerun["summary"]["status"] == "success"
    assert runs.akeneo.counters()["asset_media_uploaded"] == counters["asset_media_uploaded"], "0 uploads"
    assert not any(akeneo_rerun["routes"].get(route) for route in ASSET_ROUTES)
    skipped = rerun["enrich"]["outcomes"].get("unchanged", 0)  # not even rebuilt (unchanged.py)
    assert patches(akeneo_rerun) == 0 and rerun["load"]["assets"]["unchanged"] + skipped == first["load"]["assets"][
        "unchanged"] + sum(1 for _ in first_products(runs)), "every gallery skipped or found held as it is"
    assert runs.icecat.counters()["by_route"].get("media", 0) == downloads_before, "no picture downloaded again"


def test_a_picture_the_media_policy_refuses_fails_the_product_with_no_partial_collection(
        runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    akeneo_settings, icecat_settings = runs.settings()
    strict = dataclasses.replace(icecat_settings, media_policy=MediaPolicy())   # Icecat's hosts only
    monkeypatch.setattr(runs, "settings", lambda: (akeneo_settings, strict))
    report, _, _ = runs.run()
    assets = report["load"]["assets"]
    assert assets["failed"] >= 1 and assets["uploaded"] == assets["created"] == 0
    assert runs.akeneo.counters()["assets"] == 0
    assert value(product_values(runs.akeneo, "DEMO-DELL-G5"), "asset_gallery") is None
    state = runs.store().product("DEMO-DELL-G5")
    assert state.status == "failed" and "asset_gallery" in state.reason, state.reason
    monkeypatch.undo()
    retried, _, _ = runs.run()      # the next run delivers it
    assert retried["load"]["assets"]["failed"] == 0
    assert len(value(product_values(runs.akeneo, "DEMO-DELL-G5"), "asset_gallery")) == 14
    assert runs.store().product("DEMO-DELL-G5").status == "synced"


def first_products(runs: Runs) -> list[str]:
    """The demo products Icecat has a gallery for (those the first run gave an asset collection)."""
    listed = akeneo_get(runs.akeneo, "/api/rest/v1/products?limit=100").json()["_embedded"]["items"]
    return [item["identifier"] for item in listed if value(item["values"], "asset_gallery")]


def test_one_file_is_one_asset_across_values_products_and_a_lost_state(runs: Runs) -> None:
    token = akeneo_token(runs.akeneo)
    second = {**ATTRIBUTES[0], "code": "asset_gallery_2"}
    httpx.post(f"{runs.akeneo.base_url}/api/rest/v1/attributes", json=second,
               headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    text = runs.mapping_path.read_text().replace(
        "  - {source: gallery, attribute: asset_gallery}\n",
        "  - {source: gallery, attribute: asset_gallery}\n  - {source: gallery, attribute: asset_gallery_2}\n")
    runs.mapping_path.write_text(text)
    first, _, _ = runs.run()
    dell = product_values(runs.akeneo, "DEMO-DELL-G5")
    assert value(dell, "asset_gallery") == value(dell, "asset_gallery_2")
    uploaded = runs.akeneo.counters()["asset_media_uploaded"]
    assert uploaded == runs.akeneo.counters()["assets"] == first["load"]["assets"]["uploaded"]
    assert first["load"]["assets"]["reused"] >= 14, "the second collection reuses the first one's assets"

    fresh = Runs(runs.akeneo, runs.icecat, runs.root / "fresh")   # another client: a state that knows nothing
    fresh.mapping_path.write_text(text.replace(f"client: {runs.client}", f"client: {fresh.client}"))
    report, _, _ = fresh.run()
    assert report["summary"]["status"] == "success"
    assert runs.akeneo.counters()["asset_media_uploaded"] == uploaded, "Akeneo's assets are found by content"
    assert report["load"]["assets"]["uploaded"] == 0 and report["load"]["assets"]["created"] == 0
