"""Every real Icecat sample normalizes into the record the rest of the pipeline relies on, field by field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icecat_akeneo.icecat.normalize import NormalizeError, normalize_file, normalize_response
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.icecat.record_json import record_to_row_json
from icecat_akeneo.icecat.record_schema import records_to_table

SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "icecat" / "samples"

# Expected values read off the sample files (prefixes for long texts; counts for lists:
# bullet_points, generated_bullet_points, features, images, media).
EXPECTED: dict[str, dict] = {
    "airbyte-source-icecat__json_1198270_hp-compaq-6710b-base_EN.json": {
        "icecat_id": 1198270,
        "lang": "US",
        "content_language": "US",
        "brand": "HP",
        "brand_id": "1",
        "mpn": "RJ459AV",
        "product_name": "Compaq 6710b Base Model Notebook PC",
        "category_id": "151",
        "category_name": "Notebooks",
        "product_family": None,
        "release_date": dt.date(2007, 8, 10),
        "end_of_life_date": None,
        "updated": dt.datetime(2015, 2, 25, 14, 36, 53),
        "quality": None,
        "source_format": "json",
        "gtins": ["0882780751682", "882780751682"],
        "title_starts": "HP Compaq 6710b Base Model Not",
        "generated_title_starts": "HP Compaq 6710b Base",
        "long_product_name_starts": None,
        "description_text_starts": None,
        "has_html": False,
        "middle_description_starts": None,
        "short_summary_starts": "HP Compaq 6710b Base Mode",
        "long_summary_starts": "HP Compaq 6710b Base Mode",
        "warranty_starts": "HP Services offers l",
        "counts": (0, 0, 0, 1, 1),
        "media_kinds": ["datasheet"],
    },
    "airbyte-source-icecat__json_1438185_hp-compaq-6710b-KE125ET_EN.json": {
        "icecat_id": 1438185,
        "lang": "EN",
        "content_language": "EN",
        "brand": "HP",
        "brand_id": "1",
        "mpn": "KE125ET",
        "product_name": "Compaq 6710b Notebook PC",
        "category_id": "151",
        "category_name": "Notebooks",
        "product_family": None,
        "release_date": dt.date(2008, 6, 15),
        "end_of_life_date": dt.date(2008, 9, 30),
        "updated": dt.datetime(2020, 3, 13, 12, 23, 55),
        "quality": None,
        "source_format": "json",
        "gtins": [
            "0884420156116",
            "884420156116",
            "0883585922451",
            "883585922451",
            "0884420151241",
            "884420151241",
            "0883585931712",
            "883585931712",
            "0883585927579",
            "883585927579",
            "0883585927562",
            "883585927562",
            "0883585922710",
            "883585922710",
        ],
        "title_starts": "HP Compaq 6710b Notebook PC",
        "generated_title_starts": "HP KE125ET notebook",
        "long_product_name_starts": "Compaq 6710b Noteboo",
        "description_text_starts": None,
        "has_html": False,
        "middle_description_starts": None,
        "short_summary_starts": "HP Compaq 6710b Notebook ",
        "long_summary_starts": "HP Compaq 6710b Notebook ",
        "warranty_starts": None,
        "counts": (0, 0, 0, 1, 2),
        "media_kinds": ["datasheet", "video_page"],  # a Brightcove player page (text/html, KeepAsUrl)
    },
    "akeneo-icecatconnector__xml_8806088281285-de.xml": {
        "icecat_id": 31040076,
        "lang": "DE",
        "content_language": "DE",
        "brand": "Samsung",
        "brand_id": "26",
        "mpn": "SM-G930FZKAPHN",
        "product_name": "SM-G930F",
        "category_id": "1893",
        "category_name": "Smartphones",
        "product_family": "Galaxy",
        "release_date": dt.date(2016, 2, 22),
        "end_of_life_date": None,
        "updated": None,
        "quality": "ICECAT",
        "source_format": "xml",
        "gtins": ["8806088281285"],
        "title_starts": "Samsung Galaxy S7 SM-G930F Sin",
        "generated_title_starts": None,
        "long_product_name_starts": None,
        "description_text_starts": None,
        "has_html": False,
        "middle_description_starts": None,
        "short_summary_starts": "Samsung Galaxy S7 SM-G930",
        "long_summary_starts": "Samsung Galaxy S7 SM-G930",
        "warranty_starts": None,
        "counts": (0, 0, 139, 7, 0),
        "media_kinds": [],
    },
    "akeneo-icecatconnector__xml_8806088281285-en.xml": {
        "icecat_id": 31040076,
        "lang": "EN",
        "content_language": "EN",
        "brand": "Samsung",
        "brand_id": "26",
        "mpn": "SM-G930FZKAPHN",
        "product_name": "SM-G930F",
        "category_id": "1893",
        "category_name": "smartphones",
        "product_family": "Galaxy",
        "release_date": dt.date(2016, 2, 22),
        "end_of_life_date": None,
        "updated": None,
        "quality": "ICECAT",
        "source_format": "xml",
        "gtins": ["8806088281285"],
        "title_starts": "Samsung Galaxy S7 SM-G930F Sin",
        "generated_title_starts": None,
        "long_product_name_starts": None,
        "description_text_starts": "This is the en_US long de",
        "has_html": False,
        "middle_description_starts": None,
        "short_summary_starts": "en_US short summary descr",
        "long_summary_starts": "This is the en_US long su",
        "warranty_starts": None,
        "counts": (0, 0, 139, 4, 3),
        "media_kinds": ["video"],
    },
    "akeneo-icecatconnector__xml_88698205440_en.xml": {
        "icecat_id": 4794974,
        "lang": "EN",
        "content_language": "EN",
        "brand": "HP",
        "brand_id": "1",
        "mpn": "C4844A",
        "product_name": "10 Black Original Ink Cartridge",
        "category_id": "377",
        "category_name": "ink cartridges",
        "product_family": None,
        "release_date": dt.date(2010, 5, 13),
        "end_of_life_date": None,
        "updated": None,
        "quality": "ICECAT",
        "source_format": "xml",
        "gtins": ["0088698519646", "0886980205440", "0088698205440", "0886982054404"],
        "title_starts": "HP 10 Black Original Ink Cartr",
        "generated_title_starts": None,
        "long_product_name_starts": None,
        "description_text_starts": "- Specially engineered HP",
        "has_html": True,  # its literal \n line breaks became <br>
        "middle_description_starts": None,
        "short_summary_starts": "HP 10 Black Original Ink ",
        "long_summary_starts": "HP 10 Black Original Ink ",
        "warranty_starts": None,
        "counts": (0, 0, 13, 1, 18),
        "media_kinds": ["datasheet", "other", "video_page"],  # player pages: text/html, KeepAsURL
    },
    "akeneo-icecatconnector__xml_88698205440_es.xml": {
        "icecat_id": 4794974,
        "lang": "ES",
        "content_language": "ES",
        "brand": "HP",
        "brand_id": "1",
        "mpn": "C4844A",
        "product_name": "Cartucho de tinta original 10 negro",
        "category_id": "377",
        "category_name": "cartuchos de tinta",
        "product_family": None,
        "release_date": dt.date(2010, 5, 13),
        "end_of_life_date": None,
        "updated": None,
        "quality": "ICECAT",
        "source_format": "xml",
        "gtins": ["0886980205440", "0088698205440", "0886982054404", "0088698519646"],
        "title_starts": "HP Cartucho de tinta original ",
        "generated_title_starts": None,
        "long_product_name_starts": None,
        "description_text_starts": "Los cartuchos de tinta ne",
        "has_html": True,
        "middle_description_starts": None,
        "short_summary_starts": "HP Cartucho de tinta orig",
        "long_summary_starts": "HP Cartucho de tinta orig",
        "warranty_starts": "Los cartuchos de tin",
        "counts": (0, 0, 13, 1, 5),
        "media_kinds": ["datasheet", "other"],
    },
    "greencore__xml-product_4948570114344_iiyama-monitor_EN.xml": {
        "icecat_id": 29900045,
        "lang": "EN",
        "content_language": "EN",
        "brand": "iiyama",
        "brand_id": "80",
        "mpn": "X4071UHSU-B1",
        "product_name": "X4071UHSU-B1",
        "category_id": "2672",
        "category_name": "public displays",
        "product_family": None,
        "release_date": dt.date(2015, 10, 4),
        "end_of_life_date": None,
        "updated": None,
        "quality": "ICECAT",
        "source_format": "xml",
        "gtins": ["4948570114344"],
        "title_starts": 'iiyama X4071UHSU-B1 39.5" LED ',
        "generated_title_starts": None,
        "long_product_name_starts": None,
        "description_text_starts": "Stylish 40” screen with 4",
        "has_html": True,
        "middle_description_starts": None,
        "short_summary_starts": "iiyama X4071UHSU-B1, LED,",
        "long_summary_starts": "iiyama X4071UHSU-B1. Disp",
        "warranty_starts": None,
        "counts": (0, 0, 72, 12, 3),
        "media_kinds": ["energy_label", "leaflet", "manual"],
    },
    "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json": {
        "icecat_id": 56195846,
        "lang": "EN",
        "content_language": "EN",
        "brand": "DELL",
        "brand_id": "292",
        "mpn": "5587-9709",
        "product_name": "5587",
        "category_id": "151",
        "category_name": "Laptops",
        "product_family": "G5",
        "release_date": None,
        "end_of_life_date": None,
        "updated": dt.datetime(2018, 7, 16, 14, 25, 35),
        "quality": None,
        "source_format": "json",
        "gtins": ["5397184119709"],
        "title_starts": "DELL G5 5587 Intel® Core™ i7 i",
        "generated_title_starts": "DELL G5 5587 Intel® ",
        "long_product_name_starts": '15.6" FHD (1920 x 10',
        "description_text_starts": "Power-packed. Adventure-r",
        "has_html": True,
        "middle_description_starts": None,
        "short_summary_starts": "DELL G5 5587, Intel® Core",
        "long_summary_starts": "DELL G5 5587. Product typ",
        "warranty_starts": "12 Months Collect an",
        "counts": (0, 9, 203, 14, 5),
        "media_kinds": ["datasheet", "leaflet", "manual", "other"],
    },
    "icecat-learning-hub__xml_56195846_dell-g5-5587-laptop_EN.xml": {
        "icecat_id": 56195846,
        "lang": "EN",
        "content_language": "EN",
        "brand": "DELL",
        "brand_id": "292",
        "mpn": "5587-9709",
        "product_name": "5587",
        "category_id": "151",
        "category_name": "Laptops",
        "product_family": "G5",
        "release_date": None,
        "end_of_life_date": None,
        "updated": None,
        "quality": "ICECAT",
        "source_format": "xml",
        "gtins": ["5397184119709"],
        "title_starts": "DELL G5 5587 Intel® Core™ i7 i",
        "generated_title_starts": "DELL G5 5587 Intel® ",
        "long_product_name_starts": None,
        "description_text_starts": "Power-packed. Adventure-r",
        "has_html": True,
        "middle_description_starts": None,
        "short_summary_starts": "DELL G5 5587, Intel® Core",
        "long_summary_starts": "DELL G5 5587. Product typ",
        "warranty_starts": "12 Months Collect an",
        "counts": (0, 9, 207, 19, 5),
        "media_kinds": ["datasheet", "leaflet", "manual", "other"],
    },
    "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json": {
        "icecat_id": 131216629,
        "lang": "EN",
        "content_language": "EN",
        "brand": "Jabra",
        "brand_id": "196",
        "mpn": "25089-899-899-01",
        "product_name": "Jabra Evolve2 50 - USB-C/A MS Mono",
        "category_id": "1637",
        "category_name": "Headphones & Headsets",
        "product_family": None,
        "release_date": dt.date(2025, 2, 24),
        "end_of_life_date": None,
        "updated": dt.datetime(2025, 5, 9, 3, 0, 40),
        "quality": None,
        "source_format": "json",
        "gtins": [],
        "title_starts": "Jabra Evolve2 50 - USB-C/A MS ",
        "generated_title_starts": "Jabra Evolve 2 50 He",
        "long_product_name_starts": "Jabra Evolve2 50 - U",
        "description_text_starts": "Professional calls from y",
        "has_html": False,
        "middle_description_starts": "The next-generation ",
        "short_summary_starts": "Jabra Evolve2 50 - USB-C/",
        "long_summary_starts": "Jabra Evolve2 50 - USB-C/",
        "warranty_starts": None,
        "counts": (16, 4, 56, 4, 1),
        "media_kinds": ["leaflet"],
    },
    "icecat-learning-hub__zip_json_lenovo-idea-tab-pro_tablet_EN.json": {
        "icecat_id": 122970626,
        "lang": "EN",
        "content_language": "EN",
        "brand": "Lenovo",
        "brand_id": "728",
        "mpn": "ZAE40006SE",
        "product_name": "Idea Tab Pro",
        "category_id": "897",
        "category_name": "Tablets",
        "product_family": "Idea Tab",
        "release_date": None,
        "end_of_life_date": None,
        "updated": dt.datetime(2025, 9, 8, 21, 46, 58),
        "quality": None,
        "source_format": "json",
        "gtins": ["0198153749065", "198153749065"],
        "title_starts": "Lenovo Idea Tab Pro Mediatek 1",
        "generated_title_starts": "Lenovo Idea Tab Pro ",
        "long_product_name_starts": "MediaTek Dimensity 8",
        "description_text_starts": "Elevate Your Studies With",
        "has_html": True,
        "middle_description_starts": None,
        "short_summary_starts": "Lenovo Idea Tab Pro, 32.3",
        "long_summary_starts": "Lenovo Idea Tab Pro. Disp",
        "warranty_starts": None,
        "counts": (3, 8, 69, 22, 8),
        "media_kinds": ["energy_label", "leaflet", "manual", "other"],
    },
    "icecat-learning-hub__zip_json_philips-27B2N3500J_monitor_EN.json": {
        "icecat_id": 125095746,
        "lang": "EN",
        "content_language": "EN",
        "brand": "Philips",
        "brand_id": "25",
        "mpn": "27B2N3500J/00",
        "product_name": "27B2N3500J/00",
        "category_id": "222",
        "category_name": "Computer Monitors",
        "product_family": None,
        "release_date": None,
        "end_of_life_date": None,
        "updated": dt.datetime(2025, 8, 24, 22, 45, 4),
        "quality": None,
        "source_format": "json",
        "gtins": ["8721038002294"],
        "title_starts": "Philips 27B2N3500J/00 computer",
        "generated_title_starts": "Philips 27B2N3500J/0",
        "long_product_name_starts": "Business Monitor 27B",
        "description_text_starts": "Speed through daily tasks",
        "has_html": False,
        "middle_description_starts": None,
        "short_summary_starts": "Philips 27B2N3500J/00, 68",
        "long_summary_starts": "Philips 27B2N3500J/00. Di",
        "warranty_starts": None,
        "counts": (0, 5, 105, 12, 4),
        "media_kinds": ["energy_label", "leaflet", "manual", "other"],
    },
    "icecat-learning-hub__zip_json_philips-TAG5106BK_headset_EN.json": {
        "icecat_id": 103215348,
        "lang": "EN",
        "content_language": "EN",
        "brand": "Philips",
        "brand_id": "25",
        "mpn": "TAG5106BK/00",
        "product_name": "TAG5106BK/00",
        "category_id": "1637",
        "category_name": "Headphones & Headsets",
        "product_family": "5000 series",
        "release_date": None,
        "end_of_life_date": None,
        "updated": dt.datetime(2024, 6, 3, 16, 12, 33),
        "quality": None,
        "source_format": "json",
        "gtins": ["4895229127005"],
        "title_starts": "Philips 5000 series TAG5106BK/",
        "generated_title_starts": "Philips 5000 series ",
        "long_product_name_starts": "5000 Series TAG5106B",
        "description_text_starts": "Stylish design, 50 mm pre",
        "has_html": False,
        "middle_description_starts": None,
        "short_summary_starts": "Philips 5000 series TAG51",
        "long_summary_starts": "Philips 5000 series TAG51",
        "warranty_starts": None,
        "counts": (0, 4, 51, 7, 5),
        "media_kinds": ["leaflet", "manual", "product_story"],
    },
    "icecat-learning-hub__zip_json_samsung-galaxy-s25plus_smartphone_EN.json": {
        "icecat_id": 125004573,
        "lang": "EN",
        "content_language": "EN",
        "brand": "Samsung",
        "brand_id": "26",
        "mpn": "SM-S936BLGGEUB",
        "product_name": "S25+",
        "category_id": "1893",
        "category_name": "Smartphones",
        "product_family": "Galaxy",
        "release_date": dt.date(2024, 12, 20),
        "end_of_life_date": None,
        "updated": dt.datetime(2025, 9, 9, 8, 22, 15),
        "quality": None,
        "source_format": "json",
        "gtins": ["8806095858456"],
        "title_starts": "Samsung Galaxy S25+ 17 cm (6.7",
        "generated_title_starts": "Samsung Galaxy S25+ ",
        "long_product_name_starts": "Galaxy S25+ Smartpho",
        "description_text_starts": "Simple. Impactful\nMeet Ga",
        "has_html": True,
        "middle_description_starts": None,
        "short_summary_starts": "Samsung Galaxy S25+ , 17 ",
        "long_summary_starts": "Samsung Galaxy S25+ . Dis",
        "warranty_starts": None,
        "counts": (3, 8, 129, 8, 3),
        "media_kinds": ["energy_label", "leaflet", "product_fiche"],
    },
}


def _observed(record: ProductRecord, expected: dict) -> dict:
    def starts(value: str | None, like: str | None) -> str | None:
        return value[: len(like)] if value and like else value

    observed = {key: getattr(record, key) for key in expected if hasattr(record, key)}
    for key in expected:
        if key.endswith("_starts"):
            field = key.removesuffix("_starts")
            observed[key] = starts(getattr(record, field), expected[key])
    observed["has_html"] = bool(record.description_html and "<" in record.description_html)
    observed["counts"] = (
        len(record.bullet_points),
        len(record.generated_bullet_points),
        len(record.features),
        len(record.images),
        len(record.media),
    )
    observed["media_kinds"] = sorted({item.kind for item in record.media})
    return observed


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_normalizes_field_by_field(name: str) -> None:
    records = normalize_file(SAMPLES / name)
    assert len(records) == 1
    assert _observed(records[0], EXPECTED[name]) == EXPECTED[name]


def test_every_product_sample_is_covered() -> None:
    product_samples = {
        p.name
        for p in SAMPLES.iterdir()
        if p.suffix in (".json", ".xml") and "notfound" not in p.name and "index" not in p.name
    }
    assert product_samples == set(EXPECTED)


def test_json_feature_keeps_id_unit_and_both_value_forms() -> None:
    record = normalize_file(
        SAMPLES / "icecat-learning-hub__zip_json_samsung-galaxy-s25plus_smartphone_EN.json"
    )[0]
    diagonal = next(f for f in record.features if f.feature_id == 944)
    assert (
        diagonal.name,
        diagonal.type,
        diagonal.raw_value,
        diagonal.unit,
        diagonal.presentation_value,
        diagonal.local_value,
        diagonal.group_id,
        diagonal.group_name,
    ) == ("Display diagonal", "numerical", "6.7", '"', '17 cm (6.7")', "17", 5, "Display")


def test_xml_feature_is_localized_and_typed_from_its_value() -> None:
    record = normalize_file(SAMPLES / "akeneo-icecatconnector__xml_8806088281285-de.xml")[0]
    diagonal = next(f for f in record.features if f.feature_id == 944)
    assert (
        diagonal.name,
        diagonal.type,
        diagonal.raw_value,
        diagonal.unit,
        diagonal.local_value,
        diagonal.group_name,
    ) == ("Bildschirmdiagonale", "numerical", "5.1", "Zoll", "12,9", "Bildschirm")
    assert {f.type for f in record.features if f.raw_value in ("Y", "N")} == {"y_n"}


def test_gallery_puts_the_main_image_first_in_icecat_order() -> None:
    record = normalize_file(SAMPLES / "greencore__xml-product_4948570114344_iiyama-monitor_EN.xml")[0]
    assert [i.order for i in record.images] == list(range(len(record.images)))
    assert record.images[0].is_main and record.images[0].url.endswith("29900045_1198.jpg")
    assert sum(i.is_main for i in record.images) == 1


def test_description_pdfs_become_manual_and_leaflet_without_duplicating_multimedia() -> None:
    record = normalize_file(SAMPLES / "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json")[0]
    urls = [m.url for m in record.media]
    assert len(urls) == len(set(urls))
    assert {m.kind for m in record.media} >= {"manual", "leaflet"}


def test_html_is_kept_and_text_is_plain() -> None:
    record = normalize_file(SAMPLES / "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json")[0]
    assert record.description_html.startswith("<b>Power-packed. Adventure-ready.</b><br>")
    assert record.description_text.startswith("Power-packed. Adventure-ready.\n15-inch gaming laptop")
    assert "<" not in record.description_text


def test_the_same_product_reads_alike_from_json_and_xml() -> None:
    from_json = normalize_file(SAMPLES / "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json")[0]
    from_xml = normalize_file(SAMPLES / "icecat-learning-hub__xml_56195846_dell-g5-5587-laptop_EN.xml")[0]
    for field in (
        "icecat_id",
        "gtins",
        "brand",
        "brand_id",
        "mpn",
        "product_name",
        "title",
        "category_id",
        "category_name",
        "product_family",
        "short_summary",
        "long_summary",
        "warranty",
        "generated_bullet_points",
        "description_text",
    ):
        assert getattr(from_json, field) == getattr(from_xml, field), field


def test_envelope_bare_data_and_text_bodies_normalize_the_same() -> None:
    envelope = json.loads(
        (SAMPLES / "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json").read_text()
    )
    by_envelope = normalize_response(envelope, "EN")
    assert normalize_response(envelope["data"], "EN") == by_envelope
    assert normalize_response(json.dumps(envelope).encode(), "en") == by_envelope
    assert by_envelope.lang == "EN"


def test_records_fit_the_parquet_schema_and_json_output_uses_iso_dates() -> None:
    records = [r for name in sorted(EXPECTED) for r in normalize_file(SAMPLES / name)]
    assert records_to_table(records).num_rows == len(records)
    as_json = record_to_row_json(
        normalize_file(SAMPLES / "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json")[0]
    )
    assert as_json["release_date"] == "2025-02-24" and as_json["updated"] == "2025-05-09T03:00:40"
    json.dumps(as_json)


def test_xml_error_answer_is_reported_with_icecat_message() -> None:
    with pytest.raises(NormalizeError, match="not present in the Icecat database") as caught:
        normalize_file(SAMPLES / "greencore__xml-notfound_12345.xml")
    assert caught.value.product == "greencore__xml-notfound_12345.xml"


def test_json_error_body_is_reported_with_icecat_message() -> None:
    body = (SAMPLES / "icecat-learning-hub__zip_error404_not_found_5011113506_OnePlus_EN.txt").read_text()
    with pytest.raises(NormalizeError, match="Icecat error 8: The requested product is not present"):
        normalize_response(body[body.index("{") :], "EN")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["GeneralInfo"].update(IcecatId="abc"), "GeneralInfo.IcecatId"),
        (lambda d: d["GeneralInfo"].update(IcecatId=2**70), "GeneralInfo.IcecatId"),
        (lambda d: d["GeneralInfo"].update(IcecatId=-1), "GeneralInfo.IcecatId"),
        (lambda d: d.pop("GeneralInfo"), "GeneralInfo"),
    ],
)
def test_a_document_without_a_usable_id_is_refused_naming_product_and_field(mutate, field: str) -> None:
    envelope = json.loads(
        (SAMPLES / "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json").read_text()
    )
    mutate(envelope["data"])
    with pytest.raises(NormalizeError) as caught:
        normalize_response(envelope, "EN", source="jabra.json")
    assert caught.value.field == field
    assert "jabra.json" in str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "refusal"),
    [
        (lambda d: d["GeneralInfo"].update(ReleaseDate="2025-02-24"), "GeneralInfo.ReleaseDate: expected a date"),
        (
            lambda d: d["GeneralInfo"]["Description"].update(Updated="yesterday"),
            "GeneralInfo.Description.Updated: expected a timestamp",
        ),
        (lambda d: d.update(FeaturesGroups={"x": 1}), "FeaturesGroups: expected a list of objects"),
        (lambda d: d["GeneralInfo"].update(Title=12345), "GeneralInfo.Title: expected a string, got the integer"),
        (lambda d: d["Gallery"][0].update(Pic=True), "Gallery[0].Pic: expected a string, got a boolean"),
        (lambda d: d["Gallery"][0].update(Pic="javascript:alert(1)"), "Gallery[0].Pic: not an http(s) URL"),
        (lambda d: d["Multimedia"][0].update(Size=1e30), "Multimedia[0].Size: expected an integer"),
        (lambda d: d["Multimedia"][0].update(Size=10**30), "Multimedia[0].Size: out of range"),
        (lambda d: d["FeaturesGroups"][0]["Features"][0]["Feature"].update(ID=2**64),
         "FeaturesGroups[0].Features[0].Feature.ID: out of range"),
        (lambda d: d["FeaturesGroups"][0].update(FeatureGroup="Display"),
         "FeaturesGroups[0].FeatureGroup: expected an object"),
        (lambda d: d["FeaturesGroups"][0]["Features"].insert(0, "not a feature"),
         "FeaturesGroups[0].Features[0]: expected an object"),
        (lambda d: d["GeneralInfo"].update(Brand="Jabra\ud800"), "GeneralInfo.Brand: lone UTF-16 surrogate"),
    ],
)
def test_a_bad_value_is_refused_alone_and_the_product_goes_on(mutate, refusal: str) -> None:
    envelope = json.loads(
        (SAMPLES / "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json").read_text()
    )
    intact = normalize_response(envelope, "EN")
    mutate(envelope["data"])
    record = normalize_response(envelope, "EN", source="jabra.json")
    assert any(line.startswith(refusal) for line in record.refusals), record.refusals
    assert (record.icecat_id, record.gtins, record.product_name) == (
        intact.icecat_id, intact.gtins, intact.product_name)
    assert records_to_table([intact, record]).num_rows == 2


def test_real_samples_have_no_refusals() -> None:
    for name in sorted(EXPECTED):
        assert [r.refusals for r in normalize_file(SAMPLES / name)] == [[]], name


def test_xml_line_breaks_are_real_line_breaks() -> None:
    record = normalize_file(SAMPLES / "greencore__xml-product_4948570114344_iiyama-monitor_EN.xml")[0]
    assert "\\n" not in record.description_html and "<br><br>The ProLite" in record.description_html
    assert "\\n" not in record.description_text and "\n\nThe ProLite" in record.description_text


def test_malformed_xml_names_the_file() -> None:
    with pytest.raises(NormalizeError, match="broken.xml: field document: not well-formed XML"):
        normalize_response(b"<ICECAT-interface><Product", "EN", source="broken.xml")


def test_missing_blocks_become_nulls_and_empty_lists() -> None:
    record = normalize_response({"GeneralInfo": {"IcecatId": 7}}, "DE")
    assert (record.icecat_id, record.lang, record.brand, record.release_date, record.updated) == (
        7,
        "DE",
        None,
        None,
        None,
    )
    assert record.features == record.images == record.media == record.gtins == record.bullet_points == []


def test_the_largest_accepted_numbers_fit_the_parquet_schema_and_one_more_is_refused() -> None:
    envelope = json.loads(
        (SAMPLES / "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json").read_text()
    )
    data = envelope["data"]
    data["GeneralInfo"]["IcecatId"] = 2**63 - 1
    data["Gallery"][0].update(PicWidth=2**31 - 1, Size=2**63 - 1)
    data["Gallery"][1].update(PicWidth=2**31, Size=2**63)
    record = normalize_response(envelope, "EN")
    assert (record.icecat_id, record.images[0].width, record.images[0].size) == (2**63 - 1, 2**31 - 1, 2**63 - 1)
    assert (record.images[1].width, record.images[1].size) == (None, None)
    assert [line.split(":")[0] for line in record.refusals] == ["Gallery[1].PicWidth", "Gallery[1].Size"]
    assert records_to_table([record]).num_rows == 1
