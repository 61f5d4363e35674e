"""Every Icecat value -> Akeneo `data` conversion, and the rejections that replace a 422."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from icecat_akeneo.catalog.taxonomy import Taxonomy, option_code
from icecat_akeneo.mapping import FieldMapping
from icecat_akeneo.values import MediaUpload, ValueRejected, convert, is_empty

from tests.fixtures.mappings.records import demo_taxonomy, feature

TAXONOMY = Taxonomy(demo_taxonomy())


def _convert(attribute: str, value: object, **field: Any) -> Any:
    mapping = FieldMapping(source=field.pop("source", "title"), attribute=attribute, **field)
    return convert(value, TAXONOMY.attribute(attribute) or {"code": attribute}, mapping, TAXONOMY,
                   locale=None, scope=None)


def _rejection(attribute: str, value: object, **field: Any) -> ValueRejected:
    result = _convert(attribute, value, **field)
    assert isinstance(result, ValueRejected), result
    return result


def test_text_from_strings_lists_features_and_dates() -> None:
    resolution = feature(1585, "2d", "1920 x 1080", "pixels", "1920 x 1080 pixels")
    assert _convert("display_resolution", resolution) == "1920 x 1080 pixels"
    assert _convert("bullet_points", ["Intel Core i7", " ", "16 GB"], join=" | ") == "Intel Core i7 | 16 GB"
    assert _convert("name", "  Dell G5  ") == "Dell G5"
    assert _convert("image_url", dt.date(2018, 5, 23)) == "2018-05-23"


def test_text_longer_than_max_characters_is_rejected_never_cut() -> None:
    rejected = _rejection("marketing_claim", "Power-packed. Adventure-ready.")
    assert rejected.kind == "too_long"
    assert rejected.reason == ("text attribute marketing_claim must not contain more than 20 characters, "
                               "the value has 30")
    assert _rejection("datasheet_url", "x" * 256).kind == "too_long"      # Akeneo's default 255 for text


def test_number_integer_or_decimal_string() -> None:
    assert _convert("processor_cores", feature(6089, "numerical", "6")) == 6
    assert _rejection("processor_cores", feature(6089, "numerical", "2.5")).kind == "not_an_integer"
    assert _rejection("processor_cores", feature(6089, "numerical", "six")).reason == (
        "number attribute processor_cores expects a number, got feature 6089 (numerical) value 'six'")


@pytest.mark.parametrize(("attribute", "raw", "sign", "unit", "expected"), [
    ("weight", "190", "g", None, {"amount": "190", "unit": "GRAM"}),
    ("weight", "2700", "g", "KILOGRAM", {"amount": "2.7", "unit": "KILOGRAM"}),
    ("weight", "1", "kg", None, {"amount": "1000", "unit": "GRAM"}),
    ("weight", "1", "lbs", "GRAM", {"amount": "453.5924", "unit": "GRAM"}),
    ("display_diagonal", "6.7", '"', None, {"amount": "6.7", "unit": "INCH"}),
    ("display_diagonal", "170", "mm", None, {"amount": "6.6929", "unit": "INCH"}),
    ("width", "15.6", "in", None, {"amount": "396.24", "unit": "MILLIMETER"}),
    ("width", "29.18", "cm", None, {"amount": "291.8", "unit": "MILLIMETER"}),
])
def test_metric_converted_into_the_attribute_unit(attribute: str, raw: str, sign: str, unit: str | None,
                                                  expected: dict[str, str]) -> None:
    assert _convert(attribute, feature(94, "numerical", raw, sign), unit=unit) == expected


def test_metric_rejections_name_the_unit_problem() -> None:
    assert _rejection("weight", feature(94, "numerical", "190", "mm")).reason == (
        "metric attribute weight Icecat unit 'mm' has no unit in measurement family 'Weight'")
    assert _rejection("weight", feature(94, "numerical", "190", None)).kind == "missing_unit"
    assert _rejection("weight", feature(94, "numerical", "190", "g"), unit="TONNE").kind == "unknown_unit"
    assert _rejection("weight", feature(94, "numerical", "-3", "g")).kind == "out_of_range"


def test_boolean_from_y_n() -> None:
    assert _convert("bluetooth", feature(2183, "y_n", "Y", presentation="Yes")) is True
    assert _convert("bluetooth", feature(2183, "y_n", "N", presentation="No")) is False
    assert _rejection("bluetooth", feature(2183, "y_n", "maybe")).kind == "wrong_type"


def test_simpleselect_uses_the_options_map_then_the_slug() -> None:
    assert _convert("color", feature(1766, "dropdown", "Black")) == "black"
    assert _convert("color", feature(1766, "dropdown", "Gray"), options={"gray": "grey"}) == "grey"
    rejected = _rejection("color", feature(1766, "dropdown", "Mint colour"))
    assert rejected.kind == "unknown_option"
    assert "'mint_colour' (Icecat value 'Mint colour') do not exist" in rejected.reason
    assert _rejection("color", feature(1766, "multi_dropdown", "Black,White")).kind == "several_values"


def test_multiselect_splits_icecat_values_into_codes() -> None:
    value = feature(432, "multi_dropdown", "802.11a,Wi-Fi 5 (802.11ac),802.11b,802.11a")
    assert _convert("wifi_standards", value) == ["802_11a", "wi_fi_5_802_11ac", "802_11b"]
    assert _rejection("wifi_standards", feature(432, "multi_dropdown", "802.11a,IEEE 802.11ac")).kind \
        == "unknown_option"


def test_option_code_slug() -> None:
    assert option_code("Wi-Fi 6E (802.11ax)") == "wi_fi_6e_802_11ax"


def test_date_is_midnight_utc() -> None:
    assert _convert("release_date", dt.date(2018, 5, 23)) == "2018-05-23T00:00:00+00:00"
    assert _convert("release_date", "2016-02-22") == "2016-02-22T00:00:00+00:00"
    assert _rejection("release_date", "soon").kind == "wrong_type"


def test_images_and_files_become_uploads_whatever_their_name() -> None:
    """The name decides nothing (Icecat's leaflets are `.../product-pdf?productId=...`): the real type is
    checked at load (test_media_policy.py); here only what is not a fetchable URL is refused."""
    url = "https://images.icecat.biz/img/gallery/56195846_0.jpg"
    assert _convert("main_image", url) == MediaUpload(url)
    assert _convert("user_manual", "https://objects.icecat.biz/objects/manual.PDF?x=1") == \
        MediaUpload("https://objects.icecat.biz/objects/manual.PDF?x=1")
    leaflet = "https://icecat.biz/rest/product-pdf?productId=56195846"
    assert _convert("user_manual", leaflet) == MediaUpload(leaflet)
    assert _rejection("main_image", "not a url").kind == "wrong_type"
    assert "user name or password" in _rejection("main_image", "http://images.icecat.biz@127.0.0.1/a.jpg").reason
    assert "is not http or https" in _rejection("user_manual", "file:///etc/passwd").reason


def test_prices_and_identifiers_are_never_written() -> None:
    assert _rejection("price", "10").reason == "prices are never written by the connector"
    assert _rejection("sku", "X").kind == "unsupported_type"


def test_odd_input_is_rejected_not_raised() -> None:
    assert _rejection("weight", {"amount": 1}).kind == "wrong_type"
    assert _rejection("processor_cores", feature(6089, "numerical", "1e999999")).kind == "out_of_range"
    assert isinstance(_convert("color", object()), ValueRejected)


def test_empty_values() -> None:
    assert is_empty(None) and is_empty("  ") and is_empty([" ", None]) and is_empty(feature(1, "text", ""))
    assert not is_empty(["x"]) and not is_empty(feature(1, "y_n", "N"))


def _with(attribute: str, **properties: Any) -> dict[str, Any]:
    return {**(TAXONOMY.attribute(attribute) or {}), **properties}


def test_declared_limits_and_validation_rules_are_checked_like_akeneo() -> None:
    def check(attribute: dict[str, Any], value: object) -> Any:
        return convert(value, attribute, FieldMapping(source="title", attribute=attribute["code"]), TAXONOMY,
                       locale=None, scope=None)

    cores = _with("processor_cores", number_min="1", number_max="64")
    assert check(cores, "64") == 64
    assert check(cores, "128").reason == "number attribute processor_cores must be at most 64, got 128"
    released = _with("release_date", date_min="2017-06-28T08:00:00", date_max=None)
    assert check(released, dt.date(2017, 6, 28)) == "2017-06-28T00:00:00+00:00"
    assert check(released, dt.date(2016, 2, 22)).reason == (
        "date attribute release_date requires a date that is 2017-06-28 or after, got 2016-02-22")
    mpn = _with("mpn", validation_rule="regexp", validation_regexp="/^[A-Z0-9-]+$/i")
    assert check(mpn, "sm-g930f") == "sm-g930f"
    assert check(mpn, "SM G930F").reason == \
        "text attribute mpn must match the regular expression /^[A-Z0-9-]+$/i"
    url = _with("datasheet_url", validation_rule="url")
    assert check(url, "https://icecat.biz/p/1.pdf") == "https://icecat.biz/p/1.pdf"
    assert check(url, "see leaflet").kind == "validation_rule"


def test_precheck_off_leaves_length_rules_and_option_codes_to_akeneo() -> None:
    claim = "Headphones & Headsets"
    assert _rejection("marketing_claim", claim).kind == "too_long"
    assert _convert("marketing_claim", claim, precheck=False) == claim
    assert _convert("color", feature(1766, "dropdown", "Mint colour"), precheck=False) == "mint_colour"
    assert _rejection("weight", feature(94, "numerical", "190", "mm"), precheck=False).kind == "unknown_unit"


def test_an_option_labelled_with_the_icecat_value_is_found_whatever_its_code() -> None:
    raw = demo_taxonomy()
    raw["attribute_options"]["wifi_standards"].append(
        {"code": "wifi7_custom", "attribute": "wifi_standards", "labels": {"de_DE": "Wi-Fi 7 (802.11be)"}})
    wifi = FieldMapping(source="feature:432", attribute="wifi_standards")
    value = feature(432, "multi_dropdown", "802.11a,wi-fi 7 (802.11BE)")
    data = convert(value, _with("wifi_standards"), wifi, Taxonomy(raw), locale=None, scope=None)
    assert data == ["802_11a", "wifi7_custom"]
