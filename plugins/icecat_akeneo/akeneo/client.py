"""Async client for the Akeneo REST API (5.0, 6.0, 7.0 and SaaS), shared by extract, load and preflight.

Why it looks like this:
- Akeneo SaaS allows about 4 parallel calls per connection and answers 429 above it, so every call goes
  through one semaphore (`max_concurrency`) and 429/5xx/timeouts are retried with the shared `RetryPolicy`,
  which lets the server's Retry-After win.
- A collection PATCH is idempotent (the same values sent twice give the same product), so retrying a
  whole batch after a 429/5xx/timeout is safe. Its per-line statuses are data, returned as `LineResult`s.
- Products are listed with `search_after` (the only way past 10,000 products) and yielded page by page,
  so memory stays bounded whatever the catalogue size.
- Calls are counted per kind so reports and benchmarks can say what a run cost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

import httpx

from icecat_akeneo.akeneo.auth import TOKEN_PATH, TokenProvider
from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoError, message_of
from icecat_akeneo.akeneo.lines import LineResult, encode_line, encode_ndjson, parse_line_results
from icecat_akeneo.akeneo.pagination import LinkPaginator, page_items
from icecat_akeneo.retry import RetryPolicy

log = logging.getLogger(__name__)

API = "/api/rest/v1"
COLLECTION_CONTENT_TYPE = "application/vnd.akeneo.collection+json"
MAX_COLLECTION_LINES = 100
MAX_PAGE_SIZE = 100
SELECT_TYPES = frozenset({"pim_catalog_simpleselect", "pim_catalog_multiselect"})


@dataclass(frozen=True)
class AkeneoSettings:
    """Where and how to reach one Akeneo. Secrets are kept out of `repr` so settings can be logged."""

    base_url: str
    client_id: str
    secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)
    timeout: float = 30.0
    max_concurrency: int = 4
    page_size: int = 100
    retry: RetryPolicy = RetryPolicy()

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"Akeneo page_size must be between 1 and {MAX_PAGE_SIZE}, got {self.page_size}")
        if self.max_concurrency < 1:
            raise ValueError(f"Akeneo max_concurrency must be at least 1, got {self.max_concurrency}")


class Reply(NamedTuple):
    response: httpx.Response
    attempts: int


class AkeneoClient:
    """Use as `async with AkeneoClient(settings) as akeneo: ...`."""

    def __init__(
        self,
        settings: AkeneoSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.base_url,
            timeout=settings.timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=settings.max_concurrency * 2),
        )
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        self._sleep = sleep
        self._tokens = TokenProvider(
            self._send_grant,
            settings.username,
            settings.password,
            describe=f"client id {settings.client_id!r}, user {settings.username!r} at {settings.base_url}",
            clock=clock,
        )
        self.requests: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()

    async def __aenter__(self) -> AkeneoClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def stats(self) -> dict[str, Any]:
        """Requests and retries per kind of call, plus token grants: what this client cost the PIM."""
        return {
            "requests": dict(sorted(self.requests.items())),
            "requests_total": sum(self.requests.values()),
            "retries": dict(sorted(self.retries.items())),
            "retries_total": sum(self.retries.values()),
            "token_grants": dict(self._tokens.grants),
        }

    # -- transport ---------------------------------------------------------------------------------------

    async def _send_grant(self, body: dict[str, str]) -> httpx.Response:
        auth = httpx.BasicAuth(self.settings.client_id, self.settings.secret)
        reply = await self._send("token", "POST", TOKEN_PATH, authenticated=False, json=body, auth=auth)
        return reply.response

    async def _send(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        authenticated: bool = True,
        headers: dict[str, str] | None = None,
        **request: Any,
    ) -> Reply:
        """One logical call: retried on 429/5xx/transport errors, re-authenticated once on a 401."""
        policy = self.settings.retry
        path = httpx.URL(url).path
        attempts = 0
        reauthenticated = False
        while True:
            attempts += 1
            all_headers = dict(headers or {})
            token = ""
            if authenticated:
                token = await self._tokens.access_token()
                all_headers["Authorization"] = f"Bearer {token}"
            self.requests[kind] += 1
            try:
                async with self._semaphore:
                    response = await self._http.request(method, url, headers=all_headers, **request)
            except httpx.TransportError as exc:
                if not policy.should_retry(attempts, None):
                    raise AkeneoError(
                        f"Akeneo {method} {path} failed after {attempts} attempts: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                await self._wait(kind, method, path, attempts, type(exc).__name__, None)
                continue
            if response.status_code == 401 and authenticated:
                if reauthenticated:
                    raise AkeneoAuthError(
                        f"Akeneo {method} {path} answered 401 even with a fresh token: "
                        f"{message_of(response)}",
                        401,
                    )
                reauthenticated = True
                await self._tokens.renew_after_rejection(token)
                continue
            if policy.should_retry(attempts, response.status_code):
                await self._wait(
                    kind,
                    method,
                    path,
                    attempts,
                    f"HTTP {response.status_code}",
                    response.headers.get("Retry-After"),
                )
                continue
            return Reply(response, attempts)

    async def _wait(
        self, kind: str, method: str, path: str, attempts: int, cause: str, retry_after: str | None
    ) -> None:
        delay = self.settings.retry.delay(attempts, retry_after)
        self.retries[kind] += 1
        log.warning("Akeneo %s %s: %s; retry %d in %.2fs", method, path, cause, attempts, delay)
        await self._sleep(delay)

    async def _get_json(self, kind: str, url: str, params: dict[str, Any] | None = None) -> Any:
        reply = await self._send(kind, "GET", url, params=params)
        _raise_unless_success(reply.response, "GET")
        return reply.response.json()

    async def _iter_pages(
        self, kind: str, path: str, params: dict[str, Any] | None
    ) -> AsyncIterator[list[dict]]:
        paginator = LinkPaginator()
        url: str | None = path
        while url is not None:
            page = await self._get_json(kind, url, params if url == path else None)
            items = page_items(page)
            if items:
                yield items
            url = paginator.next_url(page)

    async def _list(self, kind: str, path: str, params: dict[str, Any] | None = None) -> list[dict]:
        return [item async for page in self._iter_pages(kind, path, params) for item in page]

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
    ) -> AsyncIterator[list[dict]]:
        """Products matching `search`, one page (≤ page_size) at a time, in Akeneo's search_after order."""
        params: dict[str, Any] = {"pagination_type": "search_after", "limit": self.settings.page_size}
        if search:
            params["search"] = json.dumps(search, separators=(",", ":"))
        if scope:
            params["scope"] = scope
        if locales:
            params["locales"] = ",".join(locales)
        if attributes:
            params["attributes"] = ",".join(attributes)
        async for page in self._iter_pages("products_list", f"{API}/products", params):
            yield page

    async def get_product(self, identifier: str) -> dict | None:
        """The product, or None when Akeneo does not know it."""
        reply = await self._send("product_get", "GET", f"{API}/products/{quote(identifier, safe='')}")
        if reply.response.status_code == 404:
            return None
        _raise_unless_success(reply.response, "GET")
        return reply.response.json()

    async def patch_products(self, lines: list[dict[str, Any]]) -> list[LineResult]:
        """Upsert up to 100 products in one collection PATCH; one `LineResult` per line, in order."""
        return await self._patch_collection("products_patch", f"{API}/products", lines)

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
    ) -> tuple[int, str]:
        """Upload a file into a product's image/file attribute (Akeneo sets the value itself).

        Returns (201, media code) on success, else (status, Akeneo's message)."""
        product = {"identifier": identifier, "attribute": attribute, "scope": scope, "locale": locale}
        reply = await self._send(
            "media_upload",
            "POST",
            f"{API}/media-files",
            data={"product": json.dumps(product)},
            files={"file": (filename, content)},
        )
        response = reply.response
        if response.status_code != 201:
            return response.status_code, message_of(response)
        location = httpx.URL(response.headers.get("Location", "")).path
        _, found, code = location.partition("/media-files/")
        if not found or not code:
            return 201, ""
        return 201, unquote(code)

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
        return await self._patch_collection("attribute_options_patch", path, lines)

    async def create_attribute_group(self, body: dict[str, Any]) -> LineResult:
        return await self._write_one(
            "attribute_group_create", "POST", f"{API}/attribute-groups", body, body.get("code")
        )

    async def patch_family(self, code: str, body: dict[str, Any]) -> LineResult:
        return await self._write_one(
            "family_patch", "PATCH", f"{API}/families/{quote(code, safe='')}", body, code
        )

    # -- writes ------------------------------------------------------------------------------------------

    async def _patch_collection(self, kind: str, path: str, lines: list[dict[str, Any]]) -> list[LineResult]:
        if len(lines) > MAX_COLLECTION_LINES:
            raise ValueError(
                f"a collection PATCH takes at most {MAX_COLLECTION_LINES} lines (Akeneo answers 413 above); "
                f"got {len(lines)}: split the batch"
            )
        if not lines:
            return []
        reply = await self._send(
            kind,
            "PATCH",
            path,
            content=encode_ndjson(lines),
            headers={"Content-Type": COLLECTION_CONTENT_TYPE},
        )
        _raise_unless_success(reply.response, "PATCH")
        return parse_line_results(reply.response.text, lines, reply.attempts)

    async def _write_one(
        self, kind: str, method: str, path: str, body: dict[str, Any], key: str | None
    ) -> LineResult:
        """A single-resource write, answered like one line of a collection: its status is data."""
        reply = await self._send(
            kind,
            method,
            path,
            content=encode_line(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        response = reply.response
        if response.is_success:
            return LineResult(1, key, response.status_code, attempts=reply.attempts, sent=body)
        try:
            error = response.json()
        except ValueError:
            error = {}
        errors = error.get("errors") if isinstance(error, dict) else None
        return LineResult(
            1,
            key,
            response.status_code,
            message_of(response),
            list(errors or []),
            attempts=reply.attempts,
            sent=body,
        )


def _raise_unless_success(response: httpx.Response, method: str) -> None:
    if not response.is_success:
        raise AkeneoError(
            f"Akeneo {method} {response.request.url.path} answered HTTP {response.status_code}: "
            f"{message_of(response)}",
            response.status_code,
        )
