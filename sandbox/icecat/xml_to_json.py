"""Convert an Icecat XML data-sheet (xml_s3 `ICECAT-interface`) into the JSON API's `data` object.

Several real samples exist only as XML (Samsung S7 in EN+DE, HP ink in EN+ES, iiyama), yet the JSON API is
the connector's main path, so the sandbox serves them through `/api` too. The mapping follows the real
JSON samples key by key (the Dell G5 exists in both forms and is the reference, see README "XML → JSON").
What XML does not carry is filled the way the JSON API fills absent data: "" for strings, {} or [].
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from sandbox.icecat.languages import FALLBACK_LANGUAGE, LANGID_TO_LANG
from sandbox.icecat.xml_sections import (
    as_int,
    attribute_of,
    feature_logos,
    features_groups,
    gallery,
    multimedia,
    name_value,
    picked,
    reasons_to_buy,
    related_products,
)

DEFAULT_UPDATED = "2017-01-01 00:00:00"


def parse_product(xml_bytes: bytes) -> etree._Element:
    """The `<Product>` element of a data-sheet; ValueError when the document has none."""
    root = etree.fromstring(xml_bytes, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    product = root.find("Product")
    if product is None or product.get("Code") == "-1":
        raise ValueError("not an Icecat XML data-sheet (no <Product Code='1'>)")
    return product


def document_language(product: etree._Element) -> str:
    """The language of a data-sheet, from the first `langid` it carries."""
    for element in product.iter():
        langid = element.get("langid")
        if langid and langid != "0":
            return LANGID_TO_LANG.get(langid, FALLBACK_LANGUAGE)
    return FALLBACK_LANGUAGE


def _icecat_date(iso: str) -> str:
    """'2016-02-22' → '22-02-2016' (the JSON API's ReleaseDate format)."""
    parts = iso.strip().split("-")
    return f"{parts[2]}-{parts[1]}-{parts[0]}" if len(parts) == 3 else ""


def _updated(product: etree._Element) -> str:
    description = product.find("ProductDescription")
    if description is not None and description.get("Updated"):
        return description.get("Updated", DEFAULT_UPDATED)
    stamps = [e.get("UpdatedDate") or e.get("Date") or "" for e in product.iter("ProductPicture", "MultimediaObject")]
    stamps = [s for s in stamps if s]
    if stamps:
        return max(stamps)
    release = product.get("ReleaseDate", "")
    return f"{release} 00:00:00" if release else DEFAULT_UPDATED


def _text_date(product: etree._Element, tag: str) -> str:
    element = product.find(tag)
    return _icecat_date(element.text or "") if element is not None and element.text else ""


def _descriptions(product: etree._Element, lang: str) -> dict[str, Any]:
    """`Description` and `SummaryDescription` of GeneralInfo."""
    description = product.find("ProductDescription")
    summary = product.find("SummaryDescription")
    return {
        "Description": {
            "ID": attribute_of(description, "ID"),
            "LongDesc": attribute_of(description, "LongDesc"),
            "LongProductName": attribute_of(description, "ShortDesc"),
            "MiddleDesc": attribute_of(description, "MiddleDesc"),
            "Disclaimer": "",
            "ManualPDFURL": attribute_of(description, "ManualPDFURL"),
            "ManualPDFSize": attribute_of(description, "ManualPDFSize"),
            "LeafletPDFURL": attribute_of(description, "PDFURL"),
            "PDFSize": attribute_of(description, "PDFSize"),
            "URL": attribute_of(description, "URL"),
            "WarrantyInfo": attribute_of(description, "WarrantyInfo"),
            "Updated": _updated(product),
            "Language": lang,
        },
        "SummaryDescription": {
            "ShortSummaryDescription": (summary.findtext("ShortSummaryDescription") or "")
            if summary is not None
            else "",
            "LongSummaryDescription": (summary.findtext("LongSummaryDescription") or "") if summary is not None else "",
        },
    }


def _general_info(product: etree._Element, lang: str) -> dict[str, Any]:
    supplier = product.find("Supplier")
    category = product.find("Category")
    family = product.find("ProductFamily")
    series = family.find("Series") if family is not None else None
    gtins = [e.get("EAN", "") for e in product.findall("EANCode")]
    generated = [e.get("Value", "") for e in product.findall("GeneratedBulletPoints/GeneratedBulletPoint")]
    bullets = [e.get("Value", "") or (e.text or "") for e in product.findall("BulletPoints/BulletPoint")]
    brand_logo = attribute_of(supplier, "LogoPic")
    return {
        "IcecatId": as_int(product.get("ID", "0")),
        "ReleaseDate": _icecat_date(product.get("ReleaseDate", "")) or _text_date(product, "ReleaseDate"),
        "EndOfLifeDate": _text_date(product, "EndOfLifeDate"),
        "Title": product.get("Title", ""),
        "TitleInfo": {
            "GeneratedIntTitle": product.get("GeneratedIntTitle", ""),
            "GeneratedLocalTitle": {
                "Value": product.get("GeneratedLocalTitle", product.get("Title", "")),
                "Language": lang,
            },
            "BrandLocalTitle": {"Value": product.get("BrandLocalTitle", ""), "Language": lang},
        },
        "Brand": attribute_of(supplier, "Name"),
        "BrandID": attribute_of(supplier, "ID"),
        "BrandLogo": brand_logo,
        "BrandInfo": {"BrandName": attribute_of(supplier, "Name"), "BrandLocalName": "", "BrandLogo": brand_logo},
        "ProductName": product.get("Name", ""),
        "ProductNameInfo": {
            "ProductIntName": product.get("IntName", product.get("Name", "")),
            "ProductLocalName": {"Value": product.get("LocalName", ""), "Language": lang},
        },
        "BrandPartCode": product.get("Prod_id", ""),
        "GTIN": gtins,
        "Category": {
            "CategoryID": attribute_of(category, "ID"),
            "Name": name_value(category.find("Name") if category is not None else None, lang),
        },
        "ProductFamily": (
            {
                "ProductFamilyID": attribute_of(family, "ID"),
                "Value": attribute_of(family.find("Name"), "Value"),
                "Language": lang,
            }
            if family is not None and attribute_of(family, "ID") not in ("", "1")
            else {}
        ),
        "ProductSeries": {"SeriesID": attribute_of(series, "ID", "1")},
        **_descriptions(product, lang),
        "BulletPoints": {"Language": lang, "Values": bullets} if bullets else {},
        "GeneratedBulletPoints": {"Language": lang, "Values": generated} if generated else {},
        "GTINs": [
            {"GTIN": e.get("EAN", ""), "IsApproved": e.get("IsApproved", "1") == "1"}
            for e in product.findall("EANCode")
        ],
    }


def _image(product: etree._Element) -> dict[str, str]:
    sizes = " ".join(f"{pic} {pic}Size {pic}Height {pic}Width" for pic in ("HighPic", "LowPic", "Pic500x500"))
    return picked(product, f"{sizes} ThumbPic ThumbPicSize")


def xml_to_json_data(xml_bytes: bytes) -> dict[str, Any]:
    """The JSON API's `data` object (without `DemoAccount`, which depends on the caller) for a data-sheet."""
    product = parse_product(xml_bytes)
    lang = document_language(product)
    data: dict[str, Any] = {
        "GeneralInfo": _general_info(product, lang),
        "Image": _image(product),
        "Multimedia": multimedia(product, lang),
        "Gallery": gallery(product),
        "FeaturesGroups": features_groups(product, lang),
        "FeatureLogos": feature_logos(product, lang),
        "ReasonsToBuy": reasons_to_buy(product, lang),
        "Reviews": [],
        "ProductRelated": related_products(product),
    }
    page = product.find("CatalogObjectCloud/ProductPage")
    if page is not None:
        data["CatalogObjectCloud"] = {
            "ProductPage": {"QRCodeURL": page.get("QRCodeURL", ""), "URL": page.get("URL", "")}
        }
    data.update(Variants=[], ProductStory=[], Dictionary={})
    return data
