"""Scale and configuration flags: synthetic products, a restricted vertical, extra sample folders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.process import running_server
from sandbox.synthetic import synthetic_brand, synthetic_gtin, synthetic_icecat_id, synthetic_mpn
from tests.conftest import ICECAT_FULL, ICECAT_OPEN_USER, Sandbox

SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "icecat" / "samples"


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    extra = tmp_path_factory.mktemp("saved")
    saved = json.loads(
        (SAMPLES / "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json").read_text()
    )
    saved["data"]["GeneralInfo"].update(IcecatId=4242, BrandPartCode="SAVED-1", GTIN=["4006381333931"])
    (extra / "saved_FR.json").write_text(json.dumps(saved))
    args = ["--synthetic", "5000", "--restricted-category", "1893", "--samples", str(extra)]
    with running_server("sandbox.icecat", args) as url:
        yield Sandbox(url)


def get(sandbox: Sandbox, user: str = ICECAT_OPEN_USER, **params: str) -> httpx.Response:
    extra = {"app_key": ICECAT_FULL["app_key"]} if user == ICECAT_FULL["username"] else {}
    return httpx.get(f"{sandbox.base_url}/api", params={"shopname": user, **extra, **params}, timeout=10)


@pytest.mark.parametrize("index", [0, 6, 4999])
def test_synthetic_product_found_by_each_identifier(configured: Sandbox, index: int) -> None:
    by_gtin = get(configured, lang="FR", GTIN=synthetic_gtin(index)).json()["data"]["GeneralInfo"]
    assert by_gtin["IcecatId"] == synthetic_icecat_id(index)
    assert (by_gtin["Brand"], by_gtin["BrandPartCode"]) == (synthetic_brand(index), synthetic_mpn(index))
    assert str(index) in by_gtin["Title"] and by_gtin["Description"]["Language"] == "FR"
    by_mpn = get(configured, lang="DE", Brand=synthetic_brand(index), ProductCode=synthetic_mpn(index))
    assert by_mpn.json()["data"]["GeneralInfo"]["IcecatId"] == synthetic_icecat_id(index)
    assert get(configured, lang="EN", icecat_id=str(synthetic_icecat_id(index))).status_code == 200


def test_synthetic_products_outside_the_range_are_not_found(configured: Sandbox) -> None:
    assert get(configured, lang="EN", GTIN=synthetic_gtin(5000)).status_code == 404
    assert get(configured, lang="EN", Brand="HP", ProductCode=synthetic_mpn(0)).status_code == 404


def test_full_index_lists_every_synthetic_product(configured: Sandbox) -> None:
    csv_text = httpx.get(
        f"{configured.base_url}/export/freexml/EN/files.index.csv", auth=(ICECAT_OPEN_USER, "x"), timeout=30
    ).text
    assert len(csv_text.splitlines()) == 1 + 11 + 1 + 5000  # header, samples, saved file, synthetic


def test_restricted_vertical_gives_error_12_to_the_full_user(configured: Sandbox) -> None:
    response = get(
        configured, ICECAT_FULL["username"], lang="EN", GTIN="8806095858456"
    )  # smartphone, cat 1893
    assert response.status_code == 403
    assert response.json()["StatusCode"] == 12
    assert get(configured, ICECAT_FULL["username"], lang="EN", GTIN="5397184119709").status_code == 200


def test_saved_response_from_samples_folder_is_served(configured: Sandbox) -> None:
    french = get(configured, lang="FR", GTIN="4006381333931").json()["data"]["GeneralInfo"]
    assert french["BrandPartCode"] == "SAVED-1"
    assert get(configured, lang="EN", Brand="Jabra", ProductCode="SAVED-1").status_code == 200


def test_generator_writes_synthetic_responses_the_server_can_load(tmp_path: Path) -> None:
    from sandbox.icecat.generate import write_synthetic

    assert write_synthetic(2, tmp_path, ("EN", "DE")) == 4
    saved = json.loads((tmp_path / f"synthetic_{synthetic_icecat_id(1)}_DE.json").read_text())
    info = saved["data"]["GeneralInfo"]
    assert saved["msg"] == "OK"
    assert (info["GTIN"][0], info["BrandPartCode"]) == (synthetic_gtin(1), synthetic_mpn(1))
    assert info["Title"].endswith("synthetic product 1 (DE)")
