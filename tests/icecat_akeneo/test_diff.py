"""Partial PATCH rules: only changed values are sent, manual edits in the PIM survive and are reported."""
from __future__ import annotations

from typing import Any

import pytest
from icecat_akeneo.diff import ManualEdit, partial_values, value_hash, value_hashes

NAME = ("name", "en_US", "ecommerce")


def values(data: Any, attribute: str = "name", locale: str | None = "en_US",
           scope: str | None = "ecommerce") -> dict[str, list[dict[str, Any]]]:
    return {attribute: [{"locale": locale, "scope": scope, "data": data}]}


def run(desired: dict, accepted: dict, current: dict, manual_edits_win: bool = True,
        override: dict[str, bool] | None = None):
    return partial_values(desired, accepted, current, manual_edits_win=manual_edits_win,
                          per_attribute_override=override, identifier="sku-1")


# --- value_hash normalisation -------------------------------------------------------------------------------
@pytest.mark.parametrize("sent, stored", [
    ({"amount": "190", "unit": "GRAM"}, {"amount": "190.0000", "unit": "GRAM", "symbol": "g"}),
    ({"amount": 190, "unit": "GRAM"}, {"amount": "190.0000", "unit": "GRAM"}),
    ("12.5", "12.5000"),
    (8, "8.0000"),
    (1.5, "1.5000"),
    ([{"amount": "15.5", "currency": "USD"}, {"amount": "9", "currency": "EUR"}],
     [{"amount": "9.00", "currency": "EUR"}, {"amount": "15.50", "currency": "USD"}]),
    (["wifi_6", "wifi_5"], ["wifi_5", "wifi_6"]),
    ({"b": 1, "a": 2}, {"a": 2, "b": 1}),
    (None, ""),
    (None, []),
])
def test_values_akeneo_normalises_hash_equal_to_what_we_sent(sent: Any, stored: Any) -> None:
    assert value_hash(sent) == value_hash(stored)


@pytest.mark.parametrize("one, other", [
    ("0012345", "12345"),          # GTIN-like text keeps its leading zeros
    ({"amount": "190", "unit": "GRAM"}, {"amount": "190", "unit": "KILOGRAM"}),
    ("190.5", "190.05"),
    (True, "true"),
    (True, 1),
    ("Black", "black"),
    ("", "0"),
])
def test_different_values_hash_differently(one: Any, other: Any) -> None:
    assert value_hash(one) != value_hash(other)


def test_unhashable_data_fails_naming_the_type() -> None:
    with pytest.raises(TypeError, match="set"):
        value_hash({1, 2})


# --- partial_values rules --------------------------------------------------------------------------------
def test_rerun_with_nothing_new_sends_nothing() -> None:
    result = run(values("Laptop"), {NAME: value_hash("Laptop")}, values("Laptop"))
    assert result.values_to_send == {} and not result.has_changes
    assert result.unchanged == [NAME] and result.manual_edits == []


def test_changed_icecat_value_is_sent_when_akeneo_still_holds_ours() -> None:
    result = run(values("Laptop 2"), {NAME: value_hash("Laptop")}, values("Laptop"))
    assert result.values_to_send == values("Laptop 2")


def test_only_the_changed_value_of_a_product_is_sent() -> None:
    desired = {**values("Laptop 2"), **values({"amount": "1.2", "unit": "KILOGRAM"}, "weight", None, None)}
    current = {**values("Laptop"), **values({"amount": "1.2000", "unit": "KILOGRAM"}, "weight", None, None)}
    result = run(desired, value_hashes(current), current)
    assert result.values_to_send == values("Laptop 2")
    assert result.unchanged == [("weight", None, None)]


def test_akeneo_normalised_metric_is_not_resent() -> None:
    sent = values({"amount": "190", "unit": "GRAM"}, "weight", None, None)
    stored = values({"amount": "190.0000", "unit": "GRAM"}, "weight", None, None)
    assert run(sent, value_hashes(sent), stored).values_to_send == {}


def test_manual_edit_wins_by_default_and_is_reported() -> None:
    result = run(values("Icecat title v2"), {NAME: value_hash("Icecat title")}, values("Edited by hand"))
    assert result.values_to_send == {}
    assert result.manual_edits == [ManualEdit("sku-1", "name", "en_US", "ecommerce",
                                              "Icecat title v2", "Edited by hand")]


def test_manual_edit_survives_even_when_our_value_did_not_change() -> None:
    result = run(values("Icecat title"), {NAME: value_hash("Icecat title")}, values("Edited by hand"))
    assert result.values_to_send == {} and len(result.manual_edits) == 1


def test_value_cleared_in_the_pim_counts_as_a_manual_edit() -> None:
    result = run(values("Icecat title"), {NAME: value_hash("Icecat title")}, {})
    assert result.values_to_send == {}
    assert result.manual_edits[0].theirs is None


def test_manual_edit_is_overwritten_when_manual_edits_do_not_win() -> None:
    result = run(values("Icecat title"), {NAME: value_hash("Icecat title")}, values("Edited by hand"),
                 manual_edits_win=False)
    assert result.values_to_send == values("Icecat title") and result.manual_edits == []


def test_per_attribute_override_beats_the_param() -> None:
    desired = {**values("Icecat title"), **values("Icecat text", "description")}
    current = {**values("Edited name"), **values("Edited text", "description")}
    accepted = {NAME: value_hash("Icecat title"),
                ("description", "en_US", "ecommerce"): value_hash("Icecat text")}
    result = run(desired, accepted, current, manual_edits_win=True, override={"description": False})
    assert result.values_to_send == values("Icecat text", "description")
    assert [edit.attribute for edit in result.manual_edits] == ["name"]


def test_first_push_fills_an_empty_value() -> None:
    assert run(values("Laptop"), {}, {}).values_to_send == values("Laptop")


def test_first_push_keeps_existing_pim_data_when_manual_edits_win() -> None:
    result = run(values("Laptop"), {}, values("Written by the client"))
    assert result.values_to_send == {}
    assert result.manual_edits[0].theirs == "Written by the client"


def test_first_push_overwrites_existing_pim_data_when_manual_edits_do_not_win() -> None:
    result = run(values("Laptop"), {}, values("Written by the client"), manual_edits_win=False)
    assert result.values_to_send == values("Laptop")


def test_first_push_of_a_value_akeneo_already_holds_is_not_sent() -> None:
    result = run(values("Laptop"), {}, values("Laptop"))
    assert result.values_to_send == {} and result.unchanged == [NAME]


def test_clearing_a_value_we_pushed_sends_null() -> None:
    result = run(values(None), {NAME: value_hash("Laptop")}, values("Laptop"))
    assert result.values_to_send == values(None)


def test_locales_and_scopes_are_compared_separately() -> None:
    desired = {"name": [{"locale": "en_US", "scope": "ecommerce", "data": "Laptop"},
                        {"locale": "de_DE", "scope": "ecommerce", "data": "Notebook"}]}
    current = {"name": [{"locale": "en_US", "scope": "ecommerce", "data": "Laptop"}]}
    result = run(desired, value_hashes(current), current)
    assert result.values_to_send == {"name": [{"locale": "de_DE", "scope": "ecommerce", "data": "Notebook"}]}


def test_read_only_keys_of_akeneo_values_are_ignored() -> None:
    current = {"main_image": [{"locale": None, "scope": None, "data": "a/b/c/d/x_img.jpg",
                               "_links": {"download": {"href": "http://pim/x"}}}]}
    desired = values("a/b/c/d/x_img.jpg", "main_image", None, None)
    assert run(desired, value_hashes(desired), current).values_to_send == {}
