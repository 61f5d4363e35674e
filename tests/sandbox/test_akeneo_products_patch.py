"""Point 3 (product writes): the collection PATCH contract line by line, single PATCH/POST, merge rules."""

from __future__ import annotations

import json

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture

PRODUCTS = "/api/rest/v1/products"
COLLECTION = "application/vnd.akeneo.collection+json"


def value(data: object, locale: str | None = None, scope: str | None = None) -> list[dict]:
    return [{"locale": locale, "scope": scope, "data": data}]


def test_documented_collection_example_answers_line_by_line(api: ApiSession) -> None:
    """products.yaml example (cap / mug / tshirt), with the demo's codes for channel and family."""
    api.patch(PRODUCTS + "/cap", json={})
    lines = api.patch_lines(
        [
            {"identifier": "cap", "values": {"description": value("My amazing cap", "en_US", "ecommerce")}},
            {"identifier": "mug", "group": ["promotion"]},
            {"identifier": "tshirt", "family": "laptops"},
        ]
    )
    assert lines[0] == {"line": 1, "identifier": "cap", "status_code": 204}
    assert {key: lines[1][key] for key in ("line", "identifier", "status_code", "message")} == {
        "line": 2,
        "identifier": "mug",
        "status_code": 422,
        "message": 'Property "group" does not exist.',
    }
    assert lines[2] == {"line": 3, "identifier": "tshirt", "status_code": 201}
    assert api.get(PRODUCTS + "/mug").status_code == 404  # a failed line changes nothing


def test_seed_example_batch_creates_and_refuses_the_image_url(api: ApiSession) -> None:
    """The seed's NDJSON example: name/description lines pass, an image given as {"_link": url} is refused."""
    lines = api.patch_lines(
        [
            {
                "identifier": "5702017566733",
                "values": {
                    "name": value("LEGO Starfighter", "en_US"),
                    "description": value("…", "en_US", "ecommerce"),
                },
            },
            {"identifier": "5702017584195", "values": {"brand": value("LEGO")}},
            {
                "identifier": "5702017588025",
                "values": {"main_image": value({"_link": "https://cdn.icecat.biz/img/xyz.jpg"})},
            },
        ]
    )
    assert [line["status_code"] for line in lines] == [201, 201, 422]
    assert lines[2]["message"].startswith('Property "main_image" expects a string as data, "array" given.')
    assert api.get(PRODUCTS + "/5702017566733").json()["values"]["description"][0]["data"] == "…"


def test_seed_example_single_patch_and_option_values(api: ApiSession) -> None:
    """The seed's single PATCH (fr_FR name + description), its option example and its type-error line."""
    single = {
        "values": {
            "name": value("LEGO Chasseur", "fr_FR"),
            "description": value("…", "fr_FR", "ecommerce"),
        }
    }
    assert api.patch(PRODUCTS + "/5702017566733", json=single).status_code == 201
    colour = api.patch(PRODUCTS + "/5702017566733", json={"values": {"color": value("black")}})
    assert colour.status_code == 204
    connectivity = api.patch(
        PRODUCTS + "/5702017566733", json={"values": {"connectivity": value(["wifi", "bluetooth"])}}
    )
    assert connectivity.json()["message"].startswith("The connectivity attribute does not exist in your PIM.")
    lines = api.patch_lines([{"identifier": "0196337820449", "values": {"name": value(12, "en_US")}}])
    assert lines[0]["status_code"] == 422
    assert lines[0]["message"].startswith('Property "name" expects a string as data, "integer" given.')


def test_response_stream_format(api: ApiSession) -> None:
    body = "\n".join(json.dumps({"identifier": f"P{i}"}) for i in range(3))
    response = api.patch(PRODUCTS, content=body, headers={"Content-Type": COLLECTION + "; charset=utf-8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(COLLECTION)
    assert not response.text.endswith("\n") and len(response.text.split("\n")) == 3


def test_more_than_100_lines_is_413_and_nothing_is_applied(api: ApiSession) -> None:
    body = "\n".join(json.dumps({"identifier": f"BULK-{i}"}) for i in range(101))
    response = api.patch(PRODUCTS, content=body, headers={"Content-Type": COLLECTION})
    assert response.json() == {
        "code": 413,
        "message": "Too many resources to process, 100 is the maximum allowed.",
    }
    assert api.get(PRODUCTS + "/BULK-0").status_code == 404
    assert len(api.patch_lines([{"identifier": f"BULK-{i}"} for i in range(100)])) == 100


def test_collection_requires_its_own_content_type(api: ApiSession) -> None:
    wrong = api.patch(PRODUCTS, content=b'{"identifier":"x"}', headers={"Content-Type": "application/json"})
    assert wrong.json() == {
        "code": 415,
        "message": '"application/json" in "Content-Type" header is not valid. Only '
        '"application/vnd.akeneo.collection+json" is allowed.',
    }
    missing = api.patch(PRODUCTS, content=b'{"identifier":"x"}')
    assert missing.status_code == 415 and "missing" in missing.json()["message"]


def test_each_line_is_independent_with_its_own_status(api: ApiSession) -> None:
    lines = api.patch_lines(
        [
            '{"identifier": "BROKEN", ',
            {"values": {"brand": value("X")}},
            {"identifier": "OK-1"},
            {"identifier": "BAD", "values": {"color": value("tommh")}},
            {"identifier": "DEMO-DELL-G5", "enabled": False},
        ]
    )
    assert lines[0] == {"line": 1, "status_code": 400, "message": "Invalid json message received"}
    assert lines[1] == {"line": 2, "status_code": 422, "message": "Identifier is missing."}
    assert lines[2] == {"line": 3, "identifier": "OK-1", "status_code": 201}
    assert lines[3] == {
        "line": 4,
        "identifier": "BAD",
        "status_code": 422,
        "message": "Validation failed.",
        "errors": [
            {
                "property": "values",
                "message": "The tommh value is not in the color attribute option list.",
                "attribute": "color",
                "locale": None,
                "scope": None,
            }
        ],
    }
    assert lines[4] == {"line": 5, "identifier": "DEMO-DELL-G5", "status_code": 204}
    assert api.get(PRODUCTS + "/DEMO-DELL-G5").json()["enabled"] is False


def test_multi_line_text_survives_intact(api: ApiSession) -> None:
    text = "Line one\nLine two\r\n\tindented \\n not a newline \u00e9\u4e2d"
    lines = api.patch_lines(
        [
            {"identifier": "DEMO-DELL-G5", "values": {"bullet_points": value(text, "en_US")}},
            {"identifier": "NEXT"},
        ]
    )
    assert [line["status_code"] for line in lines] == [204, 201]
    assert api.get(PRODUCTS + "/DEMO-DELL-G5").json()["values"]["bullet_points"][0]["data"] == text


def test_values_merge_per_locale_and_null_erases_one_value(api: ApiSession) -> None:
    api.patch(PRODUCTS + "/DEMO-DELL-G5", json={"values": {"name": value("Dell G5", "en_US")}})
    api.patch(PRODUCTS + "/DEMO-DELL-G5", json={"values": {"name": value("Dell G5 (DE)", "de_DE")}})
    names = api.get(PRODUCTS + "/DEMO-DELL-G5").json()["values"]["name"]
    assert {entry["locale"]: entry["data"] for entry in names} == {
        "en_US": "Dell G5",
        "de_DE": "Dell G5 (DE)",
    }
    api.patch(PRODUCTS + "/DEMO-DELL-G5", json={"values": {"name": value(None, "en_US")}})
    product = api.get(PRODUCTS + "/DEMO-DELL-G5").json()
    assert product["values"]["name"] == value("Dell G5 (DE)", "de_DE")
    assert product["values"]["brand"] == value("DELL")  # untouched attributes stay


def test_updated_moves_only_when_something_changed(api: ApiSession) -> None:
    before = api.get(PRODUCTS + "/DEMO-IIYAMA").json()["updated"]
    same = {"values": {"brand": value("iiyama")}, "enabled": True, "categories": ["monitors"]}
    assert api.patch(PRODUCTS + "/DEMO-IIYAMA", json=same).status_code == 204
    assert api.get(PRODUCTS + "/DEMO-IIYAMA").json()["updated"] == before
    api.patch(PRODUCTS + "/DEMO-IIYAMA", json={"values": {"brand": value("IIYAMA")}})
    assert api.get(PRODUCTS + "/DEMO-IIYAMA").json()["updated"] > before


def test_single_patch_and_post(api: ApiSession) -> None:
    created = api.patch(PRODUCTS + "/NEW-1", json={"family": "tablets"})
    assert created.status_code == 201
    assert created.headers["Location"] == f"{str(api.base_url).rstrip('/')}{PRODUCTS}/NEW-1"
    updated = api.patch(PRODUCTS + "/NEW-1", json={"enabled": False})
    assert (
        updated.status_code == 204
        and updated.headers["Location"].endswith("/NEW-1")
        and updated.content == b""
    )
    mismatch = api.patch(PRODUCTS + "/NEW-1", json={"identifier": "OTHER"})
    assert mismatch.json()["message"] == (
        'The identifier "OTHER" provided in the request body must match the '
        'identifier "NEW-1" provided in the url.'
    )
    assert api.post(PRODUCTS, json={"identifier": "NEW-2"}).status_code == 201
    assert api.post(PRODUCTS, json={"identifier": "NEW-2"}).status_code == 422
    as_text = api.patch(PRODUCTS + "/NEW-1", content=b"{}", headers={"Content-Type": "text/plain"})
    assert as_text.json() == {
        "code": 415,
        "message": '"text/plain" in "Content-Type" header is not valid. Only "application/json" is allowed.',
    }
    with_slash = api.patch(PRODUCTS + "/NEW%2F3", json={})
    assert with_slash.status_code == 201 and with_slash.headers["Location"].endswith("/NEW%2F3")
    assert api.get(with_slash.headers["Location"]).json()["identifier"] == "NEW/3"
    assert api.delete(PRODUCTS + "/NEW-2").status_code == 204
    assert api.get(PRODUCTS + "/NEW-2").status_code == 404
