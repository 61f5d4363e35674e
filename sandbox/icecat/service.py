"""What every Icecat sandbox route shares: settings, state, the fault injector and the lookup/access rules.

The routes live in `routes_content.py` (JSON API, XML interface, index files, media) and
`routes_admin.py` (data creation, `/_sandbox`); they find this object as `request.app.state.icecat`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from fastapi import Request
from fastapi.responses import Response

from sandbox.icecat.auth import Account
from sandbox.icecat.catalog import Catalog, Product
from sandbox.icecat.config import Settings
from sandbox.icecat.errors import XML_NOT_PRESENT, xml_error_response
from sandbox.icecat.faults import FaultInjector
from sandbox.icecat.media import rewrite_media_urls
from sandbox.icecat.render import apply_mutation_xml
from sandbox.icecat.state import SandboxState

GTIN_PATTERN = re.compile(r"^\d{8,14}$")


@dataclass
class Service:
    settings: Settings
    catalog: Catalog
    state: SandboxState
    injector: FaultInjector

    def served_text(self, text: str, request: Request) -> str:
        """`text` with Icecat media URLs pointing at this sandbox (unless --keep-media-urls)."""
        if self.settings.keep_media_urls:
            return text
        return rewrite_media_urls(text, str(request.base_url).rstrip("/"))

    def find(self, kind: str, values: tuple[str, ...]) -> Product | None:
        if kind == "gtin":
            return self.state.by_gtin(values[0])
        if kind == "brand_mpn":
            return self.state.by_brand_mpn(values[0], values[1])
        return self.state.by_id(int(values[0]))

    def check_access(self, product: Product, account: Account) -> int | None:
        """The Icecat error code refusing `account` this product, if any."""
        if not product.sponsor and not account.full:
            return 9
        if account.full and product.category_id in self.settings.restricted_categories:
            return 12
        return None

    def xml_response(self, product: Product, lang: str, request: Request) -> Response:
        document = product.xml_doc(lang)
        if document is None:
            return xml_error_response(XML_NOT_PRESENT)
        document = apply_mutation_xml(document, self.state.mutations.get(product.icecat_id))
        return Response(self.served_text(document.decode("utf-8"), request), media_type="text/xml")


def service_of(request: Request) -> Service:
    return request.app.state.icecat


def lower_params(request: Request) -> dict[str, str]:
    """Query parameters with case-insensitive names; `;` separates like `&` (the XML interface's style)."""
    params: dict[str, str] = {}
    for pair in re.split(r"[;&]", request.url.query):
        key, _, value = pair.partition("=")
        if key:
            params.setdefault(unquote_plus(key).lower(), unquote_plus(value).strip())
    return params


def identifier_of(
    params: dict[str, str], gtin_key: str, brand_key: str, code_key: str, id_key: str
) -> tuple[str, tuple[str, ...]] | None:
    """(lookup kind, values) from the request, or None when the identifiers are missing or malformed."""
    gtin, brand, code, icecat_id = (params.get(k, "") for k in (gtin_key, brand_key, code_key, id_key))
    if gtin:
        return ("gtin", (gtin,)) if GTIN_PATTERN.match(gtin) else None
    if brand or code:
        return ("brand_mpn", (brand, code)) if brand and code else None
    if icecat_id:
        return ("icecat_id", (icecat_id,)) if icecat_id.isdigit() and len(icecat_id) < 12 else None
    return None


def unauthorized() -> Response:
    return Response(
        "Authorization required",
        status_code=401,
        media_type="text/plain",
        headers={"WWW-Authenticate": 'Basic realm="Icecat"'},
    )


async def json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
