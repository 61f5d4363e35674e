"""Read one Icecat XML data-sheet (`xml_server3.cgi` / `export/freexml`) into a ProductRecord.

The XML interface carries the same content as the JSON API under other names: attributes instead of keys,
`Supplier` for the brand, `EANCode` elements for GTINs, `langid` numbers for languages, and no feature type
(inferred from the value). Errors come back as HTTP 200 with `<Product Code="-1" ErrorMessage=...>`. Its texts
escape line breaks as a literal backslash-n: they become real line breaks (`<br>` in the HTML description).
Entity declarations are refused (no "billion laughs"), and so is nesting deeper than `MAX_DEPTH`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from icecat_akeneo.icecat.fields import MAX_DEPTH, FieldReader, NormalizeError, required_id
from icecat_akeneo.icecat.html_text import html_to_text
from icecat_akeneo.icecat.languages import LANGID_TO_LANG
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
)
from icecat_akeneo.icecat.sheet_parts import (
    description_pdfs,
    feature_type_from_value,
    images,
    media_kind,
    product_story_url,
    unique,
)

XML_DATE = "%Y-%m-%d"
MEDIA_TEXTS = ("Type", "ContentType", "Description")
DESCRIPTION_PDFS = {"manual": ("ManualPDFURL", "ManualPDFSize"), "leaflet": ("PDFURL", "PDFSize")}


def parse_xml(body: bytes | str, source: str) -> ET.Element:
    """The `<Product>` element; a parse failure or an Icecat error answer raises NormalizeError."""
    if ("<!ENTITY" if isinstance(body, str) else b"<!ENTITY") in body:
        raise NormalizeError(source, "document", "XML entity declarations are not accepted")
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError) as exc:
        raise NormalizeError(source, "document", f"not well-formed XML: {exc}") from None
    _check_depth(root, source)
    product = root if root.tag == "Product" else root.find("Product")
    if product is None:
        raise NormalizeError(source, "Product", "missing: not an Icecat XML data-sheet")
    if product.get("Code") == "-1":
        message = product.get("ErrorMessage") or "Icecat error"
        raise NormalizeError(source, "Product.ErrorMessage", message[:300])
    return product


def _check_depth(root: ET.Element, source: str) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise NormalizeError(source, "document", f"nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in element)


def _text(read: FieldReader, value: object, path: str) -> str | None:
    text = read.text(value, path)
    return text.replace("\\n", "\n") if text else text


def read_xml_product(element: ET.Element, lang: str | None, source: str,
                     scope: RecordScope = EVERYTHING) -> ProductRecord:
    icecat_id = required_id(element.get("ID"), source, "Product.ID")
    read = FieldReader()
    description = element.find("ProductDescription")
    desc = description.attrib if description is not None else {}
    supplier = element.find("Supplier")
    attributes = supplier.attrib if supplier is not None else {}
    category = element.find("Category")
    summary = element.find("SummaryDescription")
    content_language = LANGID_TO_LANG.get(desc.get("langid") or _first_langid(element) or "")
    long_desc = read.text(desc.get("LongDesc"), "ProductDescription.LongDesc")
    long_desc = long_desc.replace("\\n", "<br>") if long_desc else long_desc
    media = _media(read, element)
    return ProductRecord(
        icecat_id=icecat_id,
        lang=(lang or content_language or "EN").upper(),
        content_language=content_language,
        gtins=unique([ean for index, code in enumerate(element.iter("EANCode"))
                      if (ean := read.text(code.get("EAN"), f"EANCode[{index}].EAN"))]),
        brand=_text(read, attributes.get("Name"), "Supplier.Name"),
        brand_id=_text(read, attributes.get("ID"), "Supplier.ID"),
        mpn=_text(read, element.get("Prod_id"), "Product.Prod_id"),
        product_name=_text(read, element.get("Name"), "Product.Name"),
        title=_text(read, element.get("Title"), "Product.Title"),
        generated_title=_text(read, element.get("GeneratedLocalTitle"), "Product.GeneratedLocalTitle")
        or _text(read, element.get("GeneratedIntTitle"), "Product.GeneratedIntTitle"),
        long_product_name=None,
        category_id=_text(read, category.get("ID"), "Category.ID") if category is not None else None,
        category_name=_name(read, category, "Category"),
        product_family=_name(read, element.find("ProductFamily"), "ProductFamily"),
        description_html=long_desc,
        description_text=html_to_text(long_desc),
        middle_description=_text(read, desc.get("MiddleDesc"), "ProductDescription.MiddleDesc"),
        short_summary=_child_text(read, summary, "SummaryDescription", "ShortSummaryDescription"),
        long_summary=_child_text(read, summary, "SummaryDescription", "LongSummaryDescription"),
        warranty=_text(read, desc.get("WarrantyInfo"), "ProductDescription.WarrantyInfo"),
        bullet_points=_numbered_values(read, element, "BulletPoints", "BulletPoint"),
        generated_bullet_points=_numbered_values(read, element, "GeneratedBulletPoints", "GeneratedBulletPoint"),
        features=_features(read, element, scope.features),
        images=_images(read, element),
        media=media + description_pdfs(read, media, desc, "ProductDescription", DESCRIPTION_PDFS),
        release_date=read.date(element.get("ReleaseDate") or _child_text(read, element, "Product", "ReleaseDate"),
                               XML_DATE, "Product.ReleaseDate"),
        end_of_life_date=read.date(_child_text(read, element, "Product", "EndOfLifeDate"), XML_DATE,
                                   "Product.EndOfLifeDate"),
        updated=read.timestamp(desc.get("Updated") or element.get("Updated"), "ProductDescription.Updated"),
        quality=_text(read, element.get("Quality"), "Product.Quality"),
        source_format="xml",
        feature_logos=_feature_logos(read, element),
        related=_related(read, element) if scope.related else [],
        **_content(read, element, desc, media),
        refusals=read.refusals,
    )


def _first_langid(element: ET.Element) -> str | None:
    found = element.find(".//Name[@langid]")
    return found.get("langid") if found is not None else None


def _name(read: FieldReader, parent: ET.Element | None, path: str) -> str | None:
    name = parent.find("Name") if parent is not None else None
    return _text(read, name.get("Value"), f"{path}.Name.Value") if name is not None else None


def _child_text(read: FieldReader, parent: ET.Element | None, path: str, tag: str) -> str | None:
    child = parent.find(tag) if parent is not None else None
    return _text(read, child.text, f"{path}.{tag}") if child is not None else None


def _numbered_values(read: FieldReader, element: ET.Element, block: str, item: str) -> list[str]:
    items = [(f"{block}.{item}[{index}]", e) for index, e in enumerate(element.findall(f"{block}/{item}"))]
    items.sort(key=lambda entry: read.integer(entry[1].get("No"), f"{entry[0]}.No") or 0)
    texts = (_text(read, e.get("Value") or e.text, f"{path}.Value") for path, e in items)
    return [text for text in texts if text]


def _feature_groups(read: FieldReader, element: ET.Element) -> dict[str, tuple[int | None, str | None]]:
    """CategoryFeatureGroup ID -> (FeatureGroup ID, name), for the group of each ProductFeature."""
    groups: dict[str, tuple[int | None, str | None]] = {}
    for index, group in enumerate(element.iter("CategoryFeatureGroup")):
        feature_group = group.find("FeatureGroup")
        if feature_group is not None:
            path = f"CategoryFeatureGroup[{index}].FeatureGroup"
            groups[group.get("ID") or ""] = (read.integer(feature_group.get("ID"), f"{path}.ID"),
                                             _name(read, feature_group, path))
    return groups


def _features(read: FieldReader, element: ET.Element, wanted: frozenset[int] | None) -> list[Feature]:
    """The product's features (only the `wanted` ids, when given)."""
    groups = _feature_groups(read, element)
    features: list[Feature] = []
    for index, item in enumerate(element.findall("ProductFeature")):
        path = f"ProductFeature[{index}]"
        definition = item.find("Feature")
        feature_id = read.identifier(definition.get("ID") if definition is not None else None, f"{path}.Feature.ID")
        if definition is None or feature_id is None or (wanted is not None and feature_id not in wanted):
            continue
        raw_value = _text(read, item.get("Value"), f"{path}.Value")
        local = item.find("LocalValue")
        group_id, group_name = groups.get(item.get("CategoryFeatureGroup_ID") or "", (None, None))
        features.append(
            Feature(
                feature_id=feature_id,
                name=_name(read, definition, f"{path}.Feature") or "",
                type=feature_type_from_value(raw_value),
                raw_value=raw_value,
                unit=_unit(read, definition.find("Measure"), f"{path}.Feature.Measure"),
                presentation_value=_text(read, item.get("Presentation_Value"), f"{path}.Presentation_Value"),
                local_value=_text(read, local.get("Value"), f"{path}.LocalValue") if local is not None else None,
                group_id=group_id,
                group_name=group_name,
            )
        )
    return features


def _unit(read: FieldReader, measure: ET.Element | None, path: str) -> str | None:
    if measure is None:
        return None
    sign = measure.find("Signs/Sign")
    return (_text(read, sign.text, f"{path}.Signs.Sign") if sign is not None else None) or _text(
        read, measure.get("Sign"), f"{path}.Sign")


def _images(read: FieldReader, element: ET.Element) -> list[Image]:
    gallery = [(f"ProductPicture[{index}]", picture)
               for index, picture in enumerate(element.findall("ProductGallery/ProductPicture"))]
    return images(read, element, "Product", gallery)


def _media(read: FieldReader, element: ET.Element) -> list[Media]:
    media: list[Media] = []
    for index, item in enumerate(element.findall("ProductMultimediaObject/MultimediaObject")):
        path = f"MultimediaObject[{index}]"
        url = read.url(item.get("URL"), f"{path}.URL")
        if not url:
            continue
        type_, mime, text = (_text(read, item.get(key), f"{path}.{key}") for key in MEDIA_TEXTS)
        keep = read.flag(item.get("KeepAsURL"), f"{path}.KeepAsURL", ("1",), ("0",))
        media.append(
            Media(
                url=url,
                kind=media_kind(type_, mime, text, keep_as_url=keep),
                type=type_,
                mime=mime,
                size=read.integer(item.get("Size"), f"{path}.Size"),
                language=LANGID_TO_LANG.get(item.get("langid") or ""),
                description=text,
                keep_as_url=keep,
            )
        )
    return media


def _content(read: FieldReader, element: ET.Element, desc: dict[str, str], media: list[Media]) -> dict[str, Any]:
    """Reasons to buy (`ReasonsToBuy/ReasonToBuy`, Icecat's order `No`), the disclaimer and the product story,
    as the JSON reader gives them."""
    reasons = [(f"ReasonToBuy[{index}]", item)
               for index, item in enumerate(element.findall("ReasonsToBuy/ReasonToBuy"))]
    reasons.sort(key=lambda entry: read.integer(entry[1].get("No"), f"{entry[0]}.No") or 0)
    return {
        "reasons_to_buy": [ReasonToBuy(title=_text(read, item.get("Title"), f"{path}.Title"),
                                       text=_text(read, item.get("Value"), f"{path}.Value"),
                                       image=read.url(item.get("HighPic"), f"{path}.HighPic"))
                           for path, item in reasons],
        "disclaimer": _text(read, desc.get("Disclaimer"), "ProductDescription.Disclaimer"),
        "product_story_url": product_story_url([], media),
    }


def _feature_logos(read: FieldReader, element: ET.Element) -> list[FeatureLogo]:
    logos = []
    for index, logo in enumerate(element.iter("FeatureLogo")):
        path = f"FeatureLogo[{index}]"
        url = read.url(logo.get("LogoPic"), f"{path}.LogoPic")
        if url:
            description = logo.find("Descriptions/Description")
            logos.append(FeatureLogo(url=url, feature_id=read.integer(logo.get("Feature_ID"), f"{path}.Feature_ID"),
                                     value=_text(read, logo.get("Value"), f"{path}.Value"),
                                     description=_text(read, description.text, f"{path}.Description")
                                     if description is not None else None))
    return logos


def _related(read: FieldReader, element: ET.Element) -> list[RelatedProduct]:
    """`ProductRelated/Product` (with its `Supplier`): Icecat's accessories and alternatives."""
    related = []
    for index, item in enumerate(element.iter("ProductRelated")):
        product, path = item.find("Product"), f"ProductRelated[{index}]"
        if product is None:
            continue
        supplier = product.find("Supplier")
        related.append(RelatedProduct(
            icecat_id=read.identifier(product.get("ID"), f"{path}.Product.ID"),
            mpn=_text(read, product.get("Prod_id"), f"{path}.Product.Prod_id"),
            brand=_text(read, supplier.get("Name"), f"{path}.Supplier.Name") if supplier is not None else None,
            name=_text(read, product.get("Name"), f"{path}.Product.Name"),
            preferred=read.flag(item.get("Preferred"), f"{path}.Preferred", ("1",), ("0",))))
    return related
