"""model_values.py: the rule that gives a product model its values from its variants, and what it reports."""
from __future__ import annotations

from icecat_akeneo.model_values import ModelValues, variants_below

from tests.icecat_akeneo.test_levels import TWO_LEVELS, entry

MODELS = {"PHONE": {"parent": None, "family_variant": "phones_color_storage", "values": {}},
          "PHONE-GREEN": {"parent": "PHONE", "family_variant": "phones_color_storage", "values": {}},
          "PHONE-BLACK": {"parent": "PHONE", "family_variant": "phones_color_storage", "values": {}}}
VARIANTS = {"PHONE-GREEN": ["G-256", "G-512"], "PHONE-BLACK": ["B-256"], "PHONE": ["B-256", "G-256", "G-512"]}


def collector() -> ModelValues:
    return ModelValues(MODELS, {"phones_color_storage": TWO_LEVELS}, VARIANTS, client="acme")


def offer(models: ModelValues, identifier: str, name: str, parent: str = "PHONE-GREEN", **current: object) -> dict:
    values = {"name": entry(name, "en_US"), "ean": entry(identifier), "color": entry("green")}
    own, _ = models.route(identifier, parent, values, [], {key: entry(data) for key, data in current.items()})
    return own


def test_a_variant_keeps_only_its_own_level_and_the_model_gets_the_rest() -> None:
    models = collector()
    assert offer(models, "G-512", "Galaxy") == {"ean": entry("G-512")}
    assert dict(models.model_lines()) == {"PHONE": {"name": entry("Galaxy", "en_US")}, "PHONE-GREEN": {}}


def test_the_first_matched_variant_in_identifier_order_wins_whatever_the_arrival_order() -> None:
    lines = []
    for order in (["G-512", "G-256"], ["G-256", "G-512"]):
        models = collector()
        for identifier in order:
            offer(models, identifier, f"title of {identifier}")
        lines.append(dict(models.model_lines())["PHONE"])
    assert lines[0] == lines[1] == {"name": entry("title of G-256", "en_US")}


def test_variants_that_disagree_are_reported_with_client_model_attribute_and_variants() -> None:
    models = collector()
    offer(models, "G-512", "Galaxy S25+")
    offer(models, "G-256", "Galaxy S25+ 256")
    list(models.model_lines())
    [note] = models.notes
    assert (note["kind"], note["model"], note["attribute"], note["locale"]) == ("variants_disagree", "PHONE", "name",
                                                                                 "en_US")
    assert note["chosen_from"] == "G-256" and note["variants"] == "G-256, G-512"
    assert "client acme" in note["message"]


def test_variants_that_agree_report_nothing() -> None:
    models = collector()
    offer(models, "G-512", "Galaxy")
    offer(models, "G-256", "Galaxy")
    list(models.model_lines())
    assert models.notes == []


def test_an_axis_icecat_would_change_is_reported_and_never_sent() -> None:
    models = collector()
    own = offer(models, "G-512", "Galaxy", color="black")
    assert "color" not in own
    [note] = models.notes
    assert note["kind"] == "axis_change" and note["model"] == "PHONE-GREEN" and note["attribute"] == "color"
    assert '"green"' in note["message"] and '"black"' in note["message"]


def test_a_model_none_of_whose_variants_matched_is_reported() -> None:
    models = collector()
    offer(models, "G-512", "Galaxy")
    [note] = models.unmatched_notes()
    assert note["kind"] == "no_icecat_match" and note["model"] == "PHONE-BLACK" and note["variants"] == "B-256"


def test_model_level_media_are_reported_once_per_model_and_not_uploaded() -> None:
    models = collector()
    media = [{"attribute": "image_url", "locale": None, "scope": None, "url": "http://x/1.jpg"},
             {"attribute": "ean", "locale": None, "scope": None, "url": "http://x/2.pdf"}]
    for identifier in ("G-256", "G-512"):
        _, kept = models.route(identifier, "PHONE-GREEN", {}, media, {})
        assert [row["attribute"] for row in kept] == ["ean"]
    assert [note["kind"] for note in models.notes] == ["media_on_model"]


def test_a_product_without_a_parent_keeps_every_value() -> None:
    values = {"name": entry("Galaxy", "en_US"), "color": entry("green")}
    assert collector().route("FLAT-1", None, values, [], {}) == (values, [])


def test_variants_below_a_model_include_those_of_its_sub_models() -> None:
    below = variants_below([("G-512", "PHONE-GREEN"), ("FLAT", None)], {"PHONE-GREEN": "PHONE", "PHONE": None})
    assert below == {"PHONE": ["G-512"], "PHONE-GREEN": ["G-512"]}
