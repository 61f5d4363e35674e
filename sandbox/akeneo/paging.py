"""Akeneo's list envelopes: parameter checks with the documented 422s, and absolute `_links` that keep
every other query parameter, so a client that just follows `next` sees exactly what Akeneo would send.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

from sandbox.akeneo.errors import ApiError

MAX_LIMIT = 100
MAX_WINDOW = 10_000
PAGE_CAP_DOC = "http://api.akeneo.com/documentation/pagination.html#the-search-after-method"


@dataclass(frozen=True)
class Paging:
    type: str
    page: int
    limit: int
    with_count: bool
    search_after: str | None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def _positive_int(raw: str, what: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ApiError(422, f'"{raw}" is not a valid {what} number.')
    return int(raw)


def parse_paging(request: Request, allow_search_after: bool = False) -> Paging:
    params = request.query_params
    pagination_type = params.get("pagination_type", "page")
    if pagination_type not in ("page", "search_after"):
        raise ApiError(422, "Pagination type does not exist.")
    if pagination_type == "search_after" and not allow_search_after:
        raise ApiError(422, "Pagination type is not supported.")
    limit = _positive_int(params.get("limit", "10"), "limit")
    if limit > MAX_LIMIT:
        raise ApiError(422, "You cannot request more than 100 items.")
    page = _positive_int(params.get("page", "1"), "page")
    with_count_raw = params.get("with_count", "false")
    if with_count_raw not in ("true", "false"):
        raise ApiError(
            422,
            f'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, '
            f'"{with_count_raw}" given.',
        )
    cursor = params.get("search_after")
    search_after = decode_cursor(cursor) if cursor is not None and pagination_type == "search_after" else None
    if pagination_type == "page" and page * limit > MAX_WINDOW and allow_search_after:
        raise ApiError(
            422,
            'You have reached the maximum number of pages you can retrieve with the "page" '
            "pagination type. Please use the search after pagination type instead",
            _links={"documentation": {"href": PAGE_CAP_DOC}},
        )
    return Paging(pagination_type, page, limit, with_count_raw == "true", search_after)


def encode_cursor(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(422, f'"{cursor}" is not a valid search_after value.') from None


def _link(request: Request, **overrides: object) -> dict[str, str]:
    query = [(key, value) for key, value in request.query_params.multi_items() if key not in overrides]
    query += [(key, str(value)) for key, value in overrides.items() if value is not None]
    base = str(request.base_url).rstrip("/") + request.url.path
    return {"href": f"{base}?{urlencode(query, quote_via=quote)}" if query else base}


def page_envelope(
    request: Request, paging: Paging, items: list[dict[str, Any]], count: int | None = None
) -> dict[str, Any]:
    """Offset pagination (OffsetHalPaginator): `next` iff the page is full, `previous` iff page > 1."""
    links = {
        "self": _link(request, page=paging.page, limit=paging.limit),
        "first": _link(request, page=1, limit=paging.limit),
    }
    if paging.page > 1:
        links["previous"] = _link(request, page=paging.page - 1, limit=paging.limit)
    if len(items) >= paging.limit:
        links["next"] = _link(request, page=paging.page + 1, limit=paging.limit)
    envelope: dict[str, Any] = {"_links": links, "current_page": paging.page}
    if count is not None:
        envelope["items_count"] = count
    envelope["_embedded"] = {"items": items}
    return envelope


def search_after_envelope(
    request: Request, paging: Paging, items: list[dict[str, Any]], last: str | None = None
) -> dict[str, Any]:
    """Cursor pagination: no `current_page`/`previous`; `next` iff the page is full, after its last item
    (`last`: its key, by default its identifier)."""
    links = {
        "self": _link(request, limit=paging.limit),
        "first": _link(request, search_after=None, limit=paging.limit),
    }
    if items and len(items) >= paging.limit:
        links["next"] = _link(
            request, search_after=encode_cursor(last or items[-1]["identifier"]), limit=paging.limit
        )
    return {"_links": links, "_embedded": {"items": items}}


def api_url(request: Request, *parts: str) -> str:
    return (
        str(request.base_url).rstrip("/") + "/api/rest/v1/" + "/".join(quote(part, safe="") for part in parts)
    )


def paged(
    request: Request, items: list[dict[str, Any]], link: Callable[[dict[str, Any]], str]
) -> dict[str, Any]:
    paging = parse_paging(request)
    page = items[paging.offset : paging.offset + paging.limit]
    shown = [{"_links": {"self": {"href": link(item)}}, **item} for item in page]
    return page_envelope(request, paging, shown, len(items) if paging.with_count else None)
