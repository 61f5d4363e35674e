"""Transform: hand-built Icecat records -> the exact Akeneo PATCH lines, with what cannot be sent set aside
(rejected values, media to upload) instead of becoming a 422."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from icecat_akeneo.artifacts import LOOKUPS, MEDIA, QUARANTINE, REJECTED
from icecat_akeneo.mapping import ClientMapping, load_mapping, parse_mapping
from icecat_akeneo.sanitize import rich_html
from icecat_akeneo.steps.transform import desired_values, run_transform

from tests.fixtures.mappings.records import (
    DEMO_MAPPING,
    dell_g5_en,
    demo_taxonomy,
    feature,
    iiyama,
    record,
    samsung_s7,
    write_enrich,
    write_extract,
)

SMALL_MAPPING = """
version: 1
client: small
connections: {akeneo: a, icecat: i}
start_date: 2026-11-01
identifiers: {gtin: ean}
languages: {EN: en_US, DE: de_DE}
channel: ecommerce
fields:
  - {source: title, attribute: name}
  - {source: description_text, attribute: description, fallback: [long_summary]}
  - {source: "feature:94", attribute: weight}
  - {source: "feature:1766", attribute: color}
  - {source: "feature:432", attribute: wifi_standards}
  - {source: main_image, attribute: main_image}
  - {source: main_image, attribute: image_url}
"""


def _small(**replacements: str) -> ClientMapping:
    text = SMALL_MAPPING
    for old, new in replacements.items():
        text = text.replace(old, new)
    return parse_mapping(text, "small.yaml")


def _lines(report: dict) -> list[str]:
    return [line for path in report["artifacts"]["batches"]
            for line in Path(path).read_text(encoding="utf-8").splitlines()]


def _rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_two_languages_become_one_exact_line_with_rejections_and_media(tmp_path: Path) -> None:
    write_enrich(tmp_path, {"DEMO-SAMSUNG-S7": [samsung_s7("EN"), samsung_s7("DE")]})
    write_extract(tmp_path, {})
    report = run_transform(tmp_path, _small())
    assert _lines(report) == [
        '{"identifier":"DEMO-SAMSUNG-S7","values":{'
        '"name":[{"locale":"en_US","scope":null,'
        '"data":"Samsung Galaxy S7 SM-G930F Single SIM 4G 32GB Black"},'
        '{"locale":"de_DE","scope":null,"data":"Samsung Galaxy S7 SM-G930F Single SIM 4G 32GB Schwarz"}],'
        '"description":[{"locale":"en_US","scope":"ecommerce",'
        '"data":"Samsung Galaxy S7, 12.9 cm (5.1\\"), 2560 x 1440 pixels, 32 GB."}],'
        '"weight":[{"locale":null,"scope":null,"data":{"amount":"152","unit":"GRAM"}}],'
        '"color":[{"locale":null,"scope":null,"data":"black"}],'
        '"image_url":[{"locale":null,"scope":null,"data":"http://images.icecat.biz/img/gallery/pic1.jpg"}]}}'
    ]
    [rejected] = _rows(REJECTED.path(tmp_path))
    assert rejected["identifier"] == "DEMO-SAMSUNG-S7" and rejected["attribute"] == "wifi_standards"
    assert rejected["kind"] == "unknown_option"
    assert "'ieee_802_11a' (Icecat value 'IEEE 802.11a')" in rejected["message"]
    assert _rows(MEDIA.path(tmp_path)) == [
        {"identifier": "DEMO-SAMSUNG-S7", "attribute": "main_image", "locale": None, "scope": None,
         "url": "http://images.icecat.biz/img/gallery/pic1.jpg", "source": "main_image"}]
    assert report["lines"] == 1 and report["media_rows"] == 1
    assert report["rejected_by_reason"] == {"unknown_option": 1}
    assert report["values_per_locale"] == {"(no locale)": 3, "de_DE": 1, "en_US": 2}


def test_the_demo_mapping_on_the_dell_sample() -> None:
    values, media, rejections = desired_values([dell_g5_en()], load_mapping(DEMO_MAPPING), demo_taxonomy())
    assert rejections == []
    assert values["weight"] == [{"locale": None, "scope": None, "data": {"amount": "2700", "unit": "GRAM"}}]
    assert values["display_diagonal"][0]["data"] == {"amount": "15.6", "unit": "INCH"}
    assert values["processor_cores"][0]["data"] == 6
    assert values["bluetooth"][0]["data"] is True
    assert values["release_date"][0]["data"] == "2018-05-23T00:00:00+00:00"
    assert values["wifi_standards"][0]["data"] == ["802_11a", "wi_fi_5_802_11ac", "802_11b", "802_11g",
                                                   "wi_fi_4_802_11n"]
    assert values["description"][0] == {"locale": "en_US", "scope": "ecommerce",
                                         "data": rich_html(dell_g5_en().description_html)}
    assert values["bullet_points"][0]["data"] == "Intel Core i7\n16 GB DDR4"
    assert values["video_url"][0]["data"] == "https://www.youtube.com/watch?v=dell-g5"
    assert "main_image" not in values and "user_manual" not in values
    assert [(row["attribute"], row["url"]) for row in media] == [
        ("main_image", "https://images.icecat.biz/img/gallery/56195846_0.jpg"),       # the is_main image
        ("user_manual", "https://objects.icecat.biz/objects/manual_56195846.pdf")]


def test_non_localizable_values_come_from_the_first_mapped_language_that_has_them() -> None:
    english = record("EN", title="Phone", features=[])
    german = record("DE", title="Telefon", features=[feature(94, "numerical", "152", "g")])
    values, _, _ = desired_values([german, english], _small(), demo_taxonomy())
    assert values["weight"] == [{"locale": None, "scope": None, "data": {"amount": "152", "unit": "GRAM"}}]
    assert [entry["locale"] for entry in values["name"]] == ["en_US", "de_DE"]     # mapping order, not input


def test_locales_not_activated_or_not_in_the_channel_are_rejected_before_sending() -> None:
    mapping = _small(**{"{EN: en_US, DE: de_DE}": "{EN: en_US, NL: nl_NL, FR: fr_FR}",
                        "channel: ecommerce": "channel: print"})
    records = [record(lang, title=f"Title {lang}", description_text=f"Text {lang}")
               for lang in ("EN", "NL", "FR")]
    values, _, rejections = desired_values(records, mapping, demo_taxonomy())
    assert values["name"] == [{"locale": "en_US", "scope": None, "data": "Title EN"},
                              {"locale": "fr_FR", "scope": None, "data": "Title FR"}]
    assert values["description"] == [{"locale": "en_US", "scope": "print", "data": "Text EN"}]
    assert sorted((r.attribute, r.locale, r.reason) for r in rejections) == [
        ("description", "fr_FR", "locale fr_FR is not bound to channel print"),
        ("description", "nl_NL", "locale nl_NL is not activated in Akeneo"),
        ("name", "nl_NL", "locale nl_NL is not activated in Akeneo"),
    ]


def test_unknown_attributes_and_channels_are_rejected_once_per_product() -> None:
    mapping = _small(**{"attribute: color}": "attribute: colour}",
                        "attribute: description,": "attribute: description, scope: web,"})
    english = dataclasses.replace(samsung_s7("EN"), features=[feature(1766, "dropdown", "Black")])
    values, _, rejections = desired_values([english], mapping, demo_taxonomy())
    assert "colour" not in values and "description" not in values
    assert [(r.attribute, r.kind, r.reason) for r in rejections] == [
        ("description", "unknown_channel", "channel web (scope of fields[1]) does not exist in Akeneo"),
        ("colour", "unknown_attribute", "attribute colour (fields[3]) does not exist in Akeneo"),
    ]


def test_batches_skip_quarantined_and_empty_products_and_keep_newlines_escaped(tmp_path: Path) -> None:
    multiline = dataclasses.replace(iiyama(), description_text="Line one\nLine two\r\nLine three")
    write_enrich(tmp_path, {"P1": [dell_g5_en()], "P2": [multiline], "P3": [samsung_s7("EN")],
                            "BAD": [iiyama()], "EMPTY": [record("EN")]})
    write_extract(tmp_path, {})
    (tmp_path / "validate").mkdir()
    pq.write_table(pa.Table.from_pylist([{"identifier": "BAD", "rule": "valid_ean13"}]),
                   QUARANTINE.path(tmp_path))
    (tmp_path / "transform").mkdir()
    (tmp_path / "transform" / "batch-0009.ndjson").write_text("stale line from an earlier try\n")
    report = run_transform(tmp_path, _small(), batch_size=2)
    names = [Path(path).name for path in report["artifacts"]["batches"]]
    assert names == ["batch-0001.ndjson", "batch-0002.ndjson"]
    assert sorted(path.name for path in (tmp_path / "transform").glob("*.ndjson")) == names
    lines = _lines(report)
    assert [json.loads(line)["identifier"] for line in lines] == ["P1", "P2", "P3"]
    assert json.loads(lines[1])["values"]["description"][0]["data"] == "Line one\nLine two\r\nLine three"
    assert report["skipped_quarantined"] == 1 and report["products_without_values"] == 1
    assert report["lines"] == 3 and report["batches"] == 2


def test_only_products_found_in_icecat_are_transformed(tmp_path: Path) -> None:
    write_enrich(tmp_path, {"P1": [dell_g5_en()], "P2": [iiyama()]})
    write_extract(tmp_path, {})
    pq.write_table(pa.Table.from_pylist([{"identifier": "P1", "outcome": "found"},
                                         {"identifier": "P2", "outcome": "retryable_error"}]),
                   LOOKUPS.path(tmp_path))
    report = run_transform(tmp_path, _small())
    assert [json.loads(line)["identifier"] for line in _lines(report)] == ["P1"]


def test_a_fallback_answer_in_another_language_fills_no_locale_of_its_own() -> None:
    german_request = record("DE", content_language="EN", title="Galaxy S25+", features=[
        feature(94, "numerical", "190", "g")])
    us_english = record("EN", content_language="US", title="HP Compaq 6710b")
    values, _, _ = desired_values([german_request], _small(), demo_taxonomy())
    assert "name" not in values                                   # no English title under de_DE
    assert values["weight"][0]["data"] == {"amount": "190", "unit": "GRAM"}   # language-independent: kept
    values, _, _ = desired_values([us_english], _small(), demo_taxonomy())
    assert values["name"] == [{"locale": "en_US", "scope": None, "data": "HP Compaq 6710b"}]
