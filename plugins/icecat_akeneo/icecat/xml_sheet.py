"""Read one Icecat XML data-sheet (`xml_server3.cgi` / `export/freexml`) into a ProductRecord.

The XML interface carries the same content as the JSON API under other names: attributes instead of keys,
`Supplier` for the brand, `EANCode` elements for GTINs, `langid` numbers for languages, and no feature type
(inferred from the value). Errors come back as HTTP 200 with `<Product Code="-1" ErrorMessage=...>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from icecat_akeneo.icecat.fields import (
    NormalizeError,
    description_pdfs,
    feature_type_from_value,
    images,
    int_or_none,
    media_kind,
    parse_date,
    parse_timestamp,
    text_or_none,
    unique,
)
from icecat_akeneo.icecat.html_text import html_to_text
from icecat_akeneo.icecat.record import Feature, Image, Media, ProductRecord

XML_DATE = "%Y-%m-%d"
# The XML interface's verified numeric language ids (api notes §3.2).
LANGID_TO_LANG = {"0": "INT", "1": "EN", "2": "NL", "3": "FR", "4": "DE", "5": "IT", "6": "ES", "12": "ZH"}


def parse_xml(body: bytes | str, source: str) -> ET.Element:
    """The `<Product>` element; a parse failure or an Icecat error answer raises NormalizeError."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise NormalizeError(source, "document", f"not well-formed XML: {exc}") from None
    product = root if root.tag == "Product" else root.find("Product")
    if product is None:
        raise NormalizeError(source, "Product", "missing: not an Icecat XML data-sheet")
    if product.get("Code") == "-1":
        raise NormalizeError(source, "Product.ErrorMessage", product.get("ErrorMessage") or "Icecat error")
    return product


def read_xml_product(element: ET.Element, lang: str | None, source: str) -> ProductRecord:
    icecat_id = int_or_none(element.get("ID"), source, "Product.ID")
    if icecat_id is None:
        raise NormalizeError(source, "Product.ID", "missing")
    product = f"{icecat_id} ({source})"
    description = element.find("ProductDescription")
    desc = description.attrib if description is not None else {}
    supplier = element.find("Supplier")
    category = element.find("Category")
    summary = element.find("SummaryDescription")
    content_language = LANGID_TO_LANG.get(desc.get("langid") or _first_langid(element) or "")
    long_desc = text_or_none(desc.get("LongDesc"))
    media = _media(element, product)
    return ProductRecord(
        icecat_id=icecat_id,
        lang=(lang or content_language or "EN").upper(),
        content_language=content_language,
        gtins=unique([ean for ean in (text_or_none(e.get("EAN")) for e in element.iter("EANCode")) if ean]),
        brand=text_or_none(supplier.get("Name")) if supplier is not None else None,
        brand_id=text_or_none(supplier.get("ID")) if supplier is not None else None,
        mpn=text_or_none(element.get("Prod_id")),
        product_name=text_or_none(element.get("Name")),
        title=text_or_none(element.get("Title")),
        generated_title=text_or_none(element.get("GeneratedLocalTitle"))
        or text_or_none(element.get("GeneratedIntTitle")),
        long_product_name=None,
        category_id=text_or_none(category.get("ID")) if category is not None else None,
        category_name=_name(category),
        product_family=_name(element.find("ProductFamily")),
        description_html=long_desc,
        description_text=html_to_text(long_desc),
        middle_description=text_or_none(desc.get("MiddleDesc")),
        short_summary=_child_text(summary, "ShortSummaryDescription"),
        long_summary=_child_text(summary, "LongSummaryDescription"),
        warranty=text_or_none(desc.get("WarrantyInfo")),
        bullet_points=_numbered_values(element, "BulletPoints", "BulletPoint"),
        generated_bullet_points=_numbered_values(element, "GeneratedBulletPoints", "GeneratedBulletPoint"),
        features=_features(element, product),
        images=_images(element, product),
        media=media
        + description_pdfs(
            media,
            desc.get("ManualPDFURL"),
            desc.get("ManualPDFSize"),
            desc.get("PDFURL"),
            desc.get("PDFSize"),
            product,
        ),
        release_date=parse_date(
            element.get("ReleaseDate") or _child_text(element, "ReleaseDate"),
            XML_DATE,
            product,
            "Product.ReleaseDate",
        ),
        end_of_life_date=parse_date(
            _child_text(element, "EndOfLifeDate"), XML_DATE, product, "Product.EndOfLifeDate"
        ),
        updated=parse_timestamp(
            desc.get("Updated") or element.get("Updated"), product, "ProductDescription.Updated"
        ),
        quality=text_or_none(element.get("Quality")),
        source_format="xml",
    )


def _first_langid(element: ET.Element) -> str | None:
    found = element.find(".//Name[@langid]")
    return found.get("langid") if found is not None else None


def _name(parent: ET.Element | None) -> str | None:
    name = parent.find("Name") if parent is not None else None
    return text_or_none(name.get("Value")) if name is not None else None


def _child_text(parent: ET.Element | None, tag: str) -> str | None:
    child = parent.find(tag) if parent is not None else None
    return text_or_none(child.text) if child is not None else None


def _numbered_values(element: ET.Element, block: str, item: str) -> list[str]:
    items = element.findall(f"{block}/{item}")
    items.sort(key=lambda e: int(e.get("No") or 0) if (e.get("No") or "0").isdigit() else 0)
    return [text for text in (text_or_none(e.get("Value") or e.text) for e in items) if text]


def _features(element: ET.Element, product: str) -> list[Feature]:
    groups: dict[str, tuple[int | None, str | None]] = {}
    for group in element.iter("CategoryFeatureGroup"):
        feature_group = group.find("FeatureGroup")
        if feature_group is not None:
            groups[group.get("ID") or ""] = (
                int_or_none(feature_group.get("ID"), product, "CategoryFeatureGroup.FeatureGroup.ID"),
                _name(feature_group),
            )
    features: list[Feature] = []
    for item in element.findall("ProductFeature"):
        definition = item.find("Feature")
        feature_id = (
            int_or_none(definition.get("ID"), product, "ProductFeature.Feature.ID")
            if definition is not None
            else None
        )
        if definition is None or feature_id is None:
            raise NormalizeError(product, "ProductFeature.Feature.ID", "missing")
        raw_value = text_or_none(item.get("Value"))
        local = item.find("LocalValue")
        group_id, group_name = groups.get(item.get("CategoryFeatureGroup_ID") or "", (None, None))
        features.append(
            Feature(
                feature_id=feature_id,
                name=_name(definition) or "",
                type=feature_type_from_value(raw_value),
                raw_value=raw_value,
                unit=_unit(definition.find("Measure")),
                presentation_value=text_or_none(item.get("Presentation_Value")),
                local_value=text_or_none(local.get("Value")) if local is not None else None,
                group_id=group_id,
                group_name=group_name,
            )
        )
    return features


def _unit(measure: ET.Element | None) -> str | None:
    if measure is None:
        return None
    sign = measure.find("Signs/Sign")
    return (text_or_none(sign.text) if sign is not None else None) or text_or_none(measure.get("Sign"))


def _images(element: ET.Element, product: str) -> list[Image]:
    return images(element, element.findall("ProductGallery/ProductPicture"), product, "Product", "ProductPicture")


def _media(element: ET.Element, product: str) -> list[Media]:
    media: list[Media] = []
    for item in element.findall("ProductMultimediaObject/MultimediaObject"):
        url = text_or_none(item.get("URL"))
        if not url:
            continue
        type_, mime, text = (text_or_none(item.get(k)) for k in ("Type", "ContentType", "Description"))
        media.append(
            Media(
                url=url,
                kind=media_kind(type_, mime, text),
                type=type_,
                mime=mime,
                size=int_or_none(item.get("Size"), product, "MultimediaObject.Size"),
                language=LANGID_TO_LANG.get(item.get("langid") or ""),
                description=text,
            )
        )
    return media
