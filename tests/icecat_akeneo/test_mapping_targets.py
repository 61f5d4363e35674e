"""A gallery into several image attributes in order (`attribute: [a, b, c]`), and a gallery into an Asset
Manager collection, as transform's pure core sees them (issue 14 point 6)."""
from __future__ import annotations

import pytest
import yaml
from icecat_akeneo.asset_values import ASSET_COLLECTION, AssetCollectionUpload, asset_collection
from icecat_akeneo.catalog.compatibility import source_fit
from icecat_akeneo.desired import desired_values
from icecat_akeneo.mapping_schema import ClientMapping
from pydantic import ValidationError

from tests.fixtures.mappings.records import DEMO_MAPPING, dell_g5_en, demo_taxonomy


def _mapping(*fields: dict) -> ClientMapping:
    data = yaml.safe_load(DEMO_MAPPING.read_text())
    data["fields"] = [{"source": "title", "attribute": "name"}, *fields]
    return ClientMapping.model_validate(data)


def _taxonomy(*extra: dict) -> dict:
    taxonomy = demo_taxonomy()
    return {**taxonomy, "attributes": [*taxonomy["attributes"], *extra]}


def _image(code: str) -> dict:
    return {"code": code, "type": "pim_catalog_image", "localizable": False, "scopable": False}


def test_a_gallery_fills_several_image_attributes_in_order() -> None:
    mapping = _mapping({"source": "gallery", "attribute": ["picture_1", "picture_2", "picture_3"]})
    assert [(field.source, field.attribute) for field in mapping.fields] == [
        ("title", "name"), ("gallery[1]", "picture_1"), ("gallery[2]", "picture_2"), ("gallery[3]", "picture_3")]
    record = dell_g5_en()
    _, media, rejections = desired_values([record], mapping, _taxonomy(*map(_image, ("picture_1", "picture_2",
                                                                                     "picture_3"))))
    gallery = [image.url for image in sorted(record.images, key=lambda image: image.order)]
    assert len(gallery) == 2, "the fixture's two pictures: the third attribute gets none"
    assert [(row["attribute"], row["url"]) for row in media] == [("picture_1", gallery[0]), ("picture_2", gallery[1])]
    assert rejections == []


@pytest.mark.parametrize(("field", "message"), [
    ({"source": "title", "attribute": ["a", "b"]}, "takes the items of source gallery or media:<kind>"),
    ({"source": "gallery", "attribute": []}, "needs at least one attribute code"),
    ({"source": "gallery", "attribute": ["a"], "fallback": ["main_image"]}, "not with a list of attributes"),
])
def test_a_list_of_attributes_is_checked(field: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _mapping(field)


def test_a_gallery_into_an_asset_collection_is_one_row_of_urls_in_order() -> None:
    collection = {"code": "packshots", "type": "pim_catalog_asset_collection", "localizable": False,
                  "scopable": False, "reference_data_name": "icecat_pictures"}
    record = dell_g5_en()
    values, media, rejections = desired_values([record], _mapping({"source": "gallery", "attribute": "packshots"}),
                                               _taxonomy(collection))
    assert "packshots" not in values and rejections == []
    [row] = media
    assert row["family"] == "icecat_pictures" and row["attribute"] == "packshots"
    assert row["urls"] == [image.url for image in sorted(record.images, key=lambda image: image.order)]


def test_an_asset_collection_value_needs_a_family_and_downloadable_urls() -> None:
    attribute = {"code": "packshots", "reference_data_name": "pictures"}
    assert asset_collection(["https://x.test/a.jpg", "https://x.test/a.jpg", " "], attribute) == \
        AssetCollectionUpload(("https://x.test/a.jpg",), "pictures")
    with pytest.raises(ValueError, match="names no asset family"):
        asset_collection(["https://x.test/a.jpg"], {"code": "packshots"})
    with pytest.raises(ValueError, match="expects file URLs to download"):
        asset_collection(["javascript:alert(1)"], attribute)


def test_the_mapping_check_takes_pictures_into_an_asset_collection() -> None:
    assert source_fit("gallery", ASSET_COLLECTION) == 1.0
    assert source_fit("reasons_to_buy_images", ASSET_COLLECTION) == 1.0
    assert source_fit("media:leaflet:all", ASSET_COLLECTION) > 0
    assert source_fit("title", ASSET_COLLECTION) == 0.0, "a text is never an asset"
