"""Product media files: multipart upload that sets the product value, metadata, download.

As in Akeneo, an upload names its product/attribute/locale/scope, is stored under a code
`a/b/c/d/<sha1>_<filename>`, and is applied to the product at once; a refused value removes the file.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.responses import Response

from sandbox.akeneo.bodies import require_content_type
from sandbox.akeneo.errors import INVALID_JSON, ApiError, validation_failed, value_error
from sandbox.akeneo.paging import page_envelope, parse_paging
from sandbox.akeneo.routes_auth import authenticate
from sandbox.akeneo.routes_products import upsert
from sandbox.akeneo.state import SandboxState

MAX_MEDIA_BYTES = 20 * 1024 * 1024
PRODUCT_KEYS = ("identifier", "attribute", "locale", "scope")
router = APIRouter(dependencies=[Depends(authenticate)])


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def media_code(filename: str, content: bytes) -> str:
    digest = hashlib.sha1(content + secrets.token_bytes(8)).hexdigest()
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"
    return f"{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest}_{safe_name}"


def _links(request: Request, code: str) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + "/api/rest/v1/media-files/" + quote(code)
    return {"self": {"href": base}, "download": {"href": base + "/download"}}


def _target(form: Any) -> dict[str, Any]:
    if "product" in form and "product_model" in form:
        raise ApiError(422, 'You should give either a "product" or a "product_model" key.')
    if "product" not in form and "product_model" not in form:
        raise ApiError(
            422, 'You should at least give one of the following properties: "product" or "product_model".'
        )
    if "product_model" in form:
        model = form["product_model"]
        code = json.loads(model).get("code") if isinstance(model, str) and model.startswith("{") else model
        raise ApiError(422, f'Product model "{code}" does not exist.')
    raw = form["product"]
    try:
        target = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        raise ApiError(400, INVALID_JSON) from None
    if not isinstance(target, dict) or not all(key in target for key in PRODUCT_KEYS):
        raise ApiError(
            422, 'Product property must contain "identifier", "attribute", "locale" and "scope" properties.'
        )
    return target


def _check_size(state: SandboxState, target: dict[str, Any], size: int) -> None:
    """Enforce the attribute's `max_file_size` (MB), with the message of Symfony's File constraint."""
    attribute = state.catalog.attribute(str(target["attribute"])) or {}
    limit = attribute.get("max_file_size")
    if limit and size > float(limit) * 1_000_000:
        message = f"The file is too large ({size / 1_000_000:g} MB). Allowed maximum size is {limit} MB."
        raise validation_failed([value_error(message, attribute["code"], target["locale"], target["scope"])])


async def multipart_form(request: Request) -> Any:
    """The multipart body of an upload (product or asset media file), with Akeneo's 413 / 400 answers."""
    require_content_type(request, "multipart/form-data")
    size = request.headers.get("content-length", "0")
    if size.isdigit() and int(size) > MAX_MEDIA_BYTES:
        raise ApiError(413, f"Request content exceeded the maximum allowed size of {MAX_MEDIA_BYTES} bytes")
    try:
        return await request.form(max_part_size=MAX_MEDIA_BYTES)
    except (MultiPartException, ValueError, KeyError) as error:
        raise ApiError(400, f"Invalid multipart body: {error}") from None


@router.post("/api/rest/v1/media-files")
async def upload(request: Request) -> Response:
    state = _state(request)
    form = await multipart_form(request)
    target = _target(form)
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile):
        raise ApiError(422, 'Property "file" is required.')
    content = await upload_file.read()
    identifier = str(target["identifier"])
    if state.store.get(identifier) is None:
        raise ApiError(422, f'Product "{identifier}" does not exist.')
    _check_size(state, target, len(content))
    filename = upload_file.filename or "file"
    code = media_code(filename, content)
    state.store.add_media(code, filename, upload_file.content_type or "application/octet-stream", content)
    value = {"locale": target["locale"], "scope": target["scope"], "data": code}
    try:
        upsert(state, identifier, {"values": {str(target["attribute"]): [value]}})
    except ApiError:
        state.store.delete_media(code)
        raise
    state.counters.media_uploaded += 1
    return Response(status_code=201, headers={"Location": _links(request, code)["self"]["href"]})


def _metadata(request: Request, code: str) -> dict[str, Any]:
    media = _state(request).store.media(code)
    if media is None:
        raise ApiError(404, f'Media file "{code}" does not exist.')
    return media


@router.get("/api/rest/v1/media-files")
async def list_media(request: Request) -> dict[str, Any]:
    store = _state(request).store
    paging = parse_paging(request)
    items = [
        {"_links": _links(request, media["code"]), **media}
        for media in store.media_page(paging.offset, paging.limit)
    ]
    return page_envelope(request, paging, items, store.media_count() if paging.with_count else None)


@router.get("/api/rest/v1/media-files/{code:path}/download")
async def download(code: str, request: Request) -> Response:
    media = _metadata(request, code)
    content = _state(request).store.media_bytes(code) or b""
    ascii_name = media["original_filename"].encode("ascii", "replace").decode().replace('"', "_")
    return Response(
        content,
        media_type=media["mime_type"],
        headers={"Content-Disposition": f'attachment; filename="{ascii_name}"'},
    )


@router.get("/api/rest/v1/media-files/{code:path}")
async def get_media(code: str, request: Request) -> dict[str, Any]:
    media = _metadata(request, code)
    return {"_links": {"download": _links(request, code)["download"]}, **media}
