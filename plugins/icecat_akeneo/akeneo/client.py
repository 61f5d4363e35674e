"""What the connector asks of Akeneo (5.0, 6.0, 7.0 and SaaS): products, media, the catalogue structure.

Shared by extract, load and preflight. How the calls travel (token, concurrency, retries, circuit breaker,
error classes) is `transport.py`. Products are listed with `search_after` (the only way past 10,000
products) and yielded page by page, so memory stays bounded whatever the catalogue size.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import replace
from typing import Any
from urllib.parse import quote, unquote

import httpx

from icecat_akeneo.akeneo.api_mode import ApiInfo, decide_api_mode
from icecat_akeneo.akeneo.lines import LineResult
from icecat_akeneo.akeneo.transport import (
    COLLECTION_CONTENT_TYPE,
    MAX_COLLECTION_LINES,
    MAX_PAGE_SIZE,
    MAX_PARALLEL_CALLS_PER_CONNECTION,
    AkeneoSettings,
    AkeneoTransport,
)
from icecat_akeneo.retry import RetryPolicy

__all__ = ["API", "COLLECTION_CONTENT_TYPE", "MAX_COLLECTION_LINES", "MAX_PAGE_SIZE",
           "MAX_PARALLEL_CALLS_PER_CONNECTION", "AkeneoClient", "AkeneoSettings"]

API = "/api/rest/v1"
ONE_ATTEMPT = RetryPolicy(max_attempts=1)
SELECT_TYPES = frozenset({"pim_catalog_simpleselect", "pim_catalog_multiselect"})


def most_matches(search: Mapping[str, Any]) -> int | None:
    """How many products `search` can match at most: an `identifier` or `uuid IN` of n values matches n (both
    are unique); None when unbounded. Paging stops there: a full last page would otherwise cost one more
    request for an empty page (a read-back of 10,000 products in searches of 100: 200 requests, not 100)."""
    bounds = [len(condition["value"]) for key in ("identifier", "uuid") for condition in search.get(key) or []
              if condition.get("operator") == "IN" and isinstance(condition.get("value"), list)]
    return min(bounds) if bounds else None


class AkeneoClient(AkeneoTransport):
    """Use as `async with AkeneoClient(settings) as akeneo: ...`.

    In UUID mode (`address_by_uuid`) the product calls still take the run's product keys (identifier, or uuid
    for a product without one) but travel through `/products-uuid` by uuid, so a renamed or empty identifier
    never misaddresses a write; answers come back named by the key the caller used."""

    _uuids: dict[str, str] | None = None

    def address_by_uuid(self, uuids: Mapping[str, str]) -> None:
        """From now on address the products of `{key: uuid}` by uuid (7.0 / SaaS)."""
        self._uuids = dict(uuids)

    # -- products ----------------------------------------------------------------------------------------

    async def check_credentials(self) -> None:
        """Fetch a token: raises `AkeneoAuthError` when the credentials are refused."""
        await self._tokens.access_token()

    async def iter_product_pages(
        self,
        search: dict[str, Any],
        *,
        scope: str | None = None,
        locales: list[str] | None = None,
        attributes: list[str] | None = None,
        with_completenesses: bool = False,
        by_uuid: bool = False,
    ) -> AsyncIterator[list[dict]]:
        """Products matching `search`, one page (≤ page_size) at a time, in Akeneo's search_after order;
        `with_completenesses` adds each product's `completenesses` per channel and locale; `by_uuid` pages
        `/products-uuid` (7.0 / SaaS: products without an identifier are listed too)."""
        params: dict[str, Any] = {"pagination_type": "search_after", "limit": self.settings.page_size}
        if search:
            params["search"] = json.dumps(search, separators=(",", ":"))
        if scope:
            params["scope"] = scope
        if locales:
            params["locales"] = ",".join(locales)
        if attributes:
            params["attributes"] = ",".join(attributes)
        if with_completenesses:
            params["with_completenesses"] = "true"
        path = f"{API}/products-uuid" if by_uuid else f"{API}/products"
        left = most_matches(search or {})
        async with aclosing(self._iter_pages("products_list", path, params)) as pages:
            async for page in pages:
                yield page
                if left is not None and (left := left - len(page)) <= 0:
                    return

    async def api_info(self, forced: str = "auto") -> ApiInfo:
        """Which products API to use (`api_mode.py`): `forced` (`uuid`/`identifier`) wins; else what
        system-information declares, else whether the route list has `/products-uuid`."""
        reply = await self._send("system_information", "GET", f"{API}/system-information")
        info: dict[str, Any] = reply.response.json() if reply.response.is_success else {}
        root = await self._get_json("route_list", API) if forced == "auto" and not info else None
        return decide_api_mode(forced, info, root)

    async def get_product_by_uuid(self, product_uuid: str) -> dict | None:
        """The product (7.0 / SaaS), or None when Akeneo does not know this uuid."""
        return await self._get_or_none("product_get", f"{API}/products-uuid/{quote(product_uuid, safe='')}")

    async def patch_products_by_uuid(self, lines: list[dict[str, Any]]) -> list[LineResult]:
        """`patch_products` through `/products-uuid`: lines and answers carry `uuid`."""
        return await self._patch_collection("products_patch", f"{API}/products-uuid", lines, key_field="uuid")

    async def get_product(self, identifier: str) -> dict | None:
        """The product, or None when Akeneo does not know it."""
        if self._uuids is not None and identifier in self._uuids:
            return await self.get_product_by_uuid(self._uuids[identifier])
        return await self._get_or_none("product_get", f"{API}/products/{quote(identifier, safe='')}")


    async def patch_products(self, lines: list[dict[str, Any]]) -> list[LineResult]:
        """Upsert up to 100 products in one collection PATCH; one `LineResult` per line, in order (by uuid in
        UUID mode: each line's `identifier` is replaced by its product's `uuid`, each answer checked by it)."""
        if self._uuids is None:
            return await self._patch_collection("products_patch", f"{API}/products", lines)
        results: dict[int, LineResult] = {}
        addressed: list[tuple[int, dict[str, Any]]] = []
        for number, line in enumerate(lines, start=1):
            product_uuid = self._uuids.get(str(line.get("identifier")))
            if product_uuid is None:
                results[number] = LineResult(number, line.get("identifier"), 0, "no uuid known for this product "
                                             "in UUID mode; not sent", sent=line)
            else:
                body = {key: value for key, value in line.items() if key != "identifier"}
                addressed.append((number, {"uuid": product_uuid, **body}))
        answers = await self.patch_products_by_uuid([body for _, body in addressed])
        for (number, _), answer in zip(addressed, answers, strict=True):
            line = lines[number - 1]
            results[number] = replace(answer, line=number, identifier=line.get("identifier"), sent=line)
        return [results[number] for number in sorted(results)]

    async def patch_product(self, identifier: str, body: dict[str, Any]) -> LineResult:
        return await self._write_one(
            "product_patch", "PATCH", f"{API}/products/{quote(identifier, safe='')}", body, identifier
        )

    async def upload_media(
        self,
        identifier: str,
        attribute: str,
        locale: str | None,
        scope: str | None,
        filename: str,
        content: bytes,
        product_uuid: str | None = None,
    ) -> LineResult:
        """Upload a file into a product's image/file attribute (Akeneo sets the value itself), one attempt:
        the caller decides whether a failed upload may be sent again (a lost answer may hide a stored file).
        With `product_uuid` the product is addressed by uuid (UUID mode: its identifier may be empty).

        Success: status 201 and the media code as `message`; else Akeneo's status, message and `errors`."""
        product_uuid = product_uuid or (self._uuids or {}).get(identifier)
        address = {"uuid": product_uuid} if product_uuid else {"identifier": identifier}
        product = {**address, "attribute": attribute, "scope": scope, "locale": locale}
        reply = await self._send(
            "media_upload",
            "POST",
            f"{API}/media-files",
            retry=ONE_ATTEMPT,
            data={"product": json.dumps(product)},
            files={"file": (filename, content)},
        )
        response = reply.response
        if response.status_code != 201:
            try:
                body = response.json()
            except ValueError:
                body = {}
            errors = body.get("errors") if isinstance(body, dict) else None
            return LineResult(1, identifier, response.status_code, self._message(response), list(errors or []))
        location = httpx.URL(response.headers.get("Location", "")).path
        _, found, code = location.partition("/media-files/")
        return LineResult(1, identifier, 201, unquote(code) if found else "")

    async def download_media(self, code: str) -> bytes | None:
        """The content of a media file Akeneo stores, or None when it has no file with that code."""
        reply = await self._send("media_download", "GET", f"{API}/media-files/{quote(code, safe='/')}/download")
        if reply.response.status_code == 404:
            return None
        self._raise_unless_success(reply.response, "GET")
        return reply.response.content

    # -- catalogue structure -------------------------------------------------------------------------------

    async def get_taxonomy(self, attribute_codes: list[str] | None = None) -> dict[str, Any]:
        """The catalogue structure in the shape of `extract/taxonomy.json`; every list is fully paged."""
        page = {"limit": MAX_PAGE_SIZE}
        attributes = await self._list("attributes", f"{API}/attributes", page)
        if attribute_codes is not None:
            wanted = set(attribute_codes)
            attributes = [attribute for attribute in attributes if attribute["code"] in wanted]
        select_codes = [
            attribute["code"] for attribute in attributes if attribute.get("type") in SELECT_TYPES
        ]
        options, channels, locales, families, measurement_families, currencies = await asyncio.gather(
            asyncio.gather(
                *(
                    self._list("attribute_options", f"{API}/attributes/{quote(code, safe='')}/options", page)
                    for code in select_codes
                )
            ),
            self._list("channels", f"{API}/channels", page),
            self._list("locales", f"{API}/locales", page),
            self._list("families", f"{API}/families", page),
            self._list("measurement_families", f"{API}/measurement-families"),
            self._list("currencies", f"{API}/currencies", page),
        )
        return {
            "attributes": attributes,
            "attribute_options": dict(zip(select_codes, options, strict=True)),
            "channels": channels,
            "locales": locales,
            "families": families,
            "measurement_families": measurement_families,
            "currencies": currencies,
        }

    async def create_attribute(self, body: dict[str, Any]) -> LineResult:
        return await self._write_one("attribute_create", "POST", f"{API}/attributes", body, body.get("code"))

    async def patch_attribute_options(self, attribute: str, lines: list[dict[str, Any]]) -> list[LineResult]:
        """Upsert options of a select attribute (Akeneo SaaS limits this route to ~3 calls/s)."""
        path = f"{API}/attributes/{quote(attribute, safe='')}/options"
        return await self._patch_collection("attribute_options_patch", path, lines, key_field="code")

    async def create_attribute_group(self, body: dict[str, Any]) -> LineResult:
        return await self._write_one(
            "attribute_group_create", "POST", f"{API}/attribute-groups", body, body.get("code")
        )

    async def patch_family(self, code: str, body: dict[str, Any]) -> LineResult:
        return await self._write_one(
            "family_patch", "PATCH", f"{API}/families/{quote(code, safe='')}", body, code
        )


    # -- Asset Manager (Enterprise / SaaS) -----------------------------------------------------------------

    async def get_asset(self, family: str, code: str) -> dict | None:
        """The asset, or None when the family holds no asset with that code."""
        path = f"{API}/asset-families/{quote(family, safe='')}/assets/{quote(code, safe='')}"
        return await self._get_or_none("asset_get", path)

    async def upload_asset_media(self, filename: str, content: bytes) -> LineResult:
        """Upload a file for an asset's media attribute, one attempt (as `upload_media`: a lost answer
        may hide a stored file). Success: 201 and the `Asset-media-file-code` header as `message`."""
        reply = await self._send("asset_media_upload", "POST", f"{API}/asset-media-files", retry=ONE_ATTEMPT,
                                 files={"file": (filename, content)})
        response = reply.response
        code = response.headers.get("Asset-media-file-code", "")
        if response.status_code == 201 and code:
            return LineResult(1, filename, 201, code)
        return LineResult(1, filename, response.status_code, self._message(response) or "no Asset-media-file-code")

    async def patch_asset(self, family: str, body: dict[str, Any]) -> LineResult:
        """Create (201) or update (204) one asset of `family` from its standard format."""
        path = f"{API}/asset-families/{quote(family, safe='')}/assets/{quote(str(body['code']), safe='')}"
        return await self._write_one("asset_patch", "PATCH", path, body, str(body["code"]))

    async def get_asset_family(self, code: str) -> dict | None:
        """The asset family (its `attribute_as_main_media` is where an asset's file goes), or None."""
        return await self._get_or_none("asset_family_get", f"{API}/asset-families/{quote(code, safe='')}")

    async def _get_or_none(self, kind: str, path: str) -> dict | None:
        """The resource, or None on a 404."""
        reply = await self._send(kind, "GET", path)
        if reply.response.status_code == 404:
            return None
        self._raise_unless_success(reply.response, "GET")
        return reply.response.json()

    # -- product models and family variants (variant catalogues, `catalog.levels`) ---------------------------

    async def get_family_variants(self, family: str) -> list[dict[str, Any]]:
        """The family variants of a family (`code`, `variant_attribute_sets` with `level`, `axes`, `attributes`)."""
        path = f"{API}/families/{quote(family, safe='')}/variants"
        return await self._list("family_variants", path, {"limit": MAX_PAGE_SIZE})

    async def get_product_model(self, code: str) -> dict | None:
        """The product model (a sub-model shows its root's values merged in), or None when Akeneo has none."""
        return await self._get_or_none("product_model_get", f"{API}/product-models/{quote(code, safe='')}")

    async def patch_product_models(self, lines: list[dict[str, Any]]) -> list[LineResult]:
        """Upsert up to 100 product models (`{"code", "values"}` lines); answers keyed by `code`, in order."""
        return await self._patch_collection("product_models_patch", f"{API}/product-models", lines, key_field="code")
