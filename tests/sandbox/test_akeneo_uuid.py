"""Issue 14 (sandbox): the `/products-uuid` API of Akeneo 7.0 / SaaS (identifier optional and changeable,
answer lines keyed by uuid, search_after by uuid) and its absence on 5.0 / 6.0 (`--edition`)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from sandbox.akeneo.testing import InProcessApi, in_process, in_process_fixtures

UUIDS = "/api/rest/v1/products-uuid"
PRODUCTS = "/api/rest/v1/products"
NEW = "0b6f1b2e-5a0c-4c4e-9a57-4f3b8a1f2c01"


def sku(data: Any) -> dict[str, Any]:
    return {"sku": [{"locale": None, "scope": None, "data": data}]}


sandbox, api = in_process_fixtures("--edition", "7.0")


def uuid_of(api: InProcessApi, identifier: str) -> str:
    found = api.get(UUIDS, params={"search": json.dumps({"sku": [{"operator": "=", "value": identifier}]})})
    return found.json()["_embedded"]["items"][0]["uuid"]


def test_get_by_uuid_carries_the_identifier_as_a_value(api: InProcessApi) -> None:
    product_id = uuid_of(api, "DEMO-DELL-G5")
    body = api.get(f"{UUIDS}/{product_id}").json()
    assert body["uuid"] == product_id and "identifier" not in body
    assert body["values"]["sku"] == [{"locale": None, "scope": None, "data": "DEMO-DELL-G5"}]
    assert body["_links"]["self"]["href"].endswith(f"{UUIDS}/{product_id}")
    assert api.get(f"{UUIDS}/{uuid.uuid4()}").status_code == 404
    assert api.get(f"{UUIDS}/not-a-uuid").status_code == 422


def test_search_after_pages_through_every_product_in_uuid_order(api: InProcessApi) -> None:
    seen: list[str] = []
    url: str | None = UUIDS + "?pagination_type=search_after&limit=5"
    while url:
        page = api.get(url).json()
        seen += [item["uuid"] for item in page["_embedded"]["items"]]
        url = page["_links"].get("next", {}).get("href")
    assert len(seen) == 16 and seen == sorted(seen) and len(set(seen)) == 16


def test_a_product_without_identifier_exists_only_in_the_uuid_api(api: InProcessApi) -> None:
    created = api.post(UUIDS, json={"uuid": NEW, "family": "laptops", "values": {"brand": sku("Dell")["sku"]}})
    assert created.status_code == 201 and created.headers["Location"].endswith(f"{UUIDS}/{NEW}")
    body = api.get(f"{UUIDS}/{NEW}").json()
    assert "sku" not in body["values"] and body["values"]["brand"][0]["data"] == "Dell"
    assert api.get(PRODUCTS, params={"with_count": "true"}).json()["items_count"] == 16
    assert api.get(UUIDS, params={"with_count": "true"}).json()["items_count"] == 17
    assert api.errors(api.post(UUIDS, json={"uuid": NEW})) == ["The same uuid is already set on another product"]


def test_renaming_the_identifier_keeps_the_uuid(api: InProcessApi) -> None:
    product_id = uuid_of(api, "DEMO-DELL-G5")
    assert api.patch(f"{UUIDS}/{product_id}", json={"values": sku("DELL-G5-NEW")}).status_code == 204
    assert api.get(f"{PRODUCTS}/DEMO-DELL-G5").status_code == 404
    renamed = api.get(f"{PRODUCTS}/DELL-G5-NEW").json()
    assert renamed["identifier"] == "DELL-G5-NEW" and renamed["values"]["ean"]
    assert uuid_of(api, "DELL-G5-NEW") == product_id
    taken = api.patch(f"{UUIDS}/{product_id}", json={"values": sku("DEMO-HILLS")})
    assert api.errors(taken) == ["The same identifier is already set on another product"]


def test_collection_patch_answers_each_line_with_its_uuid(api: InProcessApi) -> None:
    dell = uuid_of(api, "DEMO-DELL-G5")
    answers = api.lines(
        UUIDS,
        [
            {"uuid": dell, "enabled": False},
            {"uuid": NEW, "values": sku("BRAND-NEW")},
            {"uuid": "nope"},
            {"enabled": True},
        ],
    )
    assert [(line["line"], line.get("uuid"), line["status_code"]) for line in answers] == [
        (1, dell, 204),
        (2, NEW, 201),
        (3, "nope", 422),
        (4, None, 422),
    ]
    assert api.get(f"{PRODUCTS}/BRAND-NEW").json()["enabled"] is True
    assert api.get(f"{PRODUCTS}/DEMO-DELL-G5").json()["enabled"] is False


@pytest.mark.parametrize("edition", ["5.0", "6.0"])
def test_editions_before_7_have_no_uuid_api(edition: str) -> None:
    state, api = in_process("--edition", edition)
    try:
        assert api.get(UUIDS).status_code == 404
        assert not [route for route in api.get("/api/rest/v1").json()["routes"] if "products-uuid" in route]
        assert api.get("/api/rest/v1/system-information").json()["version"].startswith(edition)
    finally:
        state.store.close()
    routes = in_process()[1].get("/api/rest/v1").json()["routes"]
    assert "/api/rest/v1/products-uuid/{product_id}" in routes
