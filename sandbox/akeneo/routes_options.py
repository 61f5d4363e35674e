"""Attribute options routes: `/api/rest/v1/attributes/{attribute}/options` list, GET one, POST, PATCH one
and PATCH collection, for simple and multi select attributes only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sandbox.akeneo.bodies import collection_response, json_object
from sandbox.akeneo.catalog import SELECT_TYPES, Catalog
from sandbox.akeneo.catalog_writes import Checker, code_of, error_item, upsert
from sandbox.akeneo.errors import ApiError, validation_failed
from sandbox.akeneo.paging import api_url, paged
from sandbox.akeneo.routes_auth import authenticate
from sandbox.akeneo.state import SandboxState

router = APIRouter(dependencies=[Depends(authenticate)])


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


OPTION_PROPERTIES = frozenset({"code", "attribute", "sort_order", "labels"})


def _select_attribute(state: SandboxState, attribute: str) -> dict[str, dict[str, Any]]:
    found = state.catalog.attribute(attribute)
    if found is None:
        raise ApiError(404, f'Attribute "{attribute}" does not exist.')
    if found["type"] not in SELECT_TYPES:
        raise ApiError(
            404,
            f'Attribute "{attribute}" does not support options. Only attributes of type '
            '"pim_catalog_simpleselect", "pim_catalog_multiselect" support options.',
        )
    return state.catalog.options.setdefault(attribute, {})


def _option_writer(attribute: str) -> Checker:
    def check(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
        if item.get("attribute", attribute) != attribute:
            return [
                error_item(
                    "attribute",
                    f'The attribute code "{item.get("attribute")}" provided in the request '
                    f'body must match the attribute code "{attribute}" provided in the url.',
                )
            ]
        item["attribute"] = attribute
        return []

    return check


@router.get("/api/rest/v1/attributes/{attribute}/options")
async def list_options(attribute: str, request: Request) -> dict[str, Any]:
    options = _select_attribute(_state(request), attribute)
    items = sorted(options.values(), key=lambda item: item["code"])
    return paged(
        request, items, lambda item: api_url(request, "attributes", attribute, "options", item["code"])
    )


@router.get("/api/rest/v1/attributes/{attribute}/options/{code}")
async def get_option(attribute: str, code: str, request: Request) -> dict[str, Any]:
    option = _select_attribute(_state(request), attribute).get(code)
    if option is None:
        raise ApiError(404, f'Attribute option "{attribute}.{code}" does not exist.')
    return option


@router.post("/api/rest/v1/attributes/{attribute}/options")
async def create_option(attribute: str, request: Request) -> Response:
    state = _state(request)
    options = _select_attribute(state, attribute)
    payload = await json_object(request)
    code = payload.get("code")
    if not isinstance(code, str) or not code:
        raise validation_failed([error_item("code", "This value should not be blank.")])
    status = upsert(
        state, options, OPTION_PROPERTIES, _option_writer(attribute), code, payload, create_only=True
    )
    return Response(
        status_code=status, headers={"Location": api_url(request, "attributes", attribute, "options", code)}
    )


@router.patch("/api/rest/v1/attributes/{attribute}/options/{code}")
async def patch_option(attribute: str, code: str, request: Request) -> Response:
    state = _state(request)
    options = _select_attribute(state, attribute)
    payload = await json_object(request)
    code_of(payload, code)
    status = upsert(state, options, OPTION_PROPERTIES, _option_writer(attribute), code, payload)
    return Response(
        status_code=status, headers={"Location": api_url(request, "attributes", attribute, "options", code)}
    )


@router.patch("/api/rest/v1/attributes/{attribute}/options")
async def patch_options(attribute: str, request: Request) -> Response:
    state = _state(request)
    options = _select_attribute(state, attribute)
    check = _option_writer(attribute)
    return await collection_response(
        request,
        "code",
        lambda item: (item["code"], upsert(state, options, OPTION_PROPERTIES, check, item["code"], item)),
    )
