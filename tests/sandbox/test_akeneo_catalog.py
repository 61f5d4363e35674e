"""Point 2 (catalogue structure): reads of the demo taxonomy, writes a connector needs, page pagination."""

from __future__ import annotations

import json

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture

V1 = "/api/rest/v1"


def items(api: ApiSession, path: str, **params: object) -> list[dict]:
    response = api.get(V1 + path, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()["_embedded"]["items"]


def test_locales_enabled_filter_lists_the_channel_locales(api: ApiSession) -> None:
    search = json.dumps({"enabled": [{"operator": "=", "value": True}]})
    assert [locale["code"] for locale in items(api, "/locales", search=search)] == [
        "de_DE",
        "en_US",
        "es_ES",
        "fr_FR",
    ]
    assert api.get(V1 + "/locales/nl_NL").json() == {"code": "nl_NL", "enabled": False}


def test_channels_currencies_and_measurement_families(api: ApiSession) -> None:
    ecommerce = api.get(V1 + "/channels/ecommerce").json()
    assert ecommerce["locales"] == ["de_DE", "en_US", "es_ES", "fr_FR"]
    assert (ecommerce["currencies"], ecommerce["category_tree"]) == (["EUR", "USD"], "master")
    assert {c["code"]: c["enabled"] for c in items(api, "/currencies")} == {
        "EUR": True,
        "GBP": False,
        "USD": True,
    }
    families = {family["code"]: family for family in api.get(V1 + "/measurement-families").json()}
    assert set(families["Weight"]["units"]) == {"GRAM", "KILOGRAM", "POUND"}


def test_attributes_carry_every_property_the_connector_checks(api: ApiSession) -> None:
    attributes = {attribute["code"]: attribute for attribute in items(api, "/attributes")}
    assert len(attributes) == 26
    assert attributes["name"]["localizable"] and attributes["name"]["max_characters"] == 255
    assert (
        attributes["description"]["scopable"] and attributes["description"]["type"] == "pim_catalog_textarea"
    )
    assert (attributes["weight"]["metric_family"], attributes["weight"]["default_metric_unit"]) == (
        "Weight",
        "GRAM",
    )
    assert attributes["processor_cores"]["decimals_allowed"] is False
    assert attributes["main_image"]["allowed_extensions"] == ["jpg", "jpeg", "png", "gif"]
    assert attributes["release_date"]["metric_family"] is None  # non-applicable properties are present, null
    search = json.dumps({"type": [{"operator": "IN", "value": ["pim_catalog_metric"]}]})
    assert [a["code"] for a in items(api, "/attributes", search=search)] == [
        "display_diagonal",
        "weight",
        "width",
    ]


def test_families_have_requirements_per_channel(api: ApiSession) -> None:
    laptops = api.get(V1 + "/families/laptops").json()
    assert laptops["attribute_requirements"] == {
        "ecommerce": ["sku", "name", "description"],
        "print": ["sku", "name"],
    }
    assert "wifi_standards" in laptops["attributes"]


def test_categories_keep_tree_order_and_filter_by_parent(api: ApiSession) -> None:
    codes = [category["code"] for category in items(api, "/categories")]
    assert codes[:2] == ["master", "electronics"] and len(codes) == 8
    search = json.dumps({"parent": [{"operator": "=", "value": "electronics"}]})
    assert len(items(api, "/categories", search=search)) == 6
    missing = api.get(V1 + "/categories/nope")
    assert missing.status_code == 404 and missing.json()["code"] == 404


def test_page_pagination_links_are_absolute_and_complete(api: ApiSession) -> None:
    first = api.get(V1 + "/attributes", params={"limit": 10, "with_count": "true"}).json()
    assert first["current_page"] == 1 and first["items_count"] == 26
    assert first["_links"]["next"]["href"].startswith(
        str(api.base_url).rstrip("/") + "/api/rest/v1/attributes?"
    )
    assert "previous" not in first["_links"]
    third = api.get(first["_links"]["next"]["href"]).json()
    third = api.get(third["_links"]["next"]["href"]).json()
    assert third["current_page"] == 3 and len(third["_embedded"]["items"]) == 6
    assert "next" not in third["_links"] and "previous" in third["_links"]
    item = third["_embedded"]["items"][0]
    assert (
        item["_links"]["self"]["href"]
        == f"{str(api.base_url).rstrip('/')}/api/rest/v1/attributes/{item['code']}"
    )


def test_attribute_options_list_create_patch_and_collection(api: ApiSession) -> None:
    options = [option["code"] for option in items(api, "/attributes/data_owner/options")]
    assert options == ["icecat", "internal"]
    created = api.post(
        V1 + "/attributes/wifi_standards/options", json={"code": "wi_fi_8", "labels": {"en_US": "Wi-Fi 8"}}
    )
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/api/rest/v1/attributes/wifi_standards/options/wi_fi_8")
    assert api.post(V1 + "/attributes/wifi_standards/options", json={"code": "wi_fi_8"}).status_code == 422
    patched = api.patch(V1 + "/attributes/color/options/black", json={"labels": {"fr_FR": "Noir"}})
    assert patched.status_code == 204
    assert api.get(V1 + "/attributes/color/options/black").json()["labels"] == {
        "en_US": "Black",
        "de_DE": "Schwarz",
        "fr_FR": "Noir",
    }  # labels merge, as Akeneo's patch rules say
    lines = api.patch_lines(
        [{"code": "purple", "labels": {"en_US": "Purple"}}, {"code": "black"}, {"labels": {}}],
        path=V1 + "/attributes/color/options",
    )
    assert [line["status_code"] for line in lines] == [201, 204, 422]
    assert lines[2]["message"] == "Code is missing."
    assert api.get(V1 + "/attributes/brand/options").status_code == 404  # text attributes have no options


def test_writable_structure_validates_references(api: ApiSession) -> None:
    bad_family = api.patch(V1 + "/families/cameras", json={"attributes": ["sku", "lens"]})
    assert bad_family.status_code == 422
    assert bad_family.json()["errors"][0]["message"] == 'Attribute "lens" does not exist.'
    new_attribute = api.patch(
        V1 + "/attributes/warranty", json={"type": "pim_catalog_text", "group": "other"}
    )
    assert new_attribute.status_code == 201
    assert api.get(V1 + "/attributes/warranty").json()["localizable"] is False
    unknown_property = api.patch(V1 + "/attributes/warranty", json={"colour": "red"})
    assert unknown_property.status_code == 422 and "colour" in unknown_property.json()["message"]
    null_labels = api.patch(V1 + "/families/laptops", json={"labels": None})
    assert null_labels.json()["message"] == (
        'Property "labels" expects an array as data, "NULL" given. Check the standard format documentation.'
    )
