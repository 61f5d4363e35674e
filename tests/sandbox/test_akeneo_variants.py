"""Issue 14 (sandbox): family variants, product models, variant products with `parent`, completenesses,
system-information and the main identifier, on the `--seed variants` catalogue (the demo plus a Samsung
Galaxy S25+ model: colour sub-models x storage variants), in-process (`sandbox.akeneo.testing.in_process`)."""

from __future__ import annotations

import json
from typing import Any

from sandbox.akeneo.bodies import COLLECTION_TYPE
from sandbox.akeneo.testing import InProcessApi as Api
from sandbox.akeneo.testing import in_process, in_process_fixtures

V1 = "/api/rest/v1"
ROOT, GREEN = "DEMO-S25P", "DEMO-S25P-GREEN"
VARIANT = "DEMO-S25P-GREEN-512"
NOT_IN_SET = 'Cannot set the property "{}" to this entity as it is not in the attribute set'


def value(data: Any) -> list[dict[str, Any]]:
    return [{"locale": None, "scope": None, "data": data}]


sandbox, api = in_process_fixtures("--seed", "variants")


def test_family_variants_list_their_levels(api: Api) -> None:
    listed = api.get(V1 + "/families/smartphones/variants").json()["_embedded"]["items"]
    assert [item["code"] for item in listed] == ["smartphones_color_storage", "smartphones_storage"]
    two_levels = api.get(V1 + "/families/smartphones/variants/smartphones_color_storage").json()
    assert [(item["level"], item["axes"]) for item in two_levels["variant_attribute_sets"]] == [
        (1, ["color"]),
        (2, ["storage"]),
    ]
    assert "family" not in two_levels
    assert api.get(V1 + "/families/smartphones/variants/nope").status_code == 404
    assert api.get(V1 + "/families/laptops/variants").json()["_embedded"]["items"] == []


def test_sub_model_and_variant_show_inherited_values(api: Api) -> None:
    sub_model = api.get(f"{V1}/product-models/{GREEN}").json()
    assert (sub_model["parent"], sub_model["family"], sub_model["family_variant"]) == (
        ROOT,
        "smartphones",
        "smartphones_color_storage",
    )
    assert sub_model["values"]["brand"] == value("Samsung") and sub_model["values"]["color"] == value("green")
    variant = api.get(f"{V1}/products/{VARIANT}").json()
    assert variant["parent"] == GREEN
    assert {code: variant["values"][code][0]["data"] for code in ("brand", "color", "storage", "ean")} == {
        "brand": "Samsung",
        "color": "green",
        "storage": "512gb",
        "ean": "8806095858456",
    }


def test_parent_filter_finds_the_variants_of_a_model_or_root(api: Api) -> None:
    def identifiers(search: dict[str, Any]) -> list[str]:
        found = api.get(V1 + "/products", params={"search": json.dumps(search), "limit": 100}).json()
        return [item["identifier"] for item in found["_embedded"]["items"]]

    assert identifiers({"parent": [{"operator": "=", "value": GREEN}]}) == [
        "DEMO-S25P-GREEN-256",
        "DEMO-S25P-GREEN-512",
    ]
    assert len(identifiers({"parent": [{"operator": "IN", "value": [ROOT]}]})) == 4
    assert len(identifiers({"parent": [{"operator": "EMPTY"}]})) == 16  # the flat demo products
    models = api.get(
        V1 + "/product-models", params={"search": json.dumps({"parent": [{"operator": "=", "value": ROOT}]})}
    )
    assert [item["code"] for item in models.json()["_embedded"]["items"]] == ["DEMO-S25P-BLACK", GREEN]


def test_a_variant_refuses_values_of_its_models_levels(api: Api) -> None:
    refused = api.patch(f"{V1}/products/{VARIANT}", json={"values": {"brand": value("Other"), "color": value("red")}})
    assert api.errors(refused) == [NOT_IN_SET.format("brand"), NOT_IN_SET.format("color")]
    assert api.patch(f"{V1}/products/{VARIANT}", json={"values": {"mpn": value("NEW-MPN")}}).status_code == 204
    assert api.get(f"{V1}/products/{VARIANT}").json()["values"]["color"] == value("green")


def test_variant_axes_family_and_parent_are_checked(api: Api) -> None:
    twin = api.post(
        V1 + "/products", json={"identifier": "TWIN", "parent": GREEN, "values": {"storage": value("512gb")}}
    )
    assert api.errors(twin) == [
        'Cannot set value "[512gb]" for the attribute axis "storage" on variant product "TWIN", as the variant '
        'product "DEMO-S25P-GREEN-512" already has this value'
    ]
    no_axis = api.post(V1 + "/products", json={"identifier": "NOAXIS", "parent": GREEN})
    assert api.errors(no_axis) == ['Attribute "storage" cannot be empty, as it is defined as an axis for this entity']
    other_family = api.post(
        V1 + "/products",
        json={"identifier": "LAPTOP", "family": "laptops", "parent": GREEN, "values": {"storage": value("256gb")}},
    )
    assert api.errors(other_family) == ["The variant product family must be the same than its parent"]
    on_root = api.post(
        V1 + "/products", json={"identifier": "ROOTED", "parent": ROOT, "values": {"storage": value("256gb")}}
    )
    assert "this product model can only have other product models as children" in api.errors(on_root)[-1]
    unknown = api.post(V1 + "/products", json={"identifier": "LOST", "parent": "mayonnaise"})
    assert api.errors(unknown) == ['The given product model "mayonnaise" does not exist']
    assert api.get(V1 + "/products/TWIN").status_code == 404
    created = api.post(
        V1 + "/products",
        json={"identifier": "BLUE-1", "parent": "DEMO-S25P-BLACK", "values": {"storage": value("1tb")}},
    )
    assert api.errors(created) == ["The 1tb value is not in the storage attribute option list."]


def test_product_models_are_written_with_level_and_axis_checks(api: Api) -> None:
    blue = {"code": "DEMO-S25P-BLUE", "parent": ROOT, "family_variant": "smartphones_color_storage"}
    assert api.post(V1 + "/product-models", json={**blue, "values": {"color": value("blue")}}).status_code == 201
    assert api.get(f"{V1}/product-models/DEMO-S25P-BLUE").json()["values"]["brand"] == value("Samsung")
    clash = api.post(
        V1 + "/product-models", json={**blue, "code": "DEMO-S25P-BLUE2", "values": {"color": value("green")}}
    )
    assert 'the product model "DEMO-S25P-GREEN" already has this value' in api.errors(clash)[0]
    wrong_level = api.patch(f"{V1}/product-models/{ROOT}", json={"values": {"color": value("red")}})
    assert api.errors(wrong_level) == [NOT_IN_SET.format("color")]
    renamed = api.patch(
        f"{V1}/product-models/{ROOT}",
        json={"values": {"name": [{"locale": "en_US", "scope": None, "data": "Galaxy S25+"}]}},
    )
    assert renamed.status_code == 204
    assert api.get(f"{V1}/products/{VARIANT}").json()["values"]["name"][0]["data"] == "Galaxy S25+"
    assert api.get(f"{V1}/product-models/nope").status_code == 404


def test_collection_patch_of_product_models_answers_per_code(api: Api) -> None:
    answers = api.lines(
        V1 + "/product-models",
        [
            {"code": GREEN, "categories": ["smartphones"]},
            {
                "code": "DEMO-S25P-RED",
                "parent": ROOT,
                "family_variant": "smartphones_color_storage",
                "values": {"color": value("red")},
            },
            {"code": "DEMO-S25P-BAD", "family_variant": "smartphones_color_storage", "values": {"sku": value("x")}},
            {"family_variant": "smartphones_color_storage"},
        ],
    )
    assert [(line["line"], line.get("code"), line["status_code"]) for line in answers] == [
        (1, GREEN, 204),
        (2, "DEMO-S25P-RED", 201),
        (3, "DEMO-S25P-BAD", 422),
        (4, None, 422),
    ]
    too_many = "\n".join(json.dumps({"code": f"M{i}"}) for i in range(101))
    response = api.patch(V1 + "/product-models", content=too_many, headers={"Content-Type": COLLECTION_TYPE})
    assert response.status_code == 413


def test_with_completenesses_follows_the_family_requirements(api: Api) -> None:
    def completeness(path: str) -> dict[tuple[str, str], int]:
        body = api.get(path, params={"with_completenesses": "true"}).json()
        return {(item["scope"], item["locale"]): item["data"] for item in body["completenesses"]}

    before = completeness(V1 + "/products/DEMO-SAMSUNG-S25")
    assert (before[("ecommerce", "en_US")], before[("print", "en_US")]) == (33, 50)
    name = {"name": [{"locale": "en_US", "scope": None, "data": "Galaxy S25+"}]}
    assert api.patch(V1 + "/products/DEMO-SAMSUNG-S25", json={"values": name}).status_code == 204
    after = completeness(V1 + "/products/DEMO-SAMSUNG-S25")
    assert (after[("ecommerce", "en_US")], after[("print", "en_US")], after[("ecommerce", "de_DE")]) == (66, 100, 33)
    listed = api.get(V1 + "/products", params={"with_completenesses": "true", "limit": 1}).json()
    assert "completenesses" in listed["_embedded"]["items"][0]
    assert "completenesses" not in api.get(V1 + "/products/DEMO-SAMSUNG-S25").json()


def test_system_information_follows_the_edition_flag(api: Api) -> None:
    assert api.get(V1 + "/system-information").json() == {"edition": "CE", "version": "7.0.50"}
    state, saas = in_process("--seed", "variants", "--edition", "saas")
    assert saas.get(V1 + "/system-information").json()["edition"] == "Serenity"
    state.store.close()
    sku = api.get(V1 + "/attributes/sku").json()
    assert sku["is_main_identifier"] is True and "is_main_identifier" not in api.get(V1 + "/attributes/ean").json()
