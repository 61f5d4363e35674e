"""The sandbox's JSON product API answers like live.icecat.biz/api: lookups, languages, blocks, errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import ICECAT_FULL, ICECAT_OPEN_USER, Sandbox

SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "icecat" / "samples"


def api(
    icecat: Sandbox, path: str = "/api", headers: dict[str, str] | None = None, **params: str
) -> httpx.Response:
    return httpx.get(icecat.base_url + path, params=params, headers=headers, timeout=10)


def open_api(icecat: Sandbox, **params: str) -> httpx.Response:
    return api(icecat, lang=params.pop("lang", "EN"), shopname=ICECAT_OPEN_USER, **params)


def full_api(icecat: Sandbox, **params: str) -> httpx.Response:
    return api(
        icecat,
        lang=params.pop("lang", "EN"),
        shopname=ICECAT_FULL["username"],
        app_key=ICECAT_FULL["app_key"],
        **params,
    )


def real_error_body(name: str) -> dict:
    text = next(SAMPLES.glob(f"*{name}*.txt")).read_text()
    return json.loads(text[text.index("{") :])


@pytest.mark.parametrize(
    ("params", "icecat_id"),
    [
        ({"GTIN": "5397184119709"}, 56195846),
        ({"GTIN": "0882780751682"}, 1198270),
        ({"GTIN": "882780751682"}, 1198270),  # 12-digit UPC form of the same product
        ({"GTIN": "00882780751682"}, 1198270),  # GTIN-14 form
        ({"GTIN": "0883585927579"}, 1438185),  # any of the product's 14 GTINs
        ({"Brand": "jabra", "ProductCode": "25089-899-899-01"}, 131216629),  # brand is case-insensitive
        ({"icecat_id": "125004573"}, 125004573),
        ({"GTIN": "4948570114344"}, 29900045),  # XML-only sample, served as JSON
    ],
)
def test_each_lookup_kind_finds_the_sample(icecat: Sandbox, params: dict[str, str], icecat_id: int) -> None:
    response = open_api(icecat, **params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["msg"] == "OK"
    assert body["data"]["GeneralInfo"]["IcecatId"] == icecat_id
    assert body["data"]["DemoAccount"] is True


def test_api_with_trailing_slash_and_lower_case_parameter_names(icecat: Sandbox) -> None:
    response = api(icecat, "/api/", lang="en", username=ICECAT_OPEN_USER, gtin="8806095858456")
    assert response.json()["data"]["GeneralInfo"]["BrandPartCode"] == "SM-S936BLGGEUB"


def test_json_sample_is_served_with_its_real_content(icecat: Sandbox) -> None:
    sample = json.loads(
        (SAMPLES / "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json").read_text()
    )
    served = open_api(icecat, GTIN="5397184119709").json()["data"]
    assert list(served) == list(sample["data"])  # same blocks in the same order
    assert (
        served["GeneralInfo"]["Description"]["LongDesc"]
        == sample["data"]["GeneralInfo"]["Description"]["LongDesc"]
    )
    assert served["FeaturesGroups"] == sample["data"]["FeaturesGroups"]


def test_content_filter_returns_only_the_named_blocks(icecat: Sandbox) -> None:
    data = open_api(icecat, GTIN="5397184119709", content="GeneralInfo,FeatureGroups").json()["data"]
    assert set(data) == {"GeneralInfo", "FeaturesGroups", "DemoAccount"}
    everything = open_api(icecat, GTIN="5397184119709", content="").json()["data"]
    assert {"Gallery", "Multimedia", "Image", "ReasonsToBuy"} <= set(everything)


def test_xml_only_product_in_german_has_the_json_shape(icecat: Sandbox) -> None:
    data = open_api(icecat, GTIN="8806088281285", lang="DE").json()["data"]
    info = data["GeneralInfo"]
    assert info["Title"] == "Samsung Galaxy S7 SM-G930F Single SIM 4G 32GB Schwarz"
    assert info["TitleInfo"]["GeneratedLocalTitle"]["Language"] == "DE"
    assert info["Description"]["Language"] == "DE"
    assert info["GTIN"] == ["8806088281285"]
    group = data["FeaturesGroups"][0]
    feature = group["Features"][0]
    assert {"ID", "SortNo", "FeatureGroup", "Features"} <= set(group)
    assert {
        "ID",
        "Type",
        "Value",
        "RawValue",
        "PresentationValue",
        "CategoryFeatureGroupID",
        "Feature",
    } <= set(feature)
    assert feature["Feature"]["Name"]["Language"] == "DE"
    assert {g["Feature"]["ID"] for fg in data["FeaturesGroups"] for g in fg["Features"]} >= {"944"}
    assert data["Gallery"][0]["Pic"].endswith(".jpg")


def test_language_without_content_falls_back_to_english(icecat: Sandbox) -> None:
    info = open_api(icecat, GTIN="5397184119709", lang="NL").json()["data"]["GeneralInfo"]
    assert info["Description"]["Language"] == "EN"
    assert info["TitleInfo"]["GeneratedLocalTitle"]["Language"] == "EN"


def test_spanish_xml_sample_is_served_in_spanish(icecat: Sandbox) -> None:
    info = open_api(icecat, GTIN="0088698205440", lang="ES").json()["data"]["GeneralInfo"]
    assert info["Description"]["Language"] == "ES"
    assert info["Description"]["LongProductName"] == "Cartucho de tinta original HP 10 negro"


@pytest.mark.parametrize(
    ("params", "status_code", "code", "message"),
    [
        ({"GTIN": "5397184119709"}, 400, 1, "UserName, and lang are mandatory fields"),
        (
            {"shopname": ICECAT_OPEN_USER, "GTIN": "5397184119709"},
            400,
            1,
            "UserName, and lang are mandatory fields",
        ),
        ({"shopname": ICECAT_OPEN_USER, "lang": "XX", "GTIN": "5397184119709"}, 400, 2, "Lang is unknown"),
        ({"shopname": ICECAT_OPEN_USER, "lang": "INT", "GTIN": "5397184119709"}, 400, 2, "Lang is unknown"),
        (
            {"shopname": "nobody", "lang": "EN", "GTIN": "5397184119709"},
            400,
            3,
            "nobody the Icecat user is unknown",
        ),
        ({"shopname": ICECAT_OPEN_USER, "lang": "EN"}, 400, 4, "Product identifier(s) is not correct"),
        (
            {"shopname": ICECAT_OPEN_USER, "lang": "EN", "GTIN": "12ab"},
            400,
            4,
            "Product identifier(s) is not correct",
        ),
        (
            {"shopname": ICECAT_OPEN_USER, "lang": "EN", "Brand": "DELL"},
            400,
            4,
            "Product identifier(s) is not correct",
        ),
        (
            {"shopname": ICECAT_OPEN_USER, "lang": "EN", "icecat_id": "x1"},
            400,
            4,
            "Product identifier(s) is not correct",
        ),
        (
            {"shopname": ICECAT_FULL["username"], "lang": "EN", "GTIN": "5397184119709"},
            403,
            5,
            "You have wrong ip address for access",
        ),
        (
            {
                "shopname": ICECAT_OPEN_USER,
                "lang": "EN",
                "GTIN": "5397184119709",
                "app_key": ICECAT_FULL["app_key"],
            },
            403,
            7,
            "Wrong matching shopname with app_key",
        ),
        (
            {"shopname": ICECAT_FULL["username"], "lang": "EN", "GTIN": "5397184119709", "app_key": "wrong"},
            403,
            10,
            "Not found user by application_key",
        ),
    ],
)
def test_documented_errors(
    icecat: Sandbox, params: dict[str, str], status_code: int, code: int, message: str
) -> None:
    response = api(icecat, **params)
    assert response.status_code == status_code
    assert response.json() == {
        "StatusCode": code,
        "Code": status_code,
        "Error": "Bad Request" if status_code == 400 else "Forbidden",
        "Message": message,
    }


def test_product_not_in_icecat_gives_the_real_404_body(icecat: Sandbox) -> None:
    by_gtin = open_api(icecat, GTIN="5011113506001")
    by_mpn = open_api(icecat, Brand="OnePlus", ProductCode="5011113506")
    for response in (by_gtin, by_mpn):
        assert response.status_code == 404
        assert response.content.decode() == json.dumps(real_error_body("error404"), separators=(",", ":"))


def test_open_user_gets_the_real_403_for_a_non_sponsor_brand(icecat: Sandbox) -> None:
    response = open_api(icecat, GTIN="0052742001203")
    assert response.status_code == 403
    assert response.content.decode() == json.dumps(real_error_body("error403"), separators=(",", ":"))
    assert open_api(icecat, Brand="Hill's", ProductCode="10012").status_code == 403


def test_full_user_sees_the_non_sponsor_brand(icecat: Sandbox) -> None:
    with_key = full_api(icecat, GTIN="0052742001203")
    assert with_key.status_code == 200
    info = with_key.json()["data"]["GeneralInfo"]
    assert (info["Brand"], info["BrandPartCode"], info["GTIN"][0]) == ("Hill's", "10012", "0052742001203")
    assert with_key.json()["data"]["DemoAccount"] is False
    with_token = api(
        icecat,
        lang="EN",
        shopname=ICECAT_FULL["username"],
        GTIN="0052742001203",
        headers={"Api-Token": ICECAT_FULL["api_token"]},
    )
    assert with_token.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"lang": "EN", "shopname": ICECAT_OPEN_USER, "GTIN": "9" * 40},
        {"lang": "EN", "shopname": ICECAT_OPEN_USER, "icecat_id": "9" * 40},
        {"lang": "\x00", "shopname": ICECAT_OPEN_USER, "GTIN": "1"},
        {"lang": "EN", "shopname": ICECAT_OPEN_USER, "Brand": "%%", "ProductCode": "<x>"},
        {"lang": "EN", "shopname": ICECAT_OPEN_USER, "GTIN": "5397184119709", "content": ",,,nonsense"},
    ],
)
def test_bad_input_never_gives_a_server_error(icecat: Sandbox, params: dict[str, str]) -> None:
    assert api(icecat, **params).status_code < 500
