"""Content that changes over time: data-creation requests, mutations for incremental sync, reset."""

from __future__ import annotations

import httpx

from sandbox.process import running_server
from tests.conftest import ICECAT_FULL, ICECAT_OPEN_USER, Sandbox

ONEPLUS = {"gtin": "5011113506001", "brand": "OnePlus", "mpn": "5011113506", "lang": "DE"}


def lookup(icecat: Sandbox, **params: str) -> httpx.Response:
    return httpx.get(
        f"{icecat.base_url}/api", params={"lang": "EN", "shopname": ICECAT_OPEN_USER, **params}, timeout=10
    )


def request_creation(icecat: Sandbox, body: dict[str, str], **params: str) -> httpx.Response:
    return httpx.post(
        f"{icecat.base_url}/data-creation/requests",
        json=body,
        params=params or {"shopname": ICECAT_OPEN_USER},
        timeout=10,
    )


def generate(icecat: Sandbox) -> None:
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate", timeout=10).raise_for_status()


def status_of(icecat: Sandbox, request_id: str) -> dict:
    return httpx.get(f"{icecat.base_url}/data-creation/requests/{request_id}", timeout=10).json()


def test_data_creation_turns_404_into_200_after_a_generation(icecat: Sandbox) -> None:
    assert lookup(icecat, GTIN=ONEPLUS["gtin"]).status_code == 404
    created = request_creation(icecat, ONEPLUS)
    assert created.status_code == 202
    assert created.json()["status"] == "requested"
    again = request_creation(icecat, {"brand": "oneplus", "mpn": "5011113506"})
    assert again.json()["id"] == created.json()["id"]  # idempotent per identifier
    assert lookup(icecat, GTIN=ONEPLUS["gtin"]).status_code == 404
    generate(icecat)
    done = status_of(icecat, created.json()["id"])
    assert done["status"] == "done"
    found = lookup(icecat, GTIN="5011113506001")
    assert found.status_code == 200
    info = found.json()["data"]["GeneralInfo"]
    assert (info["IcecatId"], info["Brand"], info["BrandPartCode"]) == (
        done["icecat_id"],
        "OnePlus",
        "5011113506",
    )
    assert lookup(icecat, Brand="OnePlus", ProductCode="5011113506").status_code == 200
    german = lookup(icecat, GTIN="5011113506001", lang="DE").json()["data"]["GeneralInfo"]
    assert german["Description"]["Language"] == "DE"
    daily = httpx.get(
        f"{icecat.base_url}/export/freexml/EN/daily.index.csv", auth=(ICECAT_OPEN_USER, "x"), timeout=10
    ).text
    assert f"\t{done['icecat_id']}\t" in daily


def test_creation_delay_counts_generations() -> None:
    with running_server("sandbox.icecat", ["--creation-delay-generations", "2"]) as url:
        slow = Sandbox(url)
        request_id = request_creation(slow, ONEPLUS).json()["id"]
        generate(slow)
        assert status_of(slow, request_id)["status"] == "in_progress"
        assert lookup(slow, GTIN=ONEPLUS["gtin"]).status_code == 404
        generate(slow)
        assert status_of(slow, request_id)["status"] == "done"


def test_data_creation_rejections_and_auth(icecat: Sandbox) -> None:
    in_store = request_creation(icecat, {"gtin": "2000000000008"}).json()
    generate(icecat)
    assert status_of(icecat, in_store["id"])["status"] == "rejected"
    assert request_creation(icecat, {"gtin": "5397184119709"}).status_code == 409  # already in Icecat
    assert request_creation(icecat, {"brand": "OnePlus"}).json()["StatusCode"] == 4
    assert request_creation(icecat, ONEPLUS, shopname="nobody").json()["StatusCode"] == 3
    full = request_creation(icecat, ONEPLUS, shopname=ICECAT_FULL["username"], app_key=ICECAT_FULL["app_key"])
    assert full.status_code == 202
    assert httpx.get(f"{icecat.base_url}/data-creation/requests/dc-999999", timeout=10).status_code == 404


def test_mutate_changes_title_description_and_updated(icecat: Sandbox) -> None:
    before = lookup(icecat, icecat_id="56195846").json()["data"]["GeneralInfo"]
    changed = httpx.post(
        f"{icecat.base_url}/_sandbox/mutate", json={"icecat_ids": [56195846]}, timeout=10
    ).json()
    assert changed["changed"] == [56195846]
    after = lookup(icecat, icecat_id="56195846").json()["data"]["GeneralInfo"]
    assert after["Title"] != before["Title"]
    assert after["Description"]["LongDesc"] != before["Description"]["LongDesc"]
    assert after["Description"]["Updated"] > before["Description"]["Updated"]
    xml_after = httpx.get(
        f"{icecat.base_url}/xml_s3/xml_server3.cgi?product_id=56195846;lang=EN",
        auth=(ICECAT_OPEN_USER, "x"),
        timeout=10,
    ).text
    assert after["Title"].replace('"', "&quot;") in xml_after
    assert after["Description"]["Updated"] in xml_after


def test_mutate_by_ratio_is_deterministic_and_reset_undoes_it(icecat: Sandbox) -> None:
    first = httpx.post(
        f"{icecat.base_url}/_sandbox/mutate", json={"ratio": 0.3, "seed": 1}, timeout=10
    ).json()
    icecat.reset()
    second = httpx.post(
        f"{icecat.base_url}/_sandbox/mutate", json={"ratio": 0.3, "seed": 1}, timeout=10
    ).json()
    assert first["changed"] == second["changed"] and len(first["changed"]) >= 3
    title_mutated = lookup(icecat, icecat_id=str(first["changed"][0])).json()["data"]["GeneralInfo"]["Title"]
    icecat.reset()
    title_reset = lookup(icecat, icecat_id=str(first["changed"][0])).json()["data"]["GeneralInfo"]["Title"]
    assert title_mutated == f"{title_reset} (rev 1)"


def test_removed_product_is_not_found(icecat: Sandbox) -> None:
    httpx.post(f"{icecat.base_url}/_sandbox/remove", json={"icecat_ids": [29900045]}, timeout=10)
    assert lookup(icecat, GTIN="4948570114344").status_code == 404
    icecat.reset()
    assert lookup(icecat, GTIN="4948570114344").status_code == 200
