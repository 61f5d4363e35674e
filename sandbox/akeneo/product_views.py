"""The product as Akeneo's reads return it: the identifier API's and the UUID API's shapes, the filtered
values (`scope`, `locales`, `attributes`), media download links and completeness per channel and locale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sandbox.akeneo.catalog import MEDIA_TYPES, Catalog


@dataclass(frozen=True)
class ReadOptions:
    """The `scope`, `locales` and `attributes` query parameters: which values a read returns."""

    scope: str | None = None
    locales: frozenset[str] | None = None
    attributes: frozenset[str] | None = None
    with_completenesses: bool = False


def product_url(base_url: str, identifier: str) -> str:
    return f"{base_url}/api/rest/v1/products/{quote(identifier, safe='')}"


def render(
    product: dict[str, Any], base_url: str, catalog: Catalog, options: ReadOptions = ReadOptions()
) -> dict[str, Any]:
    """The product exactly as Akeneo's GET returns it (key order, media download links, filtered values)."""
    values: dict[str, list[dict[str, Any]]] = {}
    for code, entries in product["values"].items():
        if options.attributes is not None and code not in options.attributes:
            continue
        attribute = catalog.attribute(code) or {}
        kept = []
        for entry in entries:
            if options.scope is not None and entry["scope"] not in (None, options.scope):
                continue
            if options.locales is not None and entry["locale"] is not None and entry["locale"] not in options.locales:
                continue
            shown = dict(entry)
            if attribute.get("type") in MEDIA_TYPES:
                shown["_links"] = {"download": {"href": f"{base_url}/api/rest/v1/media-files/{entry['data']}/download"}}
            kept.append(shown)
        if kept:
            values[code] = kept
    return {
        "_links": {"self": {"href": product_url(base_url, product["identifier"] or "")}},
        "identifier": product["identifier"],
        "enabled": product["enabled"],
        "family": product["family"],
        "categories": product["categories"],
        "groups": product["groups"],
        "parent": product["parent"],
        "values": values,
        "created": product["created"],
        "updated": product["updated"],
        "associations": product["associations"],
        "quantified_associations": product["quantified_associations"],
    }


def completeness(product: dict[str, Any], catalog: Catalog, channel_code: str) -> dict[str, int]:
    """Percent of the family's required attributes filled, per locale of the channel."""
    channel = catalog.channel(channel_code) or {}
    family = catalog.entities["families"].get(product.get("family") or "")
    required = (family or {}).get("attribute_requirements", {}).get(channel_code, [])
    result = {}
    for locale in channel.get("locales", []):
        if not required:
            result[locale] = 100 if family else 0
            continue
        filled = 0
        for code in required:
            attribute = catalog.attribute(code) or {}
            if code == catalog.identifier_attribute:
                filled += 1
                continue
            wanted = (
                locale if attribute.get("localizable") else None,
                channel_code if attribute.get("scopable") else None,
            )
            filled += any((entry["locale"], entry["scope"]) == wanted for entry in product["values"].get(code, []))
        result[locale] = filled * 100 // len(required)
    return result


def render_by_uuid(
    product: dict[str, Any], base_url: str, catalog: Catalog, options: ReadOptions = ReadOptions()
) -> dict[str, Any]:
    """The product as `/products-uuid` returns it: `uuid` first, the identifier as a value of the main
    identifier attribute (absent when the product has none)."""
    body = render(product, base_url, catalog, options)
    del body["_links"], body["identifier"]
    main = catalog.identifier_attribute
    if product["identifier"] is not None and (options.attributes is None or main in options.attributes):
        body["values"] = {main: [{"locale": None, "scope": None, "data": product["identifier"]}], **body["values"]}
    links = {"self": {"href": f"{base_url}/api/rest/v1/products-uuid/{product['uuid']}"}}
    return {"_links": links, "uuid": product["uuid"], **body}


def completenesses(product: dict[str, Any], catalog: Catalog) -> list[dict[str, Any]]:
    """`with_completenesses=true`: the completeness of every channel and locale, Akeneo's list shape."""
    return [
        {"scope": channel, "locale": locale, "data": percent}
        for channel in sorted(catalog.entities["channels"])
        for locale, percent in sorted(completeness(product, catalog, channel).items())
    ]
