"""The products the sandbox knows: real samples, templated products, synthetic products.

A product is an identity (Icecat id, brand, MPN, GTINs, category, sponsor flag) plus its documents per
language: JSON `data` objects and/or raw XML data-sheets. Lookups follow Icecat: any GTIN of the product
matches, with or without leading zeros (12- vs 13-digit forms); brand is case-insensitive.
Synthetic products are computed from their index on demand so that 100k of them cost no memory.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.icecat.languages import FALLBACK_LANGUAGE
from sandbox.icecat.xml_to_json import document_language, parse_product, xml_to_json_data
from sandbox.synthetic import (
    ean13_check_digit,
    synthetic_brand,
    synthetic_gtin,
    synthetic_icecat_id,
    synthetic_mpn,
)

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SYNTHETIC_LANGUAGES = ("EN", "DE", "FR")


def gtin_key(gtin: str) -> str:
    """GTINs compare without their leading zeros: 0882780751682 and 882780751682 are one product."""
    return gtin.strip().lstrip("0")


def gtin_forms(gtin: str) -> list[str]:
    """The forms the JSON API lists for one GTIN: the 13-digit one, then the 12-digit UPC when it has a 0."""
    thirteen = gtin.zfill(13)
    return [thirteen, thirteen[1:]] if thirteen.startswith("0") else [thirteen]


@dataclass(frozen=True)
class Identity:
    """Who a derived product is; `{lang}` in `title` becomes the document's language."""

    icecat_id: int
    brand: str
    mpn: str
    gtin: str
    title: str


@dataclass
class Product:
    icecat_id: int
    brand: str
    brand_id: str
    mpn: str
    gtins: list[str]
    category_id: str
    updated: str
    sponsor: bool = True
    date_added: str = "2017-01-01 00:00:00"
    index_attrs: dict[str, str] = field(default_factory=dict)  # Model_Name and HighPic* of index files
    json_docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    xml_docs: dict[str, bytes] = field(default_factory=dict)
    converted_xml: dict[str, dict[str, Any]] = field(default_factory=dict)  # XML documents as JSON, cached
    # Derived products build their JSON documents on demand (index listings of 100k products need none).
    derived_languages: tuple[str, ...] = ()
    derive_document: Callable[[str], dict[str, Any]] | None = None

    @property
    def languages(self) -> list[str]:
        return sorted(set(self.json_docs) | set(self.xml_docs) | set(self.derived_languages))

    def json_data(self, lang: str) -> tuple[dict[str, Any], str]:
        """The `data` object for `lang` and the language actually served (fallback EN).

        Only `GeneralInfo` is copied (the one block the sandbox ever changes); the other blocks are shared
        with the stored document and must be treated as read-only.
        """
        served = lang if lang in self.languages else self._fallback()
        if served in self.json_docs:
            stored = self.json_docs[served]
        elif served in self.derived_languages and self.derive_document is not None:
            return self.derive_document(served), served
        else:
            if served not in self.converted_xml:
                self.converted_xml[served] = xml_to_json_data(self.xml_docs[served])
            stored = self.converted_xml[served]
        return {**stored, "GeneralInfo": copy.deepcopy(stored["GeneralInfo"])}, served

    def xml_doc(self, lang: str) -> bytes | None:
        if lang in self.xml_docs:
            return self.xml_docs[lang]
        return self.xml_docs.get(FALLBACK_LANGUAGE) or next(iter(self.xml_docs.values()), None)

    def _fallback(self) -> str:
        return FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in self.languages else self.languages[0]


def _load_json(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(document, list) and document:  # the airbyte fixture wraps one response in a list
        document = document[0]
    if not isinstance(document, dict):
        return None
    data = document.get("data", document)
    return data if isinstance(data, dict) and isinstance(data.get("GeneralInfo"), dict) else None


def _json_language(path: Path, data: dict[str, Any]) -> str:
    suffix = path.stem.rsplit("_", 1)[-1].upper()
    if len(suffix) == 2 and suffix.isalpha():
        return suffix
    return str(data["GeneralInfo"].get("Category", {}).get("Name", {}).get("Language") or FALLBACK_LANGUAGE)


def _index_attrs(data: dict[str, Any]) -> dict[str, str]:
    image = data.get("Image") or {}
    return {
        "Model_Name": str(data["GeneralInfo"].get("ProductName", "")),
        **{
            key: str(image.get(key, ""))
            for key in ("HighPic", "HighPicSize", "HighPicWidth", "HighPicHeight")
        },
    }


def _product_from_json(data: dict[str, Any]) -> Product:
    info = data["GeneralInfo"]
    return Product(
        index_attrs=_index_attrs(data),
        icecat_id=int(info["IcecatId"]),
        brand=str(info.get("Brand", "")),
        brand_id=str(info.get("BrandID", "")),
        mpn=str(info.get("BrandPartCode", "")),
        gtins=[str(g) for g in info.get("GTIN") or []],
        category_id=str(info.get("Category", {}).get("CategoryID", "")),
        updated=str(info.get("Description", {}).get("Updated") or "2017-01-01 00:00:00"),
    )


class Catalog:
    """Products loaded from sample folders, with the three lookup indexes."""

    def __init__(self) -> None:
        self.products: dict[int, Product] = {}
        self._by_gtin: dict[str, int] = {}
        self._by_brand_mpn: dict[tuple[str, str], int] = {}

    def load_folder(self, folder: Path) -> None:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() == ".json":
                data = _load_json(path)
                if data is not None:
                    self._merge(_product_from_json(data), "json", _json_language(path, data), data)
            elif path.suffix.lower() == ".xml":
                self._load_xml(path)

    def _load_xml(self, path: Path) -> None:
        raw = path.read_bytes()
        try:
            element = parse_product(raw)
        except (ValueError, SyntaxError):
            return  # index files, error answers, anything that is not a data-sheet
        data = xml_to_json_data(raw)
        self._merge(_product_from_json(data), "xml", document_language(element), raw)

    def _merge(self, product: Product, kind: str, lang: str, document: Any) -> None:
        existing = self.products.setdefault(product.icecat_id, product)
        if existing is not product:
            existing.gtins = list(dict.fromkeys(existing.gtins + product.gtins))
            if not existing.json_docs:
                existing.updated = max(existing.updated, product.updated)
        if kind == "json":
            existing.updated = product.updated  # the JSON API's Description.Updated is the product's date
            document = {k: v for k, v in document.items() if k != "DemoAccount"}
            existing.json_docs.setdefault(lang, document)
        else:
            existing.xml_docs.setdefault(lang, document)
        self.add(existing)

    def add(self, product: Product) -> None:
        self.products[product.icecat_id] = product
        for gtin in product.gtins:
            self._by_gtin[gtin_key(gtin)] = product.icecat_id
        self._by_brand_mpn[(product.brand.lower(), product.mpn.lower())] = product.icecat_id

    def by_gtin(self, gtin: str) -> Product | None:
        icecat_id = self._by_gtin.get(gtin_key(gtin))
        return self.products.get(icecat_id) if icecat_id is not None else None

    def by_brand_mpn(self, brand: str, mpn: str) -> Product | None:
        icecat_id = self._by_brand_mpn.get((brand.strip().lower(), mpn.strip().lower()))
        return self.products.get(icecat_id) if icecat_id is not None else None

    def by_id(self, icecat_id: int) -> Product | None:
        return self.products.get(icecat_id)

    def templates(self) -> list[Product]:
        """Real sample products in a stable order, the models for derived and synthetic products."""
        return sorted((p for p in self.products.values() if p.sponsor), key=lambda p: p.icecat_id)


def _relabel(data: dict[str, Any], identity: Identity, lang: str, updated: str) -> dict[str, Any]:
    info = data["GeneralInfo"]
    info["IcecatId"] = identity.icecat_id
    info["Brand"] = identity.brand
    info["BrandInfo"] = {**info.get("BrandInfo", {}), "BrandName": identity.brand}
    info["BrandPartCode"] = identity.mpn
    forms = gtin_forms(identity.gtin) if identity.gtin else []
    info["GTIN"] = forms
    info["GTINs"] = [{"GTIN": g, "IsApproved": True} for g in forms]
    title = identity.title.replace("{lang}", lang)
    info["Title"] = title
    title_info = info.setdefault("TitleInfo", {})
    title_info["GeneratedLocalTitle"] = {"Value": title, "Language": lang}
    title_info["GeneratedIntTitle"] = f"{identity.brand} {identity.mpn}"
    info["ProductName"] = identity.mpn
    description = info.setdefault("Description", {})
    description.update(Updated=updated, Language=lang)
    return data


def derive_product(
    template: Product, identity: Identity, languages: tuple[str, ...], updated: str, *, sponsor: bool = True
) -> Product:
    """A new product with `template`'s content and `identity`'s ids, in `languages` (JSON documents)."""

    def document(lang: str) -> dict[str, Any]:
        return _relabel(template.json_data(lang)[0], identity, lang, updated)

    return Product(
        icecat_id=identity.icecat_id,
        brand=identity.brand,
        brand_id=template.brand_id,
        mpn=identity.mpn,
        gtins=gtin_forms(identity.gtin) if identity.gtin else [],
        category_id=template.category_id,
        updated=updated,
        sponsor=sponsor,
        date_added=updated,
        derived_languages=languages,
        derive_document=document,
        index_attrs={**template.index_attrs, "Model_Name": identity.mpn},
    )


class SyntheticCatalog:
    """`count` products computed from their index: product i is derived from template i mod #templates."""

    UPDATED = "2024-01-01 00:00:00"

    def __init__(self, count: int, templates: list[Product]) -> None:
        self.count = count
        self.templates = templates

    def product(self, index: int) -> Product | None:
        if not 0 <= index < self.count or not self.templates:
            return None
        brand, mpn = synthetic_brand(index), synthetic_mpn(index)
        identity = Identity(
            synthetic_icecat_id(index),
            brand,
            mpn,
            synthetic_gtin(index),
            f"{brand} {mpn} synthetic product {index} ({{lang}})",
        )
        template = self.templates[index % len(self.templates)]
        return derive_product(template, identity, SYNTHETIC_LANGUAGES, self.UPDATED)

    def by_gtin(self, gtin: str) -> Product | None:
        digits = gtin.strip().zfill(13)
        if len(digits) != 13 or not digits.isdigit() or not digits.startswith("20"):
            return None
        if ean13_check_digit(digits[:12]) != digits[12]:
            return None
        return self.product(int(digits[2:12]))

    def by_brand_mpn(self, brand: str, mpn: str) -> Product | None:
        prefix, _, number = mpn.strip().upper().partition("-")
        if prefix != "SYN" or not number.isdigit():
            return None
        index = int(number)
        return self.product(index) if synthetic_brand(index).lower() == brand.strip().lower() else None

    def by_id(self, icecat_id: int) -> Product | None:
        return self.product(icecat_id - synthetic_icecat_id(0))

    def ids(self) -> range:
        return range(synthetic_icecat_id(0), synthetic_icecat_id(self.count))
