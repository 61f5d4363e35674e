"""Read one Icecat JSON data-sheet (the `data` object of the Live JSON API) into a ProductRecord.

Field names follow the real responses in `sandbox/icecat/samples/` (api notes §1.3-1.8); every block is
optional, because Icecat omits or empties blocks freely ({} for an empty object, "" for an empty value). A
block or item of the wrong shape (a Feature that is not an object, Gallery a string) is refused like a bad
value: noted in the record's `refusals`, read as empty, and the rest of the product goes on.
"""

from __future__ import annotations

from typing import Any

from icecat_akeneo.icecat.fields import FieldReader, NormalizeError, describe, required_id
from icecat_akeneo.icecat.html_text import html_to_text
from icecat_akeneo.icecat.plain import FLAG_NO, FLAG_YES, feature_id_of, plain_feature, plain_related
from icecat_akeneo.icecat.record import (
    EVERYTHING,
    Feature,
    FeatureLogo,
    Image,
    Media,
    ProductRecord,
    ReasonToBuy,
    RecordScope,
    RelatedProduct,
    Review,
)
from icecat_akeneo.icecat.sheet_parts import description_pdfs, images, media_kind, product_story_url, unique

JSON_DATE = "%d-%m-%Y"
MEDIA_TEXTS = ("Type", "ContentType", "Description")
DESCRIPTION_PDFS = {"manual": ("ManualPDFURL", "ManualPDFSize"), "leaflet": ("LeafletPDFURL", "PDFSize")}


def _block(read: FieldReader, parent: dict[str, Any], path: str, key: str) -> dict[str, Any]:
    value = parent.get(key)
    if value in (None, "", [], {}):
        return {}
    if not isinstance(value, dict):
        read.refuse(_join(path, key), f"expected an object, got {describe(value)}")
        return {}
    return value


def _items(read: FieldReader, parent: dict[str, Any], path: str, key: str) -> list[tuple[str, dict[str, Any]]]:
    """(path, object) of each entry of a list of objects; entries that are not objects are refused."""
    path = _join(path, key)
    return [(f"{path}[{index}]", item) for index, item in _entries(read, parent, path, key)]


def _entries(read: FieldReader, parent: dict[str, Any], path: str, key: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, object) of each entry of the list `parent[key]` (at `path`); entries that are not objects are
    refused. The index, not the path: a caller that reads an entry without refusal needs no path."""
    value = parent.get(key)
    if value in (None, "", {}, []):
        return []
    if not isinstance(value, list):
        read.refuse(path, f"expected a list of objects, got {describe(value)}")
        return []
    entries = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            entries.append((index, item))
        else:
            read.refuse(f"{path}[{index}]", f"expected an object, got {describe(item)}")
    return entries


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _value_of(read: FieldReader, parent: dict[str, Any], path: str, key: str) -> str | None:
    """Icecat wraps localized strings as {"Value": ..., "Language": ...}."""
    return read.text(_block(read, parent, path, key).get("Value"), f"{_join(path, key)}.Value")


def _strings(read: FieldReader, parent: dict[str, Any], parent_path: str, key: str) -> list[str]:
    """The texts of `parent[key].Values` (a list of strings)."""
    path = _join(parent_path, key)
    values = _block(read, parent, parent_path, key).get("Values")
    if values in (None, "", {}, []):
        return []
    if not isinstance(values, list):
        read.refuse(f"{path}.Values", f"expected a list of strings, got {describe(values)}")
        return []
    texts = (read.text(value, f"{path}.Values[{index}]") for index, value in enumerate(values))
    return [text for text in texts if text]


def read_json_data(data: dict[str, Any], lang: str | None, source: str,
                   scope: RecordScope = EVERYTHING) -> ProductRecord:
    """`source` names the document in errors (file name or lookup) until the Icecat id is known; features and
    related products are read as far as `scope` keeps them."""
    if not isinstance(data, dict):
        raise NormalizeError(source, "data", f"expected a JSON object, got {describe(data)}")
    general = data.get("GeneralInfo")
    if not isinstance(general, dict):
        raise NormalizeError(source, "GeneralInfo", "missing: not an Icecat product data-sheet")
    icecat_id = required_id(general.get("IcecatId"), source, "GeneralInfo.IcecatId")
    read, info = FieldReader(), "GeneralInfo"
    description = _block(read, general, info, "Description")
    title_info = _block(read, general, info, "TitleInfo")
    summary = _block(read, general, info, "SummaryDescription")
    category = _block(read, general, info, "Category")
    content_language = read.language(description.get("Language"), f"{info}.Description.Language")
    long_desc = read.text(description.get("LongDesc"), f"{info}.Description.LongDesc")
    text = read.text
    media = _media(read, data, description)
    return ProductRecord(
        icecat_id=icecat_id,
        lang=(lang or content_language or "EN").upper(),
        content_language=content_language,
        gtins=_gtins(read, general),
        brand=text(general.get("Brand"), f"{info}.Brand"),
        brand_id=text(general.get("BrandID"), f"{info}.BrandID", numbers=True),
        mpn=text(general.get("BrandPartCode"), f"{info}.BrandPartCode"),
        product_name=text(general.get("ProductName"), f"{info}.ProductName"),
        title=text(general.get("Title"), f"{info}.Title"),
        generated_title=_value_of(read, title_info, f"{info}.TitleInfo", "GeneratedLocalTitle")
        or text(title_info.get("GeneratedIntTitle"), f"{info}.TitleInfo.GeneratedIntTitle"),
        long_product_name=text(description.get("LongProductName"), f"{info}.Description.LongProductName"),
        category_id=text(category.get("CategoryID"), f"{info}.Category.CategoryID", numbers=True),
        category_name=_value_of(read, category, f"{info}.Category", "Name"),
        product_family=_value_of(read, general, info, "ProductFamily"),
        description_html=long_desc,
        description_text=html_to_text(long_desc),
        middle_description=text(description.get("MiddleDesc"), f"{info}.Description.MiddleDesc"),
        short_summary=text(summary.get("ShortSummaryDescription"), f"{info}.SummaryDescription.Short"),
        long_summary=text(summary.get("LongSummaryDescription"), f"{info}.SummaryDescription.Long"),
        warranty=text(description.get("WarrantyInfo"), f"{info}.Description.WarrantyInfo"),
        bullet_points=_strings(read, general, info, "BulletPoints"),
        generated_bullet_points=_strings(read, general, info, "GeneratedBulletPoints"),
        features=_features(read, data, scope.features),
        images=_images(read, data),
        media=media,
        release_date=read.date(general.get("ReleaseDate"), JSON_DATE, f"{info}.ReleaseDate"),
        end_of_life_date=read.date(general.get("EndOfLifeDate"), JSON_DATE, f"{info}.EndOfLifeDate"),
        updated=read.timestamp(description.get("Updated"), f"{info}.Description.Updated"),
        quality=text(general.get("Quality"), f"{info}.Quality"),
        source_format="json",
        disclaimer=text(description.get("Disclaimer"), f"{info}.Description.Disclaimer"),
        **_rest_of_record(read, data, general, media, scope.related),
        refusals=read.refusals,
    )


def _gtins(read: FieldReader, general: dict[str, Any]) -> list[str]:
    listed = general.get("GTIN")
    if listed in (None, "", {}):
        listed = []
    elif not isinstance(listed, list):
        read.refuse("GeneralInfo.GTIN", f"expected a list of strings, got {describe(listed)}")
        listed = []
    values = [read.text(value, f"GeneralInfo.GTIN[{index}]") for index, value in enumerate(listed)]
    values += [read.text(entry.get("GTIN"), f"{path}.GTIN") for path, entry in
               _items(read, general, "GeneralInfo", "GTINs")]
    return unique([value for value in values if value])


def _features(read: FieldReader, data: dict[str, Any], wanted: frozenset[int] | None) -> list[Feature]:
    features: list[Feature] = []
    for group_path, group in _items(read, data, "", "FeaturesGroups"):
        group_info = _block(read, group, group_path, "FeatureGroup")
        group_id = read.integer(group_info.get("ID"), f"{group_path}.FeatureGroup.ID")
        group_name = _value_of(read, group_info, f"{group_path}.FeatureGroup", "Name")
        path = f"{group_path}.Features"
        for index, item in _entries(read, group, path, "Features"):
            if wanted is not None and (known := feature_id_of(item)) is not None and known not in wanted:
                continue  # not read by the mapping: not normalized, not checked, not kept (an odd id: read first)
            feature = plain_feature(item, group_id, group_name) or _feature(read, item, f"{path}[{index}]",
                                                                               group_id, group_name)
            if feature is not None and (wanted is None or feature.feature_id in wanted):
                features.append(feature)
    return features


def _feature(read: FieldReader, item: dict[str, Any], path: str, group_id: int | None,
             group_name: str | None) -> Feature | None:
    """One feature value; None (left out, refusal noted) without a usable Feature.ID."""
    definition = _block(read, item, path, "Feature")
    feature_id = read.identifier(definition.get("ID"), f"{path}.Feature.ID")
    if feature_id is None:
        return None
    measure = _block(read, definition, f"{path}.Feature", "Measure")
    signs = _block(read, measure, f"{path}.Feature.Measure", "Signs")
    return Feature(
        feature_id=feature_id,
        name=_value_of(read, definition, f"{path}.Feature", "Name") or "",
        type=read.text(item.get("Type"), f"{path}.Type") or "text",
        raw_value=read.text(item.get("RawValue"), f"{path}.RawValue") or read.text(item.get("Value"), f"{path}.Value"),
        unit=read.text(signs.get("_"), f"{path}.Feature.Measure.Signs._")
        or read.text(measure.get("Sign"), f"{path}.Feature.Measure.Sign"),
        presentation_value=read.text(item.get("PresentationValue"), f"{path}.PresentationValue"),
        local_value=read.text(item.get("LocalValue"), f"{path}.LocalValue"),
        group_id=group_id,
        group_name=group_name,
    )


def _images(read: FieldReader, data: dict[str, Any]) -> list[Image]:
    return images(read, _block(read, data, "", "Image"), "Image", _items(read, data, "", "Gallery"))


def _media(read: FieldReader, data: dict[str, Any], description: dict[str, Any]) -> list[Media]:
    media: list[Media] = []
    for path, item in _items(read, data, "", "Multimedia"):
        url = read.url(item.get("URL"), f"{path}.URL")
        if not url:
            continue
        type_, mime, text = (read.text(item.get(key), f"{path}.{key}") for key in MEDIA_TEXTS)
        is_video = read.flag(item.get("IsVideo"), f"{path}.IsVideo", (1, "1"), (0, "0"))
        keep = read.flag(item.get("KeepAsUrl"), f"{path}.KeepAsUrl", (1, "1"), (0, "0"))
        media.append(
            Media(
                url=url,
                kind=media_kind(type_, mime, text, is_video=is_video, keep_as_url=keep),
                type=type_,
                mime=mime,
                size=read.integer(item.get("Size"), f"{path}.Size"),
                language=read.language(item.get("Language"), f"{path}.Language"),
                description=text,
                keep_as_url=keep,
            )
        )
    return media + description_pdfs(read, media, description, "GeneralInfo.Description", DESCRIPTION_PDFS)


def _rest_of_record(read: FieldReader, data: dict[str, Any], general: dict[str, Any],
                    media: list[Media], related: bool) -> dict[str, Any]:
    """Series, brand logo, feature logos, related products (when `related`), reviews, reasons to buy (issue 18),
    the product story (issue 14)."""
    stories = [url for path, item in _items(read, data, "", "ProductStory")
               if (url := read.url(item.get("URL"), f"{path}.URL"))]
    return {
        "product_story_url": product_story_url(stories, media),
        "product_series": _value_of(read, general, "GeneralInfo", "ProductSeries"),
        "brand_logo": read.url(general.get("BrandLogo"), "GeneralInfo.BrandLogo"),
        "feature_logos": [
            FeatureLogo(url=url, feature_id=read.integer(item.get("FeatureID"), f"{path}.FeatureID"),
                        value=read.text(item.get("Value"), f"{path}.Value"),
                        description=_value_of(read, item, path, "Description"))
            for path, item in _items(read, data, "", "FeatureLogos")
            if (url := read.url(item.get("LogoPic"), f"{path}.LogoPic"))
        ],
        "related": [plain_related(item) or _related(read, item, f"ProductRelated[{index}]")
                    for index, item in _entries(read, data, "ProductRelated", "ProductRelated")] if related else [],
        "reviews": [review for path, item in _items(read, data, "", "Reviews")
                    if (review := _review(read, item, path)) is not None],
        "reasons_to_buy": [
            ReasonToBuy(title=read.text(item.get("Title"), f"{path}.Title"),
                        text=read.text(item.get("Value"), f"{path}.Value"),
                        image=read.url(item.get("HighPic"), f"{path}.HighPic"))
            for path, item in _items(read, data, "", "ReasonsToBuy")
        ],
    }


def _related(read: FieldReader, item: dict[str, Any], path: str) -> RelatedProduct:
    return RelatedProduct(icecat_id=read.identifier(item.get("IcecatID"), f"{path}.IcecatID"),
                          mpn=read.text(item.get("ProductCode"), f"{path}.ProductCode"),
                          brand=read.text(item.get("Brand"), f"{path}.Brand"),
                          name=read.text(item.get("ProductName"), f"{path}.ProductName"),
                          preferred=read.flag(item.get("Preferred"), f"{path}.Preferred", FLAG_YES, FLAG_NO))


def _review(read: FieldReader, item: dict[str, Any], path: str) -> Review | None:
    """A review's text is plain text (Icecat's may hold HTML); one with neither score nor text is left out."""
    score = read.integer(item.get("Score"), f"{path}.Score", high=100)
    text = html_to_text(read.text(item.get("Value"), f"{path}.Value"))
    if score is None and not text:
        return None
    source = (read.text(item.get("Code"), f"{path}.Code") or read.text(item.get("Group"), f"{path}.Group")
              or read.url(item.get("URL"), f"{path}.URL"))
    return Review(score=score, source=source, text=text,
                  good=html_to_text(read.text(item.get("ValueGood"), f"{path}.ValueGood")),
                  bad=html_to_text(read.text(item.get("ValueBad"), f"{path}.ValueBad")))
