"""Mapping sources beyond plain record fields (issue 18), each read from a real sample in
sandbox/icecat/samples/ (named in the test): media preference and later items, logos, related products,
reviews, reasons to buy, GTINs, local values, the "all specifications" table and list."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from icecat_akeneo.catalog.compatibility import SOURCE_KINDS
from icecat_akeneo.desired import source_value
from icecat_akeneo.icecat.normalize import normalize_file
from icecat_akeneo.icecat.record import Media, record_from_row
from icecat_akeneo.icecat.record_json import record_from_row_json, record_to_row_json
from icecat_akeneo.icecat.record_schema import records_to_table
from icecat_akeneo.mapping_schema import check_source

SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "icecat" / "samples"
DELL = "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json"
DELL_XML = "icecat-learning-hub__xml_56195846_dell-g5-5587-laptop_EN.xml"
HP_KE125ET = "airbyte-source-icecat__json_1438185_hp-compaq-6710b-KE125ET_EN.json"
HP_6710B = "airbyte-source-icecat__json_1198270_hp-compaq-6710b-base_EN.json"
LENOVO = "icecat-learning-hub__zip_json_lenovo-idea-tab-pro_tablet_EN.json"
PHILIPS_HS = "icecat-learning-hub__zip_json_philips-TAG5106BK_headset_EN.json"
PHILIPS_MON = "icecat-learning-hub__zip_json_philips-27B2N3500J_monitor_EN.json"
SAMSUNG_S25 = "icecat-learning-hub__zip_json_samsung-galaxy-s25plus_smartphone_EN.json"
SAMSUNG_S7_XML = "akeneo-icecatconnector__xml_8806088281285-en.xml"
HP_INK_XML = "akeneo-icecatconnector__xml_88698205440_en.xml"
OBJECTS = "https://objects.icecat.biz/objects/"


def sample(name: str):  # noqa: ANN201 - a ProductRecord
    return normalize_file(SAMPLES / name)[0]


# --- point 4: the best media item of a kind, and the later ones ----------------------------------------------

def test_a_real_leaflet_pdf_from_the_description_wins_over_an_extension_less_rest_link() -> None:
    record = sample(PHILIPS_HS)     # Multimedia lists .../rest/product-pdf?productId=... first
    assert source_value(record, "media:leaflet") == OBJECTS + "mmo_103215348_1666438965_211_31193.pdf"
    assert source_value(record, "media:leaflet[2]") == "https://icecat.biz/rest/product-pdf?productId=103215348&lang=en"
    assert source_value(record, "media:leaflet:all") == [source_value(record, "media:leaflet"),
                                                         source_value(record, "media:leaflet[2]")]
    assert source_value(record, "media:leaflet[3]") is None


def test_a_real_video_file_wins_over_an_html_player_page_typed_video() -> None:
    page = Media(url="https://link.brightcove.com/services/player/x", kind="video", type="video/mp4",
                 mime="text/html")
    mp4 = Media(url="https://objects.icecat.biz/objects/clip.mp4", kind="video", type="video/mp4",
                mime="video/mp4")
    record = dataclasses.replace(sample(HP_KE125ET), media=[page, *sample(HP_KE125ET).media, mp4])
    assert source_value(record, "media:video") == mp4.url
    assert source_value(record, "media:video:all") == [mp4.url, page.url]
    assert source_value(record, "media:video_page") == sample(HP_KE125ET).media[0].url  # Brightcove page


def test_the_kind_icecat_typed_wins_over_one_inferred_from_the_description() -> None:
    record = sample(LENOVO)         # "User Guide" typed "other digital assets": an inferred manual
    guide = OBJECTS + "mmo_122970626_1746450213_1864_798297.pdf"
    assert source_value(record, "media:manual") == guide
    typed = Media(url=OBJECTS + "typed.pdf", kind="manual", type="manual pdf", mime="application/pdf")
    record = dataclasses.replace(record, media=[*record.media, typed])
    assert source_value(record, "media:manual:all") == [typed.url, guide]


def test_icecat_order_decides_between_equals() -> None:
    record = sample(LENOVO)         # two typed leaflets, both real PDFs
    assert source_value(record, "media:leaflet:all") == [OBJECTS + "mmo_122970626_1746367596_7204_1793359.pdf",
                                                         OBJECTS + "mmo_122970626_1748866984_8263_1634380.pdf"]


# --- point 5: the rest of the record ------------------------------------------------------------------------

def test_product_family_series_brand_logo_and_record_ids() -> None:
    record = sample(SAMSUNG_S25)
    assert (source_value(record, "product_family"), source_value(record, "product_series")) == ("Galaxy", "S25+")
    assert source_value(record, "brand_logo") == \
        "https://images.icecat.biz/img/brand/thumb/26_c012d76b332e4624b88a05c9932c9266.jpg"
    assert (source_value(record, "brand_id"), source_value(record, "category_id")) == ("26", "1893")
    s7 = sample(SAMSUNG_S7_XML)
    assert (source_value(s7, "product_family"), source_value(s7, "quality")) == ("Galaxy", "ICECAT")


def test_every_gtin() -> None:
    record = sample(HP_KE125ET)
    assert len(source_value(record, "gtins")) == 14 and source_value(record, "gtin") == "0884420156116"


def test_feature_logos_from_json_and_xml() -> None:
    logos = source_value(sample(DELL), "feature_logos")
    assert len(logos) == 6 and logos[0] == "https://images.icecat.biz/img/feature_logo/4-8210.png"
    record = sample(DELL_XML)
    assert source_value(record, "feature_logos")[0] == logos[0]
    assert record.feature_logos[0].value == "ENERGY STAR" and record.feature_logos[0].feature_id == 42513
    assert record.feature_logos[0].description.startswith("ENERGY STAR")


def test_related_products_name_brand_and_code_from_json_and_xml() -> None:
    related = source_value(sample(SAMSUNG_S25), "related_products")
    assert related[0] == "Apple MLWK3ZM/A - AirPods" and len(related) == 3
    xml = sample(HP_INK_XML).related
    assert len(xml) == 26 and (xml[0].brand, xml[0].mpn, xml[0].icecat_id) == ("HP", "C8174A", 274182)


def test_reviews_with_score_source_and_plain_text() -> None:
    record = sample(HP_6710B)
    [line] = source_value(record, "reviews")
    assert line.startswith("(70/100): HPs Compaq range targets the corporate user")
    assert source_value(record, "review_score") == "70"
    assert record.reviews[0].good == "Tough build, Powerful performance, Good battery life"


def test_review_html_becomes_text() -> None:
    raw = {"GeneralInfo": {"IcecatId": 1, "Title": "x"},
           "Reviews": [{"Score": 80, "Code": "trusted", "Value": "<b>Great</b> <script>alert(1)</script>screen"}]}
    from icecat_akeneo.icecat.normalize import normalize_response

    record = normalize_response(raw, "EN")
    assert source_value(record, "reviews") == ["trusted (80/100): Great screen"]


def test_reasons_to_buy_as_title_and_text() -> None:
    reasons = source_value(sample(DELL), "reasons_to_buy")
    assert len(reasons) == 7 and reasons[0].startswith("Dell Gaming: Dell gaming machines are engineered")


def test_feature_local_value() -> None:
    record = sample(SAMSUNG_S7_XML)
    assert source_value(record, "feature_local:944") == "12.9"
    assert source_value(record, "feature_local:1") is None


def test_all_specifications_as_one_escaped_html_table_and_as_a_plain_list() -> None:
    record = sample(DELL)
    html = source_value(record, "specifications_html")
    assert html.startswith('<table class="specifications">') and html.endswith("</table>")
    assert html.count("<th ") == len({feature.group_name for feature in record.features})
    assert html.count("<td>") == 2 * len(record.features)
    text = source_value(record, "specifications_text")
    assert text.splitlines()[0] == record.features[0].group_name
    assert f"{record.features[0].name}: {record.features[0].presentation_value}" in text
    hostile = dataclasses.replace(record, features=[dataclasses.replace(record.features[0],
                                                                        presentation_value="<script>x</script>")])
    assert "<script>" not in source_value(hostile, "specifications_html")
    assert source_value(dataclasses.replace(record, features=[]), "specifications_html") is None


def test_new_record_fields_survive_parquet_and_the_cache() -> None:
    record = sample(DELL)
    assert record_from_row(records_to_table([record]).to_pylist()[0]) == record
    assert record_from_row_json(record_to_row_json(record)) == record


def test_a_record_cached_before_a_feature_field_existed_reads_back_with_its_default() -> None:
    record = sample(DELL)
    row = record_to_row_json(record)
    row["features"] = [{k: v for k, v in feature.items() if k != "group_name"} for feature in row["features"]]
    features = record_from_row_json(row).features
    assert features == [dataclasses.replace(feature, group_name=None) for feature in record.features]
    assert all(feature.group_name is None for feature in features) and features[0].name == record.features[0].name


# --- point 6: the mapping check names the closest known sources ---------------------------------------------

@pytest.mark.parametrize("source", ["product_family", "product_series", "brand_id", "category_id", "quality",
                                    "brand_logo", "gtins", "feature_logos", "related_products", "reviews",
                                    "review_score", "reasons_to_buy", "specifications_html",
                                    "specifications_text", "feature_local:944", "media:manual[2]",
                                    "media:video:all"])
def test_every_new_source_is_accepted(source: str) -> None:
    check_source(source)


def test_docs_list_every_source_with_an_example() -> None:
    table = DOCS.split("## Field sources", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().strip("`"): line for line in table.splitlines() if line.startswith("| `")}
    assert set(SOURCE_KINDS) | {"feature:<id>", "feature_local:<id>", "media:<kind>", "media:<kind>[n]",
                                "media:<kind>:all"} <= set(rows)
    assert all(line.count("|") == 4 and line.split("|")[3].strip() for line in rows.values()), "an example each"


@pytest.mark.parametrize(("source", "suggested"), [("productfamily", "product_family"),
                                                   ("descripton_html", "description_html"),
                                                   ("specifications", "specifications_text")])
def test_an_unknown_source_is_named_with_the_closest_known_ones(source: str, suggested: str) -> None:
    with pytest.raises(ValueError, match=f"unknown source '{source}': did you mean .*{suggested}"):
        check_source(source)


def test_media_indexes_start_at_one() -> None:
    with pytest.raises(ValueError, match="unknown source 'media:manual\\[0\\]'"):
        check_source("media:manual[0]")


DOCS = (Path(__file__).resolve().parents[2] / "docs" / "mapping.md").read_text()


# --- point 1: the scopes extract reads back -----------------------------------------------------------------

def test_extract_keeps_the_values_of_every_written_scope_and_the_unscoped_ones() -> None:
    from icecat_akeneo.steps.extract import in_scopes

    values = {"description": [{"locale": "en_US", "scope": scope, "data": scope}
                              for scope in ("ecommerce", "print", "mobile")],
              "ean": [{"locale": None, "scope": None, "data": "1"}], "teaser": [{"scope": "mobile", "data": "x"}]}
    kept = in_scopes(values, ("ecommerce", "print"))
    assert [entry["scope"] for entry in kept["description"]] == ["ecommerce", "print"]
    assert kept["ean"] == values["ean"] and "teaser" not in kept
    assert in_scopes(values, ()) == values


# --- point 5: related products as associations --------------------------------------------------------------

def test_related_products_are_linked_by_brand_and_mpn_or_icecat_id_and_only_added(tmp_path: Path) -> None:
    from icecat_akeneo.associations import CatalogLinks
    from icecat_akeneo.mapping_schema import AssociationMapping
    from icecat_akeneo.steps.batches import KeyedStore

    record = sample(HP_INK_XML)     # 26 related HP products: C8174A (Icecat id 274182) first
    mine = '{"X_SELL": {"products": ["MINE"]}}'
    rows = [{"identifier": "INK", "brand": "HP", "mpn": "C4844A", "associations_json": mine},
            {"identifier": "PRINTER", "brand": "hp", "mpn": "c8174a"},
            {"identifier": "BY-ID", "icecat_id": str(record.related[1].icecat_id)},
            {"identifier": "OTHER", "brand": "Canon", "mpn": "C8174A"}]
    links = CatalogLinks(KeyedStore(tmp_path / "links.sqlite"), lambda: rows)
    assert links.to_send("INK", [record], [AssociationMapping(type="X_SELL")]) == \
        {"X_SELL": {"products": ["MINE", "PRINTER", "BY-ID"]}}
    assert links.to_send("INK", [record], [AssociationMapping(type="UPSELL", preferred_only=True)]) == {}
    held_rows = [{**rows[0], "associations_json": '{"X_SELL": {"products": ["BY-ID", "PRINTER"]}}'}, *rows[1:]]
    held = CatalogLinks(KeyedStore(tmp_path / "held.sqlite"), lambda: held_rows)
    assert held.to_send("INK", [record], [AssociationMapping(type="X_SELL")]) == {}, "Akeneo holds them all"
