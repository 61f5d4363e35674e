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


def _attr(element: etree._Element | None, name: str, default: str = "") -> str:
    return default if element is None else element.get(name, default)


def _name(element: etree._Element | None, lang: str) -> dict[str, str]:
    return {"Value": _attr(element, "Value"), "Language": lang}


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0


def _icecat_date(iso: str) -> str:
    """'2016-02-22' → '22-02-2016' (the JSON API's ReleaseDate format)."""
    parts = iso.strip().split("-")
    return f"{parts[2]}-{parts[1]}-{parts[0]}" if len(parts) == 3 else ""


def _updated(product: etree._Element) -> str:
    description = product.find("ProductDescription")
    if description is not None and description.get("Updated"):
        return description.get("Updated", DEFAULT_UPDATED)
    stamps = [
        e.get("UpdatedDate") or e.get("Date") or ""
        for e in product.iter("ProductPicture", "MultimediaObject")
    ]
    stamps = [s for s in stamps if s]
    if stamps:
        return max(stamps)
    release = product.get("ReleaseDate", "")
    return f"{release} 00:00:00" if release else DEFAULT_UPDATED


def _text_date(product: etree._Element, tag: str) -> str:
    element = product.find(tag)
    return _icecat_date(element.text or "") if element is not None and element.text else ""


def _general_info(product: etree._Element, lang: str) -> dict[str, Any]:
    supplier = product.find("Supplier")
    category = product.find("Category")
    description = product.find("ProductDescription")
    summary = product.find("SummaryDescription")
    family = product.find("ProductFamily")
    series = family.find("Series") if family is not None else None
    gtins = [e.get("EAN", "") for e in product.findall("EANCode")]
    generated = [e.get("Value", "") for e in product.findall("GeneratedBulletPoints/GeneratedBulletPoint")]
    bullets = [e.get("Value", "") or (e.text or "") for e in product.findall("BulletPoints/BulletPoint")]
    brand_logo = _attr(supplier, "LogoPic")
    return {
        "IcecatId": _int(product.get("ID", "0")),
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
        "Brand": _attr(supplier, "Name"),
        "BrandID": _attr(supplier, "ID"),
        "BrandLogo": brand_logo,
        "BrandInfo": {"BrandName": _attr(supplier, "Name"), "BrandLocalName": "", "BrandLogo": brand_logo},
        "ProductName": product.get("Name", ""),
        "ProductNameInfo": {
            "ProductIntName": product.get("IntName", product.get("Name", "")),
            "ProductLocalName": {"Value": product.get("LocalName", ""), "Language": lang},
        },
        "BrandPartCode": product.get("Prod_id", ""),
        "GTIN": gtins,
        "Category": {
            "CategoryID": _attr(category, "ID"),
            "Name": _name(category.find("Name") if category is not None else None, lang),
        },
        "ProductFamily": (
            {
                "ProductFamilyID": _attr(family, "ID"),
                "Value": _attr(family.find("Name"), "Value"),
                "Language": lang,
            }
            if family is not None and _attr(family, "ID") not in ("", "1")
            else {}
        ),
        "ProductSeries": {"SeriesID": _attr(series, "ID", "1")},
        "Description": {
            "ID": _attr(description, "ID"),
            "LongDesc": _attr(description, "LongDesc"),
            "LongProductName": _attr(description, "ShortDesc"),
            "MiddleDesc": _attr(description, "MiddleDesc"),
            "Disclaimer": "",
            "ManualPDFURL": _attr(description, "ManualPDFURL"),
            "ManualPDFSize": _attr(description, "ManualPDFSize"),
            "LeafletPDFURL": _attr(description, "PDFURL"),
            "PDFSize": _attr(description, "PDFSize"),
            "URL": _attr(description, "URL"),
            "WarrantyInfo": _attr(description, "WarrantyInfo"),
            "Updated": _updated(product),
            "Language": lang,
        },
        "SummaryDescription": {
            "ShortSummaryDescription": (summary.findtext("ShortSummaryDescription") or "")
            if summary is not None
            else "",
            "LongSummaryDescription": (summary.findtext("LongSummaryDescription") or "")
            if summary is not None
            else "",
        },
        "BulletPoints": {"Language": lang, "Values": bullets} if bullets else {},
        "GeneratedBulletPoints": {"Language": lang, "Values": generated} if generated else {},
        "GTINs": [
            {"GTIN": e.get("EAN", ""), "IsApproved": e.get("IsApproved", "1") == "1"}
            for e in product.findall("EANCode")
        ],
    }


def _image(product: etree._Element) -> dict[str, str]:
    keys = (
        "HighPic",
        "HighPicSize",
        "HighPicHeight",
        "HighPicWidth",
        "LowPic",
        "LowPicSize",
        "LowPicHeight",
        "LowPicWidth",
        "Pic500x500",
        "Pic500x500Size",
        "Pic500x500Height",
        "Pic500x500Width",
        "ThumbPic",
        "ThumbPicSize",
    )
    return {key: product.get(key, "") for key in keys}


def _gallery(product: etree._Element) -> list[dict[str, Any]]:
    return [
        {
            "ID": p.get("ProductPicture_ID", ""),
            "LowPic": p.get("LowPic", ""),
            "LowSize": p.get("LowSize", ""),
            "LowHeight": p.get("LowPicHeight", ""),
            "LowWidth": p.get("LowPicWidth", ""),
            "ThumbPic": p.get("ThumbPic", ""),
            "ThumbPicSize": p.get("ThumbSize", ""),
            "Pic": p.get("Pic", ""),
            "Size": p.get("Size", ""),
            "PicHeight": p.get("PicHeight", ""),
            "PicWidth": p.get("PicWidth", ""),
            "Pic500x500": p.get("Pic500x500", ""),
            "Pic500x500Size": p.get("Pic500x500Size", ""),
            "Pic500x500Height": p.get("Pic500x500Height", ""),
            "Pic500x500Width": p.get("Pic500x500Width", ""),
            "No": p.get("No", ""),
            "IsMain": p.get("IsMain", "N"),
            "Updated": p.get("UpdatedDate", ""),
            "IsPrivate": "0",
            "Type": p.get("Type", "ProductImage"),
            "Attributes": {"OriginalFileName": ""},
        }
        for p in product.findall("ProductGallery/ProductPicture")
    ]


def _multimedia(product: etree._Element, lang: str) -> list[dict[str, Any]]:
    items = []
    for m in product.findall("ProductMultimediaObject/MultimediaObject"):
        is_video = m.get("ContentType", "").startswith("video/")
        item: dict[str, Any] = {
            "ID": m.get("UUID", m.get("MultimediaObject_ID", "")),
            "URL": m.get("URL", ""),
            "Type": m.get("Type", ""),
            "ContentType": m.get("ContentType", ""),
            "KeepAsUrl": m.get("KeepAsURL", "0"),
            "Description": m.get("Description", ""),
            "Size": m.get("Size", ""),
            "IsPrivate": "0",
            "Updated": m.get("Date", ""),
            "Language": LANGID_TO_LANG.get(m.get("langid", ""), lang),
            "IsVideo": int(is_video),
        }
        if is_video:
            item.update(ThumbUrl=m.get("ThumbUrl", ""), PreviewUrl=m.get("PreviewUrl", ""))
        items.append(item)
    return items


def _feature_type(value: str, sign: str) -> str:
    """XML data-sheets do not carry the feature type; infer it like the JSON API reports it."""
    if value in ("Y", "N"):
        return "y_n"
    try:
        float(value)
    except ValueError:
        return "dropdown"
    return "numerical" if sign or value else "dropdown"


def _signs(measure: etree._Element | None, lang: str) -> dict[str, str]:
    sign = measure.find("Signs/Sign") if measure is not None else None
    return {"ID": _attr(sign, "ID"), "_": (sign.text or "") if sign is not None else "", "Language": lang}


def _feature(pf: etree._Element, lang: str) -> dict[str, Any]:
    feature = pf.find("Feature")
    measure = feature.find("Measure") if feature is not None else None
    local_value = pf.find("LocalValue")
    value = pf.get("Value", "")
    return {
        "Localized": _int(pf.get("Localized", "0")),
        "ID": _int(pf.get("ID", "0")),
        "LocalID": _int(pf.get("Local_ID", "0")),
        "Type": _feature_type(value, _attr(measure, "Sign")),
        "Value": value,
        "CategoryFeatureId": pf.get("CategoryFeature_ID", ""),
        "CategoryFeatureGroupID": pf.get("CategoryFeatureGroup_ID", ""),
        "SortNo": pf.get("No", ""),
        "PresentationValue": pf.get("Presentation_Value", ""),
        "RawValue": value,
        "LocalValue": _attr(local_value, "Value"),
        "Description": "",
        "Mandatory": pf.get("Mandatory", "0"),
        "Searchable": pf.get("Searchable", "0"),
        "Optional": pf.get("Optional", "0"),
        "Feature": {
            "ID": _attr(feature, "ID"),
            "Sign": "",
            "Measure": {
                "ID": _attr(measure, "ID"),
                "Sign": _attr(measure, "Sign"),
                "Signs": _signs(measure, lang),
            },
            "Name": _name(feature.find("Name") if feature is not None else None, lang),
        },
    }


def _features_groups(product: etree._Element, lang: str) -> list[dict[str, Any]]:
    features_by_group: dict[str, list[dict[str, Any]]] = {}
    for pf in product.findall("ProductFeature"):
        features_by_group.setdefault(pf.get("CategoryFeatureGroup_ID", ""), []).append(_feature(pf, lang))
    groups = []
    for cfg in product.findall("CategoryFeatureGroup"):
        features = features_by_group.get(cfg.get("ID", ""))
        if not features:
            continue
        group = cfg.find("FeatureGroup")
        groups.append(
            {
                "ID": _int(cfg.get("ID", "0")),
                "SortNo": cfg.get("No", ""),
                "FeatureGroup": {
                    "ID": _attr(group, "ID"),
                    "Name": _name(group.find("Name") if group is not None else None, lang),
                },
                "Features": features,
            }
        )
    return sorted(groups, key=lambda g: -_int(g["SortNo"]))


def _feature_logos(product: etree._Element, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "LogoPic": logo.get("LogoPic", ""),
            "Width": logo.get("Width", ""),
            "Height": logo.get("Height", ""),
            "Size": logo.get("Size", ""),
            "ThumbPic": "",
            "FeatureID": logo.get("Feature_ID", ""),
            "Value": logo.get("Value", ""),
            "KeyLogo": 0,
            "Description": {"Value": logo.findtext("Descriptions/Description") or "", "Language": lang},
        }
        for logo in product.findall("FeatureLogo")
    ]


def _reasons_to_buy(product: etree._Element, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "ReasonToBuyID": r.get("ID", ""),
            "Value": r.get("Value", ""),
            "HighPic": r.get("HighPic", ""),
            "HighPicSize": r.get("HighPicSize", ""),
            "No": r.get("No", ""),
            "Title": r.get("Title", ""),
            "Language": lang,
            "Updated": "",
            "Origin": r.get("origin", "RTB"),
            "IsPrivate": "0",
        }
        for r in product.findall("ReasonsToBuy/ReasonToBuy")
    ]


def _related(product: etree._Element) -> list[dict[str, Any]]:
    related = []
    for rel in product.findall("ProductRelated"):
        other = rel.find("Product")
        supplier = other.find("Supplier") if other is not None else None
        related.append(
            {
                "ID": _int(rel.get("ID", "0")),
                "CategoryID": _int(rel.get("Category_ID", "0")),
                "Preferred": _int(rel.get("Preferred", "0")),
                "IcecatID": _int(_attr(other, "ID", "0")),
                "ProductCode": _attr(other, "Prod_id"),
                "ThumbPic": _attr(other, "ThumbPic"),
                "ProductName": _attr(other, "Name"),
                "Brand": _attr(supplier, "Name"),
                "BrandID": _int(_attr(supplier, "ID", "0")),
                "ProductRelatedLocales": [
                    {
                        "ID": _int(loc.get("ID", "0")),
                        "Language": LANGID_TO_LANG.get(loc.get("langid", ""), "EN"),
                        "Preferred": _int(loc.get("Preferred", "0")),
                        "StartDate": loc.get("StartDate", ""),
                        "EndDate": loc.get("EndDate", ""),
                    }
                    for loc in rel.findall("ProductRelatedLocales/ProductRelatedLocale")
                ],
            }
        )
    return related


def xml_to_json_data(xml_bytes: bytes) -> dict[str, Any]:
    """The JSON API's `data` object (without `DemoAccount`, which depends on the caller) for a data-sheet."""
    product = parse_product(xml_bytes)
    lang = document_language(product)
    data: dict[str, Any] = {
        "GeneralInfo": _general_info(product, lang),
        "Image": _image(product),
        "Multimedia": _multimedia(product, lang),
        "Gallery": _gallery(product),
        "FeaturesGroups": _features_groups(product, lang),
        "FeatureLogos": _feature_logos(product, lang),
        "ReasonsToBuy": _reasons_to_buy(product, lang),
        "Reviews": [],
        "ProductRelated": _related(product),
    }
    page = product.find("CatalogObjectCloud/ProductPage")
    if page is not None:
        data["CatalogObjectCloud"] = {
            "ProductPage": {"QRCodeURL": page.get("QRCodeURL", ""), "URL": page.get("URL", "")}
        }
    data.update(Variants=[], ProductStory=[], Dictionary={})
    return data
