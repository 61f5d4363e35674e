"""Point 3 (product lists): search filters, search_after and page pagination, read options, limits."""

from __future__ import annotations

import json
from typing import Any

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture

PRODUCTS = "/api/rest/v1/products"
ALL_DEMO = 16


def search(api: ApiSession, filters: dict[str, Any], **params: object) -> list[str]:
    response = api.get(PRODUCTS, params={"limit": 100, "search": json.dumps(filters), **params})
    assert response.status_code == 200, response.text
    return [item["identifier"] for item in response.json()["_embedded"]["items"]]


def test_seed_filter_data_owner_icecat_excludes_internal_products(api: ApiSession) -> None:
    found = search(api, {"data_owner": [{"operator": "IN", "value": ["icecat"]}]})
    assert len(found) == ALL_DEMO - 1 and "DEMO-INTERNAL" not in found
    combined = search(
        api,
        {
            "data_owner": [{"operator": "IN", "value": ["icecat"]}],
            "enabled": [{"operator": "=", "value": True}],
            "family": [{"operator": "IN", "value": ["laptops", "phones"]}],
        },
    )
    assert combined == ["DEMO-DELL-G5", "DEMO-HP-6710B", "DEMO-NOID"]


def test_property_filters(api: ApiSession) -> None:
    assert search(api, {"enabled": [{"operator": "!=", "value": True}]}) == ["DEMO-DISABLED"]
    assert len(search(api, {"family": [{"operator": "NOT IN", "value": ["laptops"]}]})) == 11
    assert (
        len(search(api, {"categories": [{"operator": "IN CHILDREN", "value": ["electronics"]}]})) == ALL_DEMO
    )
    assert search(api, {"categories": [{"operator": "IN", "value": ["printing"]}]}) == [
        "DEMO-HILLS",
        "DEMO-HP-INK",
    ]
    assert search(api, {"categories": [{"operator": "UNCLASSIFIED"}]}) == []


def test_created_and_updated_filters(api: ApiSession) -> None:
    assert search(api, {"created": [{"operator": "=", "value": "2026-01-02 00:00:00"}]}) == [
        "DEMO-SAMSUNG-S25"
    ]
    between = {"updated": [{"operator": "BETWEEN", "value": ["2026-01-01 00:00:00", "2026-01-03 23:59:59"]}]}
    assert search(api, between) == ["DEMO-DELL-G5", "DEMO-LENOVO-TAB", "DEMO-SAMSUNG-S25"]
    assert len(search(api, {"updated": [{"operator": ">", "value": "2026-01-15 00:00:00"}]})) == 2
    assert search(api, {"updated": [{"operator": "SINCE LAST N DAYS", "value": 1}]}) == []
    api.patch(
        PRODUCTS + "/DEMO-IIYAMA",
        json={"values": {"brand": [{"locale": None, "scope": None, "data": "Iiyama"}]}},
    )
    assert search(api, {"updated": [{"operator": "SINCE LAST N DAYS", "value": 1}]}) == ["DEMO-IIYAMA"]


def test_attribute_filters_per_type(api: ApiSession) -> None:
    assert search(api, {"ean": [{"operator": "EMPTY"}]}) == ["DEMO-JABRA-HS", "DEMO-NOID"]
    assert len(search(api, {"ean": [{"operator": "NOT EMPTY"}]})) == ALL_DEMO - 2
    assert search(api, {"brand": [{"operator": "STARTS WITH", "value": "phil"}]}) == [
        "DEMO-PHILIPS-HS",
        "DEMO-PHILIPS-MON",
    ]
    assert search(api, {"mpn": [{"operator": "CONTAINS", "value": "899"}]}) == ["DEMO-JABRA-HS"]
    assert search(api, {"sku": [{"operator": "IN", "value": ["DEMO-HILLS", "NOPE"]}]}) == ["DEMO-HILLS"]
    api.patch(
        PRODUCTS + "/DEMO-DELL-G5",
        json={
            "values": {
                "name": [{"locale": "en_US", "scope": None, "data": "Dell G5 15"}],
                "processor_cores": [{"locale": None, "scope": None, "data": 6}],
                "weight": [{"locale": None, "scope": None, "data": {"amount": "2.63", "unit": "KILOGRAM"}}],
                "bluetooth": [{"locale": None, "scope": None, "data": True}],
                "release_date": [{"locale": None, "scope": None, "data": "2018-04-01"}],
            }
        },
    )
    assert search(api, {"name": [{"operator": "CONTAINS", "value": "g5", "locale": "en_US"}]}) == [
        "DEMO-DELL-G5"
    ]
    assert search(api, {"name": [{"operator": "CONTAINS", "value": "g5"}]}, search_locale="de_DE") == []
    assert search(api, {"processor_cores": [{"operator": ">=", "value": 4}]}) == ["DEMO-DELL-G5"]
    assert search(api, {"weight": [{"operator": "<", "value": 3}]}) == ["DEMO-DELL-G5"]
    assert search(api, {"bluetooth": [{"operator": "=", "value": True}]}) == ["DEMO-DELL-G5"]
    assert search(api, {"release_date": [{"operator": "<", "value": "2019-01-01"}]}) == ["DEMO-DELL-G5"]


def test_completeness_filter_follows_family_requirements(api: ApiSession) -> None:
    complete = {"completeness": [{"operator": "=", "value": 100, "scope": "print"}]}
    assert search(api, complete) == []
    api.patch(
        PRODUCTS + "/DEMO-HP-INK",
        json={"values": {"name": [{"locale": "en_US", "scope": None, "data": "HP 10"}]}},
    )
    assert search(api, complete) == ["DEMO-HP-INK"]
    assert search(api, {"completeness": [{"operator": ">", "value": 50, "scope": "ecommerce"}]}) == [
        "DEMO-HP-INK"
    ]


def test_search_after_pages_through_everything_once(api: ApiSession) -> None:
    seen: list[str] = []
    url: str | None = PRODUCTS + "?pagination_type=search_after&limit=5"
    while url:
        page = api.get(url).json()
        assert "current_page" not in page and "previous" not in page["_links"]
        assert "search_after=" not in page["_links"]["first"]["href"]
        seen += [item["identifier"] for item in page["_embedded"]["items"]]
        url = page["_links"].get("next", {}).get("href")
    assert seen == sorted(seen) and len(set(seen)) == ALL_DEMO


def test_links_preserve_the_query(api: ApiSession) -> None:
    filters = json.dumps({"enabled": [{"operator": "=", "value": True}]})
    page = api.get(PRODUCTS, params={"search": filters, "limit": 3, "locales": "en_US"}).json()
    follow = api.get(page["_links"]["next"]["href"]).json()
    assert follow["current_page"] == 2 and len(follow["_embedded"]["items"]) == 3
    assert all(item["enabled"] for item in follow["_embedded"]["items"])
    assert "locales=en_US" in follow["_links"]["self"]["href"]


def test_limits_and_page_cap_answer_the_documented_422(api: ApiSession) -> None:
    too_many = api.get(PRODUCTS, params={"limit": 101})
    assert too_many.json() == {"code": 422, "message": "You cannot request more than 100 items."}
    capped = api.get(PRODUCTS, params={"page": 101, "limit": 100})
    assert capped.status_code == 422
    assert capped.json()["message"].startswith(
        "You have reached the maximum number of pages you can retrieve"
    )
    assert capped.json()["_links"]["documentation"]["href"].endswith("#the-search-after-method")
    assert api.get(PRODUCTS, params={"page": 100, "limit": 100}).status_code == 200


def test_read_options_filter_values_and_scope_requires_the_tree(api: ApiSession) -> None:
    api.patch(
        PRODUCTS + "/DEMO-DELL-G5",
        json={
            "values": {
                "description": [
                    {"locale": "en_US", "scope": "ecommerce", "data": "web"},
                    {"locale": "en_US", "scope": "print", "data": "paper"},
                    {"locale": "de_DE", "scope": "ecommerce", "data": "Netz"},
                ]
            }
        },
    )
    api.patch(PRODUCTS + "/LOOSE", json={"family": "laptops"})  # uncategorised
    page = api.get(
        PRODUCTS,
        params={"scope": "print", "locales": "en_US", "attributes": "description,brand", "limit": 100},
    ).json()
    by_id = {item["identifier"]: item for item in page["_embedded"]["items"]}
    assert "LOOSE" not in by_id  # `scope` only returns products in the channel's category tree
    assert by_id["DEMO-DELL-G5"]["values"] == {
        "brand": [{"locale": None, "scope": None, "data": "DELL"}],
        "description": [{"locale": "en_US", "scope": "print", "data": "paper"}],
    }


def test_product_resource_shape(api: ApiSession) -> None:
    product = api.get(PRODUCTS + "/DEMO-DELL-G5").json()
    assert list(product) == [
        "_links",
        "identifier",
        "enabled",
        "family",
        "categories",
        "groups",
        "parent",
        "values",
        "created",
        "updated",
        "associations",
        "quantified_associations",
    ]
    assert product["_links"]["self"]["href"] == f"{str(api.base_url).rstrip('/')}{PRODUCTS}/DEMO-DELL-G5"
    assert "sku" not in product["values"]
    missing = api.get(PRODUCTS + "/NOPE")
    assert missing.json() == {
        "code": 404,
        "message": 'Product "NOPE" does not exist or you do not have permission to access it.',
    }


def test_search_errors(api: ApiSession) -> None:
    assert api.get(PRODUCTS, params={"search": "{nope"}).json() == {
        "code": 400,
        "message": "Search query parameter should be valid JSON.",
    }
    unknown = api.get(
        PRODUCTS, params={"search": json.dumps({"colour": [{"operator": "IN", "value": ["red"]}]})}
    )
    assert (
        unknown.json()["message"]
        == 'Filter on property "colour" is not supported or does not support operator "IN"'
    )
    no_locale = api.get(
        PRODUCTS, params={"search": json.dumps({"name": [{"operator": "CONTAINS", "value": "x"}]})}
    )
    assert no_locale.json()["message"] == 'Attribute "name" expects a locale, none given.'
    no_operator = api.get(PRODUCTS, params={"search": json.dumps({"enabled": [{"value": True}]})})
    assert no_operator.json()["message"] == 'Operator is missing for the property "enabled".'
    category = api.get(
        PRODUCTS, params={"search": json.dumps({"categories": [{"operator": "IN", "value": ["x"]}]})}
    )
    assert category.json()["message"] == 'Category "x" does not exist.'
