"""Reading request bodies the way Akeneo does: Content-Type checks (415), JSON that must be an object
(400), and the NDJSON collection format of PATCH lists (413 above 100 lines, one result per line).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.akeneo.errors import INVALID_JSON, ApiError

COLLECTION_TYPE = "application/vnd.akeneo.collection+json"
MAX_LINES = 100
MAX_LINE_CHARS = 1_000_000
MAX_BODY_BYTES = MAX_LINES * (MAX_LINE_CHARS + 1) * 4  # 100 lines of 1M chars, UTF-8 worst case

LineHandler = Callable[[dict[str, Any]], tuple[str, int]]


def media_type(request: Request) -> str | None:
    raw = request.headers.get("content-type")
    return raw.split(";", 1)[0].strip().lower() if raw is not None else None


def require_content_type(request: Request, *allowed: str) -> str:
    found = media_type(request)
    wanted = '" or "'.join(allowed)
    if found is None:
        raise ApiError(415, f'The "Content-Type" header is missing. "{wanted}" has to be specified as value.')
    if found not in allowed:
        raise ApiError(
            415,
            f'"{request.headers.get("content-type")}" in "Content-Type" header is not valid. '
            f'Only "{wanted}" is allowed.',
        )
    return found


async def read_body(request: Request) -> bytes:
    size = request.headers.get("content-length", "0")
    if size.isdigit() and int(size) > MAX_BODY_BYTES:
        raise ApiError(413, "Too many resources to process, 100 is the maximum allowed.")
    return await request.body()


def parse_object(raw: bytes | str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):  # ValueError also covers bytes that are not UTF-8
        raise ApiError(400, INVALID_JSON) from None
    if not isinstance(parsed, dict):
        raise ApiError(400, INVALID_JSON)
    return parsed


async def json_object(request: Request) -> dict[str, Any]:
    """The body of a single-resource POST/PATCH."""
    require_content_type(request, "application/json")
    return parse_object(await read_body(request))


async def collection_response(
    request: Request, key: str, handle: LineHandler, on_status: Callable[[int], None] = lambda status: None
) -> Response:
    """Apply each NDJSON line independently and answer one status line per input line, in order.

    `handle` gets the parsed line and returns (key value, 201|204) or raises ApiError; its body becomes the
    line's `message`/`errors` with `code` renamed `status_code`, as Akeneo's stream response does.
    """
    require_content_type(request, COLLECTION_TYPE)
    lines = [line for line in (await read_body(request)).split(b"\n") if line.strip()]
    if len(lines) > MAX_LINES:
        raise ApiError(413, "Too many resources to process, 100 is the maximum allowed.")
    results = []
    for number, raw in enumerate(lines, start=1):
        result: dict[str, Any] = {"line": number}
        try:
            if len(raw) > MAX_LINE_CHARS and len(raw.decode("utf-8", "replace")) > MAX_LINE_CHARS:
                raise ApiError(413, "Line is too long.")
            item = parse_object(raw)
            code = item.get(key)
            if not isinstance(code, str) or not code.strip():
                raise ApiError(422, f"{key.capitalize()} is missing.")
            result[key] = code
            result[key], result["status_code"] = handle(item)
        except ApiError as error:
            body = error.body()
            result.update({"status_code": body.pop("code"), **body})
        on_status(result["status_code"])
        results.append(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
    return Response("\n".join(results), media_type=COLLECTION_TYPE)
