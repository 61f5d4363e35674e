"""The UUID product API of Akeneo 7.0 / SaaS (`/products-uuid`): list (search, page or search_after by
uuid), GET/POST/PATCH/DELETE one and the collection PATCH answered per `uuid`. The identifier is a value of
the main identifier attribute there: optional, and a PATCH may change it. Akeneo 5.0 / 6.0 (`--edition`)
have none of these routes.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sandbox.akeneo.bodies import collection_response, json_object
from sandbox.akeneo.errors import CHECK_FORMAT, ApiError, documented, validation_failed
from sandbox.akeneo.products import refuse_existing
from sandbox.akeneo.routes_auth import UUID_EDITIONS, authenticate
from sandbox.akeneo.routes_products import product_page, read_options, shown
from sandbox.akeneo.state import SandboxState

BASE = "/api/rest/v1/products-uuid"


def uuid_api(request: Request) -> None:
    """Akeneo before 7.0 has no UUID API: the route does not exist."""
    if request.app.state.sandbox.edition not in UUID_EDITIONS:
        raise ApiError(404, f'No route found for "{request.method} {request.url.path}"')


router = APIRouter(dependencies=[Depends(uuid_api), Depends(authenticate)])


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def check_uuid(value: object) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ApiError(422, f'The "{value}" uuid is not valid.') from None


def _missing(product_id: str) -> ApiError:
    return ApiError(404, f'Product "{product_id}" does not exist or you do not have permission to access it.')


def _identifier(state: SandboxState, current: dict[str, Any] | None, payload: dict[str, Any]) -> str | None:
    """The identifier after this write: the main identifier value of the payload, else the current one."""
    entries = (
        (payload.get("values") or {}).get(state.catalog.identifier_attribute)
        if isinstance(payload.get("values"), dict)
        else None
    )
    if entries is None:
        return current["identifier"] if current else None
    data = entries[0].get("data") if isinstance(entries, list) and entries and isinstance(entries[0], dict) else None
    if data is not None and not isinstance(data, str):
        raise documented(f'Property "{state.catalog.identifier_attribute}" expects a string as data.{CHECK_FORMAT}')
    return data.strip() or None if data is not None else None


def upsert_by_uuid(state: SandboxState, product_id: str, payload: dict[str, Any], create_only: bool = False) -> int:
    current = state.store.by_uuid(product_id)
    refuse_existing(current, create_only, "uuid", "The same uuid is already set on another product")
    identifier = _identifier(state, current, payload)
    holder = state.store.get(identifier) if identifier else None
    if holder is not None and holder["uuid"] != product_id:
        raise validation_failed(
            [{"property": "identifier", "message": "The same identifier is already set on another product"}]
        )
    body = {key: value for key, value in payload.items() if key != "uuid"}
    product, changed = state.product_updater().apply(current, identifier, body, product_id)
    if changed:
        state.store.put(product)
    return 201 if current is None else 204


def _written(request: Request, product_id: str, status: int) -> Response:
    base = str(request.base_url).rstrip("/")
    return Response(status_code=status, headers={"Location": f"{base}{BASE}/{product_id}"})


@router.get(BASE)
async def list_by_uuid(request: Request) -> dict[str, Any]:
    return product_page(request, "uuid")


@router.get(BASE + "/{product_id}")
async def get_by_uuid(product_id: str, request: Request) -> dict[str, Any]:
    state = _state(request)
    product = state.store.by_uuid(check_uuid(product_id))
    if product is None:
        raise _missing(product_id)
    return shown(request, state, product, read_options(request, state), by_uuid=True)


@router.post(BASE)
async def create_by_uuid(request: Request) -> Response:
    payload = await json_object(request)
    product_id = check_uuid(payload["uuid"]) if payload.get("uuid") is not None else str(uuid.uuid4())
    return _written(request, product_id, upsert_by_uuid(_state(request), product_id, payload, create_only=True))


@router.patch(BASE + "/{product_id}")
async def patch_by_uuid(product_id: str, request: Request) -> Response:
    product_id = check_uuid(product_id)
    payload = await json_object(request)
    if check_uuid(payload.get("uuid", product_id)) != product_id:
        raise ApiError(
            422,
            f'The uuid "{payload["uuid"]}" provided in the request body must match the uuid "{product_id}" '
            "provided in the url.",
        )
    return _written(request, product_id, upsert_by_uuid(_state(request), product_id, payload))


@router.delete(BASE + "/{product_id}")
async def delete_by_uuid(product_id: str, request: Request) -> Response:
    state = _state(request)
    product_id = check_uuid(product_id)
    if state.store.by_uuid(product_id) is None:
        raise _missing(product_id)
    state.store.delete(product_id)
    return Response(status_code=204)


@router.patch(BASE)
async def patch_many_by_uuid(request: Request) -> Response:
    state = _state(request)

    def handle(item: dict[str, Any]) -> tuple[str, int]:
        product_id = check_uuid(item["uuid"])
        return product_id, upsert_by_uuid(state, product_id, item)

    def count(status: int) -> None:
        state.counters.patch_lines[str(status)] += 1

    return await collection_response(request, "uuid", handle, count)
