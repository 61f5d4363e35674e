"""The UUID API of Akeneo 7.0 / SaaS end to end: the mode is told at the run's start, products are read and
written through `/products-uuid`, the state is keyed by uuid (a renamed SKU is not sent again, a product
without identifier is enriched), and Akeneo 5.0 still gets the identifier API."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from icecat_akeneo.state import ProductStatus

from sandbox.process import running_server
from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs, patches
from tests.e2e.test_sync_dag import akeneo_get, akeneo_token, value

UUID_PATCH = "PATCH /api/rest/v1/products-uuid"
IDENTIFIER_PATCH = "PATCH /api/rest/v1/products"
UPLOAD = "POST /api/rest/v1/media-files"


def uuid_of(sandbox: Sandbox, identifier: str) -> str:
    """The uuid of the product whose SKU is `identifier` (the identifier API does not show it)."""
    page = akeneo_get(sandbox, "/api/rest/v1/products-uuid?limit=100").json()
    return next(product["uuid"] for product in page["_embedded"]["items"]
                if value(product["values"], "sku") == identifier)


def by_uuid(sandbox: Sandbox, product_uuid: str) -> dict:
    response = akeneo_get(sandbox, f"/api/rest/v1/products-uuid/{product_uuid}")
    response.raise_for_status()
    return response.json()


def set_identifier(sandbox: Sandbox, product_uuid: str, identifier: str | None) -> None:
    """What a person does in the PIM: rename the SKU (or clear it; 7.0 allows a product without one)."""
    response = httpx.patch(f"{sandbox.base_url}/api/rest/v1/products-uuid/{product_uuid}",
                           json={"values": {"sku": [{"locale": None, "scope": None, "data": identifier}]}},
                           headers={"Authorization": f"Bearer {akeneo_token(sandbox)}"})
    assert response.status_code == 204, response.text


@pytest.fixture
def runs(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> Runs:
    return Runs(akeneo, icecat, tmp_path)


def test_a_run_on_akeneo_7_reads_and_writes_through_products_uuid(runs: Runs, akeneo: Sandbox) -> None:
    report, akeneo_delta, _ = runs.run()
    assert report["extract"]["akeneo_api"] == {"mode": "uuid", "edition": "CE", "version": "7.0.50",
                                               "decided_by": "system-information"}
    routes = akeneo_delta["routes"]
    assert routes.get("GET /api/rest/v1/products-uuid", 0) > 0
    assert routes.get(UUID_PATCH, 0) > 0 and IDENTIFIER_PATCH not in routes
    assert report["load"]["lines_by_status"] == {"204": 9} and report["summary"]["status"] == "success"
    dell = by_uuid(akeneo, uuid_of(akeneo, "DEMO-DELL-G5"))
    assert value(dell["values"], "name", "en_US")  # enriched through the uuid route
    synced = {state.identifier for state in runs.store().products(ProductStatus.SYNCED)}
    assert "DEMO-DELL-G5" in synced  # the state is named as the run names products, keyed by uuid
    with runs.store().engine.connect() as connection:
        keys = {row[0] for row in connection.exec_driver_sql("SELECT identifier FROM state_product")}
    assert uuid_of(akeneo, "DEMO-DELL-G5") in keys and "DEMO-DELL-G5" not in keys


def test_a_sku_renamed_between_two_runs_sends_nothing_and_uploads_nothing(runs: Runs, akeneo: Sandbox) -> None:
    first, akeneo_first, _ = runs.run()
    assert patches(akeneo_first) > 0 and akeneo_first["media_uploaded"] > 0
    dell = uuid_of(akeneo, "DEMO-DELL-G5")
    set_identifier(akeneo, dell, "DEMO-DELL-G5-RENAMED")

    second, akeneo_second, _ = runs.run()
    assert second["transform"]["lines"] == 0 and second["load"]["lines"] == 0
    assert patches(akeneo_second) == 0, "no line sent again for the renamed product"
    assert akeneo_second.get("media_uploaded", 0) == 0 and UPLOAD not in akeneo_second["routes"]
    synced = {state.identifier for state in runs.store().products(ProductStatus.SYNCED)}
    assert "DEMO-DELL-G5-RENAMED" in synced and "DEMO-DELL-G5" not in synced  # one product, its new name
    assert by_uuid(akeneo, dell)["values"]["sku"][0]["data"] == "DEMO-DELL-G5-RENAMED"


def test_a_product_without_identifier_is_enriched(runs: Runs, akeneo: Sandbox) -> None:
    dell = uuid_of(akeneo, "DEMO-DELL-G5")
    set_identifier(akeneo, dell, None)
    assert "sku" not in by_uuid(akeneo, dell)["values"]

    report, akeneo_delta, _ = runs.run()
    assert report["load"]["lines_by_status"] == {"204": 9} and akeneo_delta["media_uploaded"] > 0
    product = by_uuid(akeneo, dell)
    assert value(product["values"], "name", "en_US") and value(product["values"], "main_image")  # by uuid
    state = runs.store().product(dell)  # named by its uuid: it has nothing else
    assert state is not None and state.status == ProductStatus.SYNCED


def test_the_connection_may_force_the_identifier_api_on_akeneo_7(runs: Runs) -> None:
    akeneo_settings, icecat_settings = runs.settings()
    forced = type(akeneo_settings)(**{**akeneo_settings.__dict__, "api_mode": "identifier"})
    runs.settings = lambda: (forced, icecat_settings)  # type: ignore[method-assign]
    report, akeneo_delta, _ = runs.run()
    assert report["extract"]["akeneo_api"]["mode"] == "identifier"
    assert report["extract"]["akeneo_api"]["decided_by"] == "connection"
    assert akeneo_delta["routes"].get(IDENTIFIER_PATCH, 0) > 0 and UUID_PATCH not in akeneo_delta["routes"]
    assert report["load"]["lines_by_status"] == {"204": 9}


@pytest.fixture(scope="module")
def akeneo_5(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    db = tmp_path_factory.mktemp("akeneo5") / "akeneo.db"
    with running_server("sandbox.akeneo", ["--seed", "demo", "--edition", "5.0", "--db", str(db)]) as url:
        yield Sandbox(url)


def test_akeneo_5_gets_the_identifier_api_and_a_rerun_sends_nothing(akeneo_5: Sandbox, icecat: Sandbox,
                                                                    tmp_path: Path) -> None:
    runs = Runs(akeneo_5, icecat, tmp_path)
    first, akeneo_first, _ = runs.run()
    assert first["extract"]["akeneo_api"] == {"mode": "identifier", "edition": "CE", "version": "5.0.28",
                                              "decided_by": "system-information"}
    assert "GET /api/rest/v1/products-uuid" not in akeneo_first["routes"]
    assert akeneo_first["routes"].get(IDENTIFIER_PATCH, 0) > 0
    assert first["load"]["lines_by_status"] == {"204": 9} and first["summary"]["status"] == "success"
    second, akeneo_second, _ = runs.run()
    assert patches(akeneo_second) == 0 and second["transform"]["lines"] == 0
