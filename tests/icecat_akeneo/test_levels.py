"""catalog/levels.py: which level of a product model tree owns each attribute, and routing values there."""
from __future__ import annotations

from icecat_akeneo.catalog.levels import (
    attributes_by_level,
    model_chain,
    model_code,
    model_key,
    route_values,
    variant_levels,
)

TWO_LEVELS = {"code": "phones_color_storage", "variant_attribute_sets": [
    {"level": 2, "axes": ["storage"], "attributes": ["storage", "sku", "ean", "price"]},
    {"level": 1, "axes": ["color"], "attributes": ["color", "image_url"]},
]}
ONE_LEVEL = {"code": "phones_storage", "variant_attribute_sets": [
    {"level": 1, "axes": ["storage"], "attributes": ["storage", "sku", "ean", "color", "image_url"]}]}


def entry(data: object, locale: str | None = None) -> list[dict]:
    return [{"locale": locale, "scope": None, "data": data}]


def test_each_attribute_belongs_to_the_level_whose_attribute_set_takes_it_else_to_the_root() -> None:
    levels = variant_levels(TWO_LEVELS)
    assert levels.depth == 2
    assert [levels.level_of(code) for code in ("name", "image_url", "color", "ean", "storage")] == [0, 1, 1, 2, 2]
    assert levels.is_axis("color") and levels.is_axis("storage") and not levels.is_axis("image_url")
    assert [levels.level_name(level) for level in (0, 1, 2)] == ["root model", "sub-model (level 1)",
                                                                  "variant product"]


def test_values_are_routed_to_root_sub_model_and_variant_and_axes_are_kept_apart() -> None:
    values = {"name": entry("Galaxy", "en_US"), "image_url": entry("http://x/1.jpg"), "ean": entry("1"),
              "color": entry("green"), "storage": entry("512gb")}
    routed = route_values(values, variant_levels(TWO_LEVELS), ["PHONE", "PHONE-GREEN"])
    assert routed.own == {"ean": entry("1")}
    assert routed.models == {"PHONE": {"name": entry("Galaxy", "en_US")}, "PHONE-GREEN": {"image_url": entry("http://x/1.jpg")}}
    assert routed.axes == {"color": entry("green"), "storage": entry("512gb")}


def test_with_one_level_the_variant_owns_its_set_and_the_root_the_rest() -> None:
    values = {"name": entry("Galaxy", "en_US"), "image_url": entry("http://x/1.jpg")}
    routed = route_values(values, variant_levels(ONE_LEVEL), ["PHONE"])
    assert routed.own == {"image_url": entry("http://x/1.jpg")}
    assert routed.models == {"PHONE": {"name": entry("Galaxy", "en_US")}}


def test_the_model_chain_runs_from_the_root_down_to_the_parent() -> None:
    parents = {"PHONE": None, "PHONE-GREEN": "PHONE"}
    assert model_chain("PHONE-GREEN", parents) == ["PHONE", "PHONE-GREEN"]
    assert model_chain("PHONE", parents) == ["PHONE"]


def test_model_state_keys_never_equal_a_product_identifier() -> None:
    assert model_key("PHONE") == "model:PHONE" and model_code("model:PHONE") == "PHONE"
    assert model_code("PHONE") is None


def test_mapped_attributes_are_grouped_by_level_for_the_preflight() -> None:
    grouped = attributes_by_level(variant_levels(TWO_LEVELS), ["name", "image_url", "color", "price"])
    assert grouped == {"root model": ["name"], "sub-model (level 1)": ["image_url"],
                       "axis (never written)": ["color"], "variant product": ["price"]}
