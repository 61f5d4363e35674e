"""Point 4 (validation): every refusal a connector can provoke, with Akeneo's status and message shape."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture

PRODUCT = "/api/rest/v1/products/DEMO-DELL-G5"
CHECK = " Check the expected format on the API documentation."


def values(code: str, data: object, locale: str | None = None, scope: str | None = None) -> dict[str, Any]:
    return {"values": {code: [{"locale": locale, "scope": scope, "data": data}]}}


# (payload, top-level message) — malformed payloads: 422 with a message and a documentation link
MALFORMED = [
    (values("unknown_attribute", "x"), "The unknown_attribute attribute does not exist in your PIM." + CHECK),
    ({"extra_property": 1}, 'Property "extra_property" does not exist.'),
    (values("name", "Dell"), 'Attribute "name" expects a locale, none given.' + CHECK),
    (values("brand", "Dell", "en_US"), 'Attribute "brand" does not expect a locale, "en_US" given.' + CHECK),
    (
        values("name", "Dell", "nl_NL"),
        'Attribute "name" expects an existing and activated locale, "nl_NL" given.' + CHECK,
    ),
    (values("description", "x", "en_US"), 'Attribute "description" expects a scope, none given.' + CHECK),
    (
        values("brand", "x", None, "ecommerce"),
        'Attribute "brand" does not expect a scope, "ecommerce" given.' + CHECK,
    ),
    (
        values("description", "x", "en_US", "mobile"),
        'Attribute "description" expects an existing scope, "mobile" given.' + CHECK,
    ),
    (values("bluetooth", "yes"), 'Property "bluetooth" expects a boolean as data, "string" given.' + CHECK),
    (values("brand", 12), 'Property "brand" expects a string as data, "integer" given.' + CHECK),
    (
        values("processor_cores", [4]),
        'Property "processor_cores" expects a numeric as data, "array" given.' + CHECK,
    ),
    (
        values("release_date", "2021/01/01"),
        'Property "release_date" expects a string with the format "yyyy-mm-dd" '
        'as data, "2021/01/01" given.' + CHECK,
    ),
    (values("weight", 12), 'Property "weight" expects an array with the key "amount" as data.' + CHECK),
    (
        values("main_image", "https://cdn.icecat.biz/img/xyz.jpg"),
        'Property "main_image" expects a valid fileinfo '
        'key. The media does not exist, "https://cdn.icecat.biz/img/xyz.jpg" given.' + CHECK,
    ),
    (
        values("main_image", {"_link": "https://cdn.icecat.biz/img/xyz.jpg"}),
        'Property "main_image" expects a string as data, "array" given.' + CHECK,
    ),
    ({"family": "cameras"}, "The cameras family does not exist in your PIM." + CHECK),
    ({"categories": ["sunglasses"]}, "The sunglasses category does not exist in your PIM." + CHECK),
    ({"enabled": "yes"}, 'Property "enabled" expects a boolean as data, "string" given.' + CHECK),
]

# (payload, message in errors[]) — well-formed but invalid: 422 "Validation failed." with errors
INVALID = [
    (values("color", "tommh"), "The tommh value is not in the color attribute option list."),
    (
        values("wifi_standards", ["802_11a", "wifi9"]),
        "The wifi9 values are not in the wifi_standards attribute option list.",
    ),
    (
        values("processor_cores", "4.5"),
        "The processor_cores attribute requires a non-decimal value, and 4.5 is not a valid value.",
    ),
    (
        values("processor_cores", "many"),
        "The processor_cores attribute requires a number, and the submitted many value is not.",
    ),
    (
        values("weight", {"amount": "1.5", "unit": "INCH"}),
        'The unit "INCH" does not exist or does not belong to '
        'the default measurement family of the given attribute "weight".',
    ),
    (values("price", [{"amount": "10", "currency": "GBP"}]), 'The currency "GBP" has to be activated.'),
    (
        values("marketing_claim", "x" * 21, "en_US"),
        "The marketing_claim attribute must not contain more than 20 "
        "characters. The submitted value is too long.",
    ),
    (
        values("name", "x" * 256, "en_US"),
        "The name attribute must not contain more than 255 characters. The submitted value is too long.",
    ),
    (
        values("description", "x", "de_DE", "print"),
        'The locale "de_DE" is not bound to the channel "print" (channel locales: en_US).',
    ),
]


@pytest.mark.parametrize(("payload", "message"), MALFORMED)
def test_malformed_payload_is_refused_with_a_top_level_message(
    api: ApiSession, payload: dict, message: str
) -> None:
    response = api.patch(PRODUCT, json=payload)
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["message"]) == (422, message)
    assert "errors" not in body and body["_links"]["documentation"]["href"].startswith("http")


@pytest.mark.parametrize(("payload", "message"), INVALID)
def test_invalid_value_is_listed_in_errors(api: ApiSession, payload: dict, message: str) -> None:
    response = api.patch(PRODUCT, json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Validation failed."
    attribute = next(iter(payload["values"]))
    assert body["errors"][0]["message"] == message
    assert (body["errors"][0]["property"], body["errors"][0]["attribute"]) == ("values", attribute)


def test_refused_update_changes_nothing(api: ApiSession) -> None:
    before = api.get(PRODUCT).json()
    payload = {"enabled": False, **values("color", "tommh")}
    assert api.patch(PRODUCT, json=payload).status_code == 422
    assert api.get(PRODUCT).json() == before


def test_accepted_values_are_normalised_like_akeneo(api: ApiSession) -> None:
    payload = {
        "values": {
            "weight": [{"locale": None, "scope": None, "data": {"amount": 2.5, "unit": "KILOGRAM"}}],
            "processor_cores": [{"locale": None, "scope": None, "data": "6"}],
            "release_date": [{"locale": None, "scope": None, "data": "2021-04-29"}],
            "price": [{"locale": None, "scope": None, "data": [{"amount": 15.5, "currency": "EUR"}]}],
            "wifi_standards": [{"locale": None, "scope": None, "data": ["wi_fi_5__802_11ac_", "802_11a"]}],
        }
    }
    assert api.patch(PRODUCT, json=payload).status_code == 204
    stored = {code: entries[0]["data"] for code, entries in api.get(PRODUCT).json()["values"].items()}
    assert stored["weight"] == {"amount": "2.5000", "unit": "KILOGRAM"}
    assert stored["processor_cores"] == 6
    assert stored["release_date"] == "2021-04-29T00:00:00+00:00"
    assert stored["price"] == [{"amount": "15.50", "currency": "EUR"}]
    assert stored["wifi_standards"] == ["802_11a", "wi_fi_5__802_11ac_"]
