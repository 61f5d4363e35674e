"""The Asset Manager's REST API (Akeneo Enterprise / SaaS): asset families, assets, asset media files.

Shapes follow api.akeneo.com ("Asset family", "Asset", "Asset media file"): lists page by `search_after`
(the asset code), one asset is created or updated by `PATCH .../assets/{code}` (201 / 204), several by a
`PATCH .../assets` JSON array of at most 100 (200, one `{code, status_code[, message, errors]}` per asset),
and an uploaded file answers 201 with its code in the `Asset-media-file-code` header.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, Response

from sandbox.akeneo.assets import AssetStore
from sandbox.akeneo.bodies import parse_object, require_content_type
from sandbox.akeneo.errors import INVALID_JSON, ApiError
from sandbox.akeneo.routes_auth import authenticate
from sandbox.akeneo.routes_media import multipart_form

MAX_ASSETS_PER_PATCH = 100
PAGE_LIMIT = 100
router = APIRouter(dependencies=[Depends(authenticate)])
BASE = "/api/rest/v1/asset-families"


def _assets(request: Request) -> AssetStore:
    return request.app.state.sandbox.assets


def _href(request: Request, path: str, **query: Any) -> dict[str, str]:
    url = str(request.base_url).rstrip("/") + path
    return {"href": f"{url}?{urlencode(query)}" if query else url}


def _search_after_page(request: Request, path: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Akeneo's search_after envelope over items sorted by code: `next` iff the page is full."""
    params = request.query_params
    try:
        limit = int(params.get("limit", "10"))
    except ValueError:
        raise ApiError(422, "limit must be a positive integer.") from None
    if not 0 < limit <= PAGE_LIMIT:
        raise ApiError(422, "You cannot request more than 100 items." if limit > 0 else "limit must be positive.")
    after = params.get("search_after", "")
    page = [item for item in sorted(items, key=lambda item: item["code"]) if item["code"] > after][:limit]
    links = {"self": _href(request, path, **dict(params)), "first": _href(request, path, limit=limit)}
    if len(page) == limit:
        links["next"] = _href(request, path, limit=limit, search_after=page[-1]["code"])
    shown = [{"_links": {"self": _href(request, f"{path}/{quote(item['code'])}")}, **item} for item in page]
    return {"_links": links, "_embedded": {"items": shown}}


@router.get(BASE)
async def list_families(request: Request) -> dict[str, Any]:
    store = _assets(request)
    return _search_after_page(request, BASE, [store.family_view(code) for code in store.families])


@router.get(BASE + "/{family}")
async def get_family(family: str, request: Request) -> dict[str, Any]:
    return _assets(request).family_view(family)


@router.get(BASE + "/{family}/assets")
async def list_assets(family: str, request: Request) -> dict[str, Any]:
    store = _assets(request)
    store.family(family)
    return _search_after_page(request, f"{BASE}/{family}/assets", list(store.assets[family].values()))


@router.get(BASE + "/{family}/assets/{code}")
async def get_asset(family: str, code: str, request: Request) -> dict[str, Any]:
    return _assets(request).asset(family, code)


@router.patch(BASE + "/{family}/assets/{code}")
async def patch_asset(family: str, code: str, request: Request) -> Response:
    require_content_type(request, "application/json")
    body = parse_object(await request.body())
    if body.setdefault("code", code) != code:
        raise ApiError(422, "The code of the asset provided in the URI must be the same as the one provided in "
                            "the request body.")
    status = _assets(request).upsert(family, body)
    location = _href(request, f"{BASE}/{family}/assets/{quote(code)}")["href"]
    return Response(status_code=status, headers={"Location": location})


@router.patch(BASE + "/{family}/assets")
async def patch_assets(family: str, request: Request) -> JSONResponse:
    """Several assets, each answered on its own: one refused asset does not stop the others."""
    require_content_type(request, "application/json")
    store = _assets(request)
    store.family(family)
    try:
        bodies = json.loads(await request.body())
    except ValueError:
        raise ApiError(400, INVALID_JSON) from None
    if not isinstance(bodies, list):
        raise ApiError(422, "The request body should be a JSON array of assets.")
    if len(bodies) > MAX_ASSETS_PER_PATCH:
        raise ApiError(413, f"Too many resources to process, {MAX_ASSETS_PER_PATCH} is the maximum allowed.")
    answers = []
    for body in bodies:
        code = body.get("code") if isinstance(body, dict) else None
        try:
            answers.append({"code": code, "status_code": store.upsert(family, body)})
        except ApiError as error:
            answers.append({**error.body(), "code": code, "status_code": error.status})
    return JSONResponse(answers)


@router.post("/api/rest/v1/asset-media-files")
async def upload_asset_media(request: Request) -> Response:
    form = await multipart_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(422, 'Property "file" is required.')
    content = await upload.read()
    code = _assets(request).add_media(upload.filename or "file", upload.content_type or "application/octet-stream",
                                      content)
    location = _href(request, f"/api/rest/v1/asset-media-files/{quote(code)}")["href"]
    return Response(status_code=201, headers={"Asset-media-file-code": code, "Location": location})


@router.get("/api/rest/v1/asset-media-files/{code:path}")
async def download_asset_media(code: str, request: Request) -> Response:
    found = _assets(request).media.get(code)
    if found is None:
        raise ApiError(404, f'Asset media file "{code}" does not exist.')
    ascii_name = found.filename.encode("ascii", "replace").decode().replace('"', "_")
    return Response(found.content, media_type=found.mime_type,
                    headers={"Content-Disposition": f'attachment; filename="{ascii_name}"'})
