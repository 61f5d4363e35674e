"""Issue 14 point 6, the content part: ReasonsToBuy per item, the disclaimer, the product story, the video
kinds and the n-th gallery picture, read from the real samples in sandbox/icecat/samples/."""
from __future__ import annotations

import pytest
from icecat_akeneo.desired import source_value
from icecat_akeneo.icecat.normalize import normalize_response
from icecat_akeneo.icecat.record import record_from_row
from icecat_akeneo.icecat.record_json import record_from_row_json, record_to_row_json
from icecat_akeneo.icecat.record_schema import records_to_table
from icecat_akeneo.icecat.sheet_parts import media_kind
from icecat_akeneo.mapping_schema import check_source

from tests.icecat_akeneo.test_sources import DELL, DELL_XML, HP_INK_XML, PHILIPS_HS, SAMSUNG_S7_XML, sample


def test_reasons_to_buy_one_value_per_item_and_by_part() -> None:
    record = sample(DELL)
    assert source_value(record, "reasons_to_buy[1].title") == "Dell Gaming"
    assert source_value(record, "reasons_to_buy[4].title") == "Think mobile"
    assert source_value(record, "reasons_to_buy[4].text") == ("At only 25mm, this system is both powerful and "
                                                              "portable, with style to spare.")
    assert source_value(record, "reasons_to_buy[4].image").startswith("https://images.icecat.biz/img/bullets/")
    assert source_value(record, "reasons_to_buy[8].title") is None      # the Dell has 7
    titles = source_value(record, "reasons_to_buy_titles")
    assert len(titles) == 7 and titles[3] == "Think mobile"
    texts = source_value(record, "reasons_to_buy_texts")
    assert len(texts) == 7 and not any("<br" in text for text in texts)   # Icecat's <br> made plain
    assert len(source_value(record, "reasons_to_buy_images")) == 7


def test_xml_carries_the_same_reasons_to_buy_as_json() -> None:
    json_reasons, xml_reasons = sample(DELL).reasons_to_buy, sample(DELL_XML).reasons_to_buy
    assert [reason.title for reason in xml_reasons] == [reason.title for reason in json_reasons]
    assert [reason.image for reason in xml_reasons] == [reason.image for reason in json_reasons]


def test_product_story_url_from_the_product_story_block() -> None:
    record = sample(PHILIPS_HS)
    assert source_value(record, "product_story_url") == \
        "https://live-html.icecat.biz/df8aa75f4f5211973a9f5aa74572de02/index.html"
    assert "product_story" in {item.kind for item in record.media}       # not an `other` file to download
    assert source_value(record, "media:other") is None
    assert sample(DELL).product_story_url is None


def test_disclaimer_and_story_from_a_json_answer_and_an_xml_multimedia_item() -> None:
    raw = {"GeneralInfo": {"IcecatId": 1, "Title": "x", "Description": {"Disclaimer": "Colours may vary."}},
           "Multimedia": [{"URL": "https://objects.icecat.biz/objects/story.html", "Type": "ProductStory",
                           "ContentType": "text/html"}]}
    record = normalize_response(raw, "EN")
    assert source_value(record, "disclaimer") == "Colours may vary."
    assert source_value(record, "product_story_url") == "https://objects.icecat.biz/objects/story.html"


def test_html_player_pages_are_video_pages_and_real_files_are_videos() -> None:
    ink = sample(HP_INK_XML)         # every "video/mp4" is a text/html KeepAsURL=1 page
    assert source_value(ink, "media:video") is None
    assert source_value(ink, "media:video_page").endswith(".html")
    assert all(item.keep_as_url for item in ink.media if item.kind == "video_page")
    s7 = sample(SAMSUNG_S7_XML)      # real MP4 files
    assert source_value(s7, "media:video").endswith(".mp4")
    assert media_kind("video/mp4", "text/html", None) == "video_page"
    assert media_kind("other", None, None, is_video=True, keep_as_url=True) == "video_page"
    assert media_kind("video/mp4", "video/mp4", None) == "video"


def test_the_nth_gallery_picture() -> None:
    record = sample(DELL)
    gallery = source_value(record, "gallery")
    assert [source_value(record, f"gallery[{n}]") for n in (1, 2, 3)] == gallery[:3]
    assert source_value(record, f"gallery[{len(gallery) + 1}]") is None


def test_new_fields_survive_parquet_and_the_cache() -> None:
    for record in (sample(PHILIPS_HS), sample(HP_INK_XML), sample(DELL_XML)):
        assert record_from_row(records_to_table([record]).to_pylist()[0]) == record
        assert record_from_row_json(record_to_row_json(record)) == record


@pytest.mark.parametrize("source", ["reasons_to_buy[1].title", "reasons_to_buy[12].text", "reasons_to_buy[2].image",
                                    "reasons_to_buy_titles", "reasons_to_buy_texts", "reasons_to_buy_images",
                                    "disclaimer", "product_story_url", "gallery[3]", "media:video_page",
                                    "media:product_story"])
def test_the_new_sources_are_accepted(source: str) -> None:
    check_source(source)


@pytest.mark.parametrize("source", ["reasons_to_buy[0].title", "reasons_to_buy[1].picture", "gallery[0]"])
def test_malformed_item_sources_are_refused(source: str) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        check_source(source)
