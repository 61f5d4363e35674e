"""The repeated sections of an Icecat XML data-sheet (gallery, multimedia, features, logos, reasons to buy,
related products) in the JSON API's shape, plus the small attribute readers `xml_to_json` shares."""

from __future__ import annotations

from typing import Any

from lxml import etree

from sandbox.icecat.languages import LANGID_TO_LANG


def attribute_of(element: etree._Element | None, name: str, default: str = "") -> str:
    return default if element is None else element.get(name, default)


def name_value(element: etree._Element | None, lang: str) -> dict[str, str]:
    return {"Value": attribute_of(element, "Value"), "Language": lang}


def as_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0


def picked(element: etree._Element, spec: str, **fixed: Any) -> dict[str, Any]:
    """JSON keys copied from XML attributes: `spec` lists `JsonKey` or `JsonKey=XmlAttribute` (default "")."""
    copied: dict[str, Any] = {}
    for item in spec.split():
        key, _, attribute = item.partition("=")
        copied[key] = element.get(attribute or key, "")
    return {**copied, **fixed}


def gallery(product: etree._Element) -> list[dict[str, Any]]:
    spec = (
        "ID=ProductPicture_ID LowPic LowSize LowHeight=LowPicHeight LowWidth=LowPicWidth ThumbPic "
        "ThumbPicSize=ThumbSize Pic Size PicHeight PicWidth Pic500x500 Pic500x500Size Pic500x500Height "
        "Pic500x500Width No"
    )
    return [
        picked(
            p,
            spec,
            IsMain=p.get("IsMain", "N"),
            Updated=p.get("UpdatedDate", ""),
            IsPrivate="0",
            Type=p.get("Type", "ProductImage"),
            Attributes={"OriginalFileName": ""},
        )
        for p in product.findall("ProductGallery/ProductPicture")
    ]


def multimedia(product: etree._Element, lang: str) -> list[dict[str, Any]]:
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
    return {"ID": attribute_of(sign, "ID"), "_": (sign.text or "") if sign is not None else "", "Language": lang}


def _feature(pf: etree._Element, lang: str) -> dict[str, Any]:
    feature = pf.find("Feature")
    measure = feature.find("Measure") if feature is not None else None
    local_value = pf.find("LocalValue")
    value = pf.get("Value", "")
    return {
        "Localized": as_int(pf.get("Localized", "0")),
        "ID": as_int(pf.get("ID", "0")),
        "LocalID": as_int(pf.get("Local_ID", "0")),
        "Type": _feature_type(value, attribute_of(measure, "Sign")),
        "Value": value,
        "CategoryFeatureId": pf.get("CategoryFeature_ID", ""),
        "CategoryFeatureGroupID": pf.get("CategoryFeatureGroup_ID", ""),
        "SortNo": pf.get("No", ""),
        "PresentationValue": pf.get("Presentation_Value", ""),
        "RawValue": value,
        "LocalValue": attribute_of(local_value, "Value"),
        "Description": "",
        "Mandatory": pf.get("Mandatory", "0"),
        "Searchable": pf.get("Searchable", "0"),
        "Optional": pf.get("Optional", "0"),
        "Feature": {
            "ID": attribute_of(feature, "ID"),
            "Sign": "",
            "Measure": {
                "ID": attribute_of(measure, "ID"),
                "Sign": attribute_of(measure, "Sign"),
                "Signs": _signs(measure, lang),
            },
            "Name": name_value(feature.find("Name") if feature is not None else None, lang),
        },
    }


def features_groups(product: etree._Element, lang: str) -> list[dict[str, Any]]:
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
                "ID": as_int(cfg.get("ID", "0")),
                "SortNo": cfg.get("No", ""),
                "FeatureGroup": {
                    "ID": attribute_of(group, "ID"),
                    "Name": name_value(group.find("Name") if group is not None else None, lang),
                },
                "Features": features,
            }
        )
    return sorted(groups, key=lambda g: -as_int(g["SortNo"]))


def feature_logos(product: etree._Element, lang: str) -> list[dict[str, Any]]:
    return [
        picked(
            logo,
            "LogoPic Width Height Size FeatureID=Feature_ID Value",
            ThumbPic="",
            KeyLogo=0,
            Description={"Value": logo.findtext("Descriptions/Description") or "", "Language": lang},
        )
        for logo in product.findall("FeatureLogo")
    ]


def reasons_to_buy(product: etree._Element, lang: str) -> list[dict[str, Any]]:
    return [
        picked(
            reason,
            "ReasonToBuyID=ID Value HighPic HighPicSize No Title",
            Language=lang,
            Updated="",
            Origin=reason.get("origin", "RTB"),
            IsPrivate="0",
        )
        for reason in product.findall("ReasonsToBuy/ReasonToBuy")
    ]


def related_products(product: etree._Element) -> list[dict[str, Any]]:
    related = []
    for rel in product.findall("ProductRelated"):
        other = rel.find("Product")
        supplier = other.find("Supplier") if other is not None else None
        related.append(
            {
                "ID": as_int(rel.get("ID", "0")),
                "CategoryID": as_int(rel.get("Category_ID", "0")),
                "Preferred": as_int(rel.get("Preferred", "0")),
                "IcecatID": as_int(attribute_of(other, "ID", "0")),
                "ProductCode": attribute_of(other, "Prod_id"),
                "ThumbPic": attribute_of(other, "ThumbPic"),
                "ProductName": attribute_of(other, "Name"),
                "Brand": attribute_of(supplier, "Name"),
                "BrandID": as_int(attribute_of(supplier, "ID", "0")),
                "ProductRelatedLocales": [
                    {
                        "ID": as_int(loc.get("ID", "0")),
                        "Language": LANGID_TO_LANG.get(loc.get("langid", ""), "EN"),
                        "Preferred": as_int(loc.get("Preferred", "0")),
                        "StartDate": loc.get("StartDate", ""),
                        "EndDate": loc.get("EndDate", ""),
                    }
                    for loc in rel.findall("ProductRelatedLocales/ProductRelatedLocale")
                ],
            }
        )
    return related
