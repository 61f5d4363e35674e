"""The Asset Manager (issue 14 point 6): asset families, assets, asset media files, and the
`pim_catalog_asset_collection` product value that points at them, with Akeneo's answers."""

from __future__ import annotations

import json
from urllib.parse import unquote

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture

FAMILIES = "/api/rest/v1/asset-families"
ASSETS = FAMILIES + "/icecat_pictures/assets"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
GALLERY = {"code": "asset_gallery", "type": "pim_catalog_asset_collection", "group": "other",
           "reference_data_name": "icecat_pictures", "localizable": False, "scopable": False}


def upload(api: ApiSession, content: bytes = JPEG) -> str:
    response = api.post("/api/rest/v1/asset-media-files", files={"file": ("front.jpg", content, "image/jpeg")})
    assert response.status_code == 201 and response.content == b"", response.text
    code = response.headers["Asset-media-file-code"]
    assert unquote(response.headers["Location"]).endswith(f"/api/rest/v1/asset-media-files/{code}")
    return code


def asset(code: str, media: str) -> dict:
    return {"code": code, "values": {"media": [{"locale": None, "channel": None, "data": media}]}}


def test_the_demo_asset_family_is_listed_and_read(api: ApiSession) -> None:
    listed = api.get(FAMILIES).json()
    [family] = listed["_embedded"]["items"]
    assert family["code"] == "icecat_pictures" and family["attribute_as_main_media"] == "media"
    assert family["_links"]["self"]["href"].endswith(FAMILIES + "/icecat_pictures")
    assert api.get(FAMILIES + "/icecat_pictures").json()["labels"] == {"en_US": "Icecat pictures"}
    missing = api.get(FAMILIES + "/nope")
    assert (missing.status_code, missing.json()["message"]) == (404, 'Asset family "nope" does not exist.')


def test_an_uploaded_file_becomes_an_asset_created_then_updated(api: ApiSession) -> None:
    media = upload(api)
    assert api.get(f"/api/rest/v1/asset-media-files/{media}").content == JPEG
    created = api.patch(f"{ASSETS}/front_1", json=asset("front_1", media))
    assert created.status_code == 201 and created.headers["Location"].endswith(f"{ASSETS}/front_1")
    assert api.patch(f"{ASSETS}/front_1", json=asset("front_1", media)).status_code == 204
    held = api.get(f"{ASSETS}/front_1").json()
    assert held["values"]["media"][0]["data"] == media
    assert api.get(f"{ASSETS}/front_2").status_code == 404
    assert api.get("/_sandbox/counters").json()["asset_media_uploaded"] == 1


def test_several_assets_in_one_patch_each_answered(api: ApiSession) -> None:
    media = upload(api)
    answers = api.patch(ASSETS, json=[asset("a_1", media), asset("a 2", media), asset("a_3", "no/such/file.jpg")])
    assert answers.status_code == 200
    assert [(line["code"], line["status_code"]) for line in answers.json()] == [("a_1", 201), ("a 2", 422),
                                                                               ("a_3", 422)]
    assert "was not found" in answers.json()[2]["errors"][0]["message"]
    page = api.get(ASSETS, params={"limit": 1}).json()
    assert [item["code"] for item in page["_embedded"]["items"]] == ["a_1"] and "next" in page["_links"]
    too_many = api.patch(ASSETS, json=[asset(f"x_{n}", media) for n in range(101)])
    assert too_many.status_code == 413


def test_a_product_asset_collection_takes_known_assets_in_order_and_refuses_unknown_ones(api: ApiSession) -> None:
    assert api.post("/api/rest/v1/attributes", json=GALLERY).status_code == 201
    media = upload(api)
    for code in ("back", "front"):
        api.patch(f"{ASSETS}/{code}", json=asset(code, media))
    value = {"asset_gallery": [{"locale": None, "scope": None, "data": ["front", "back"]}]}
    assert api.patch("/api/rest/v1/products/DEMO-DELL-G5", json={"values": value}).status_code == 204
    held = api.get("/api/rest/v1/products/DEMO-DELL-G5").json()["values"]["asset_gallery"][0]["data"]
    assert held == ["front", "back"]
    value["asset_gallery"][0]["data"] = ["front", "ghost"]
    refused = api.patch("/api/rest/v1/products/DEMO-DELL-G5", json={"values": value})
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["attribute"] == "asset_gallery"
    assert error["message"] == 'The asset "ghost" does not exist in the asset family "icecat_pictures".'
    assert api.get("/api/rest/v1/products/DEMO-DELL-G5").json()["values"]["asset_gallery"][0]["data"] == held
    line = {"identifier": "DEMO-DELL-G5", "values": {"asset_gallery": [{"locale": None, "scope": None,
                                                                         "data": "front"}]}}
    [answer] = api.patch_lines([json.dumps(line)])
    assert answer["status_code"] == 422
