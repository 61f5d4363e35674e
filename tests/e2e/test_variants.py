"""Variant catalogues end to end (issue 14): product models and variant products on the Akeneo sandbox seeded
with `--seed variants` (the demo plus a Samsung Galaxy S25+ root model, colour sub-models, colour x storage
variants), the Icecat sandbox serving the real S25+ sample.

Model-level values must land on the models, variant-level values on the variants, no line refused for level
reasons; a rerun sends nothing; a changed Icecat value on a model-level attribute is written once, to the
model; a model without any Icecat match and variants that disagree are reported, not written.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from icecat_akeneo.artifacts import MODEL_NOTES, PRODUCTS, RESULTS, batch_files, model_batch_files

from sandbox.process import running_server
from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs
from tests.e2e.test_sync_dag import akeneo_get, akeneo_token

ROOT, GREEN, BLACK = "DEMO-S25P", "DEMO-S25P-GREEN", "DEMO-S25P-BLACK"
S25_ICECAT_ID = 125004573
MODEL_PATCH = "PATCH /api/rest/v1/product-models"
PRODUCT_PATCH = "PATCH /api/rest/v1/products"
LEVEL_REFUSAL = "is not in the attribute set"
S7_EAN = "8806088281285"  # the Samsung Galaxy S7 the Icecat sandbox serves (another phone)


@pytest.fixture(scope="module")
def variants_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    db = tmp_path_factory.mktemp("akeneo-variants") / "akeneo.db"
    log = tmp_path_factory.mktemp("logs") / "akeneo-variants.log"
    with running_server("sandbox.akeneo", ["--seed", "variants", "--db", str(db)], log_path=log) as url:
        yield Sandbox(url)


@pytest.fixture
def runs(variants_server: Sandbox, icecat: Sandbox, tmp_path: Path) -> Runs:
    variants_server.reset()
    return Runs(variants_server, icecat, tmp_path)


def model(sandbox: Sandbox, code: str) -> dict:
    response = akeneo_get(sandbox, f"/api/rest/v1/product-models/{code}")
    response.raise_for_status()
    return response.json()


def own_values(sandbox: Sandbox, identifier: str) -> dict:
    """A variant product's values without those its models show through it (GET merges them in)."""
    response = akeneo_get(sandbox, f"/api/rest/v1/products/{identifier}")
    response.raise_for_status()
    return response.json()["values"]


def lines_sent(run_dir: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """(product lines by identifier, model lines by code) the transform wrote for this run."""
    read = lambda paths: [json.loads(raw) for path in paths for raw in path.read_text().splitlines() if raw]  # noqa: E731
    return ({line["identifier"]: line for line in read(batch_files(run_dir))},
            {line["code"]: line for line in read(model_batch_files(run_dir))})


def run_dir_of(report: dict) -> Path:
    return Path(report["transform"]["artifacts"]["media"]).parents[1]


def test_model_level_values_go_to_the_models_and_variant_level_values_to_the_variants(runs: Runs) -> None:
    report, akeneo_delta, _ = runs.run()
    products, models = lines_sent(run_dir_of(report))
    # the root model gets the product-level content (name, description, ...); no variant line carries it
    assert set(models) == {ROOT, GREEN}
    assert {"name", "description", "weight"} <= set(models[ROOT]["values"])
    assert set(models[GREEN]["values"]) == {"image_url"}, "the colour sub-model owns image_url (main_image: a media)"
    variant = products.get("DEMO-S25P-GREEN-512", {"values": {}})
    assert not set(variant["values"]) - {"icecat_id", "price", "ean", "mpn", "data_owner", "sku", "storage"}
    # nothing refused for level reasons, by Akeneo or by us
    refused = [row for row in RESULTS.rows(run_dir_of(report)) if row["status_code"] >= 300]
    assert not [row for row in refused if LEVEL_REFUSAL in (row["message"] or "")]
    assert akeneo_delta["routes"].get(MODEL_PATCH) == 1
    root = model(runs.akeneo, ROOT)
    assert "Galaxy S25+" in str(root["values"]["name"][0]["data"])
    assert model(runs.akeneo, GREEN)["values"]["image_url"][0]["data"].startswith("http")
    # the variant shows the model's name through inheritance
    assert own_values(runs.akeneo, "DEMO-S25P-GREEN-512")["name"] == root["values"]["name"]
    # the black colour model: none of its variants is in Icecat, so it gets nothing and is reported
    notes = MODEL_NOTES.rows(run_dir_of(report))
    unmatched = [note for note in notes if note["kind"] == "no_icecat_match"]
    assert [note["model"] for note in unmatched] == [BLACK]
    assert "DEMO-S25P-BLACK-256" in unmatched[0]["message"]
    assert "image_url" not in model(runs.akeneo, BLACK)["values"]
    # axes are never written: the colour Icecat gives stays the client's
    assert "color" not in models[GREEN]["values"] and "color" not in variant["values"]
    assert report["summary"]["status"] == "success"


def test_a_rerun_sends_nothing(runs: Runs) -> None:
    first, _, _ = runs.run()
    assert first["load"]["model_lines"] == 2
    second, akeneo_delta, _ = runs.run()
    assert second["transform"]["lines"] == 0 and second["transform"]["model_lines"] == 0
    assert akeneo_delta["routes"].get(MODEL_PATCH, 0) == 0 and akeneo_delta["routes"].get(PRODUCT_PATCH, 0) == 0
    assert runs.store().accepted_hashes(["model:DEMO-S25P"])["model:DEMO-S25P"], "model state keyed model:<code>"
    assert second["state"]["product_models_by_status"] == {"synced": 2}
    assert sum(second["state"]["products_by_status"].values()) == second["extract"]["products"] == 18


def patch_product(sandbox: Sandbox, identifier: str, values: dict) -> None:
    """An edit a person makes in the PIM."""
    response = httpx.patch(f"{sandbox.base_url}/api/rest/v1/products/{identifier}", json={"values": values},
                           headers={"Authorization": f"Bearer {akeneo_token(sandbox)}"})
    assert response.status_code == 204, response.text


def test_a_changed_model_level_value_is_written_once_to_the_model(runs: Runs, icecat: Sandbox) -> None:
    # only the variant Icecat has is selected (else the next index generation delivers the content requested
    # for the others, and BLACK-256, first in identifier order, would give the root its values)
    for identifier in ("DEMO-S25P-BLACK-256", "DEMO-S25P-BLACK-512", "DEMO-S25P-GREEN-256"):
        patch_product(runs.akeneo, identifier, {"data_owner": [{"locale": None, "scope": None, "data": "internal"}]})
    runs.run()
    changed = httpx.post(f"{icecat.base_url}/_sandbox/mutate", json={"icecat_ids": [S25_ICECAT_ID]}).json()
    assert changed["changed"] == [S25_ICECAT_ID]
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate").raise_for_status()
    report, akeneo_delta, _ = runs.run()
    products, models = lines_sent(run_dir_of(report))
    assert set(models[ROOT]["values"]) <= {"name", "description", "short_description"}
    assert not [identifier for identifier in products if identifier.startswith(GREEN)], "not once per variant"
    sent_to_root = [row for row in RESULTS.rows(run_dir_of(report)) if row["identifier"] == f"model:{ROOT}"]
    assert [row["status_code"] for row in sent_to_root] == [204]
    assert akeneo_delta["routes"].get(MODEL_PATCH) == 1
    assert "(rev" in str(model(runs.akeneo, ROOT)["values"]["name"][0]["data"])


def test_variants_that_disagree_on_a_model_level_value_are_reported_and_the_first_one_wins(runs: Runs) -> None:
    # a person gives a second variant the EAN of another Samsung phone Icecat knows (the Galaxy S7)
    patch_product(runs.akeneo, "DEMO-S25P-BLACK-512", {"ean": [{"locale": None, "scope": None, "data": S7_EAN}]})
    report, _, _ = runs.run()
    notes = [note for note in MODEL_NOTES.rows(run_dir_of(report)) if note["kind"] == "variants_disagree"]
    name = next(note for note in notes if note["attribute"] == "name" and note["locale"] == "en_US")
    assert name["model"] == ROOT and name["chosen_from"] == "DEMO-S25P-BLACK-512"
    assert name["variants"] == "DEMO-S25P-BLACK-512, DEMO-S25P-GREEN-512"
    # identifier order decides (BLACK-512 < GREEN-512), every run the same
    assert "S7" in str(model(runs.akeneo, ROOT)["values"]["name"][0]["data"])
    again, _, _ = runs.run()
    assert again["transform"]["model_lines"] == 0, "no flip-flop between the variants"


def test_the_preflight_shows_the_variant_families_and_the_level_of_each_mapped_attribute(runs: Runs) -> None:
    import asyncio

    from icecat_akeneo.akeneo.client import AkeneoClient
    from icecat_akeneo.mapping import load_mapping
    from icecat_akeneo.preflight.variants import variant_families

    mapping = load_mapping(runs.mapping_path)
    families = ["laptops", "smartphones"]

    async def section() -> dict:
        async with AkeneoClient(runs.settings()[0]) as akeneo:
            return await variant_families(akeneo, families, [field.attribute for field in mapping.fields])

    found = asyncio.run(section())
    assert found["families_with_variants"] == ["smartphones"]
    by_code = {item["family_variant"]: item for item in found["family_variants"]}
    two = by_code["smartphones_color_storage"]
    assert two["levels"] == 2
    assert two["mapped_attributes_by_level"]["axis (never written)"] == ["color"]
    assert two["mapped_attributes_by_level"]["sub-model (level 1)"] == ["main_image", "image_url"]
    assert "name" in two["mapped_attributes_by_level"]["root model"]
    assert by_code["smartphones_storage"]["levels"] == 1


def test_an_incremental_run_sees_every_variant_of_a_model_so_the_model_keeps_its_values(runs: Runs) -> None:
    """Only GREEN-512 changed in Akeneo during the interval; its siblings come along (same selection), so the
    root model's values are still chosen among all its variants: BLACK-512 stays first, nothing is sent."""
    import datetime as dt

    patch_product(runs.akeneo, "DEMO-S25P-BLACK-512", {"ean": [{"locale": None, "scope": None, "data": S7_EAN}]})
    runs.run()
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    patch_product(runs.akeneo, "DEMO-S25P-GREEN-512",
                  {"price": [{"locale": None, "scope": None, "data": [{"amount": "999.00", "currency": "EUR"}]}]})
    report, akeneo_delta, _ = runs.run(full_refresh=False, interval=(started, dt.datetime.now(dt.UTC)))
    extracted = {row["identifier"] for row in PRODUCTS.rows(run_dir_of(report))}
    assert "DEMO-S25P-BLACK-512" in extracted, "a sibling of the changed variant, neither changed nor pending"
    assert report["transform"]["model_lines"] == 0
    assert akeneo_delta["routes"].get(MODEL_PATCH, 0) == 0
    assert "S7" in str(model(runs.akeneo, ROOT)["values"]["name"][0]["data"])


def test_a_dry_run_shows_the_model_level_changes_under_the_model(runs: Runs) -> None:
    from icecat_akeneo.artifacts import DRY_RUN_DIFF

    report, akeneo_delta, _ = runs.run(dry_run=True)
    changed = {(row["identifier"], row["attribute"]) for row in DRY_RUN_DIFF.rows(run_dir_of(report))}
    assert (f"model:{ROOT}", "name") in changed and (f"model:{GREEN}", "image_url") in changed
    assert not [key for key in changed if key[0].startswith("DEMO-S25P-") and key[1] == "name"]
    assert akeneo_delta["routes"].get(MODEL_PATCH, 0) == 0
