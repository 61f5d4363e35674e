"""Point 5 (media): multipart upload applied to the product, metadata, download, refusals."""

from __future__ import annotations

import json
import re

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture

MEDIA = "/api/rest/v1/media-files"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
TARGET = {"identifier": "DEMO-DELL-G5", "attribute": "main_image", "locale": None, "scope": None}


def upload(
    api: ApiSession, target: dict | None = TARGET, filename: str = "dell g5.jpg", content: bytes = JPEG
) -> object:
    data = {"product": json.dumps(target)} if target is not None else {}
    return api.post(MEDIA, data=data, files={"file": (filename, content, "image/jpeg")})


def test_upload_sets_the_product_value_and_can_be_downloaded(api: ApiSession) -> None:
    response = upload(api)
    assert response.status_code == 201 and response.content == b""
    location = response.headers["Location"]
    code = location.split(MEDIA + "/", 1)[1]
    assert re.fullmatch(r"[0-9a-f]/[0-9a-f]/[0-9a-f]/[0-9a-f]/[0-9a-f]{40}_dell_g5\.jpg", code)
    value = api.get("/api/rest/v1/products/DEMO-DELL-G5").json()["values"]["main_image"][0]
    assert value["data"] == code and value["_links"]["download"]["href"] == location + "/download"
    meta = api.get(location).json()
    assert (meta["original_filename"], meta["mime_type"], meta["size"], meta["extension"]) == (
        "dell g5.jpg",
        "image/jpeg",
        len(JPEG),
        "jpg",
    )
    download = api.get(value["_links"]["download"]["href"])
    assert download.content == JPEG and download.headers["content-type"] == "image/jpeg"
    listed = api.get(MEDIA, params={"with_count": "true"}).json()
    assert listed["items_count"] == 1


def test_uploaded_code_can_be_reused_in_a_product_patch(api: ApiSession) -> None:
    code = upload(api).headers["Location"].split(MEDIA + "/", 1)[1]
    lines = api.patch_lines(
        [
            {
                "identifier": "DEMO-HP-6710B",
                "values": {"main_image": [{"locale": None, "scope": None, "data": code}]},
            }
        ]
    )
    assert lines[0]["status_code"] == 204


def test_refused_value_removes_the_file(api: ApiSession) -> None:
    response = upload(api, filename="manual.txt")
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == (
        "The file extension is not allowed (allowed extensions: jpg, jpeg, png, gif)."
    )
    assert api.get(MEDIA, params={"with_count": "true"}).json()["items_count"] == 0
    localized = upload(api, target={**TARGET, "locale": "en_US"})
    assert localized.json()["message"].startswith(
        'Attribute "main_image" does not expect a locale, "en_US" given.'
    )


def test_attribute_max_file_size_is_enforced(api: ApiSession) -> None:
    api.patch("/api/rest/v1/attributes/main_image", json={"max_file_size": "0.001"})
    too_big = upload(api)
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["message"] == (
        "The file is too large (0.001028 MB). Allowed maximum size is 0.001 MB."
    )
    assert upload(api, content=b"\xff\xd8tiny").status_code == 201


def test_upload_refusals(api: ApiSession) -> None:
    unknown = upload(api, target={**TARGET, "identifier": "NOPE"})
    assert unknown.json() == {"code": 422, "message": 'Product "NOPE" does not exist.'}
    incomplete = upload(api, target={"identifier": "DEMO-DELL-G5"})
    assert incomplete.json()["message"] == (
        'Product property must contain "identifier", "attribute", "locale" and "scope" properties.'
    )
    neither = upload(api, target=None)
    assert neither.json()["message"] == (
        'You should at least give one of the following properties: "product" or "product_model".'
    )
    no_file = api.post(MEDIA, data={"product": json.dumps(TARGET)}, files={"other": ("x", b"x")})
    assert no_file.json() == {"code": 422, "message": 'Property "file" is required.'}
    bad_json = api.post(MEDIA, data={"product": "{nope"}, files={"file": ("a.jpg", JPEG)})
    assert bad_json.json() == {"code": 400, "message": "Invalid json message received"}
    not_multipart = api.post(MEDIA, json=TARGET)
    assert not_multipart.status_code == 415
    assert api.get(MEDIA + "/a/b/c/d/nope.jpg").json() == {
        "code": 404,
        "message": 'Media file "a/b/c/d/nope.jpg" does not exist.',
    }
