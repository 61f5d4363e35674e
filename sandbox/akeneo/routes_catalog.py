"""Catalogue structure routes: locales, currencies, channels, categories, attributes,
families (page-paginated lists, GET one, and for writable ones POST / PATCH one / PATCH collection) and
measurement families (a plain list, as Akeneo returns it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sandbox.akeneo.bodies import collection_response, json_object
from sandbox.akeneo.catalog import ATTRIBUTE_DEFAULTS, complete_attribute
from sandbox.akeneo.catalog_writes import (
    Checker,
    check_attribute,
    check_category,
    check_channel,
    check_family,
    code_of,
    error_item,
    upsert,
)
from sandbox.akeneo.errors import ApiError, validation_failed
from sandbox.akeneo.paging import api_url, paged
from sandbox.akeneo.routes_auth import authenticate
from sandbox.akeneo.search import load_search
from sandbox.akeneo.state import SandboxState

router = APIRouter(dependencies=[Depends(authenticate)])


@dataclass(frozen=True)
class Resource:
    segment: str
    kind: str
    label: str
    properties: frozenset[str]
    check: Checker | None = None  # None: read-only through the API
    filters: tuple[str, ...] = ("code",)
    complete: Callable[[dict[str, Any]], dict[str, Any]] = dict


RESOURCES = (
    Resource("locales", "locales", "Locale", frozenset({"code", "enabled"}), filters=("code", "enabled")),
    Resource(
        "currencies",
        "currencies",
        "Currency",
        frozenset({"code", "enabled", "label"}),
        filters=("code", "enabled"),
    ),
    Resource(
        "channels",
        "channels",
        "Channel",
        frozenset({"code", "currencies", "locales", "category_tree", "conversion_units", "labels"}),
        check_channel,
    ),
    Resource(
        "categories",
        "categories",
        "Category",
        frozenset({"code", "parent", "labels", "updated", "position"}),
        check_category,
        ("code", "parent", "is_root"),
    ),
    Resource(
        "attributes",
        "attributes",
        "Attribute",
        frozenset({"code", "type", *ATTRIBUTE_DEFAULTS}),
        check_attribute,
        ("code", "type"),
        complete_attribute,
    ),
    Resource(
        "families",
        "families",
        "Family",
        frozenset(
            {
                "code",
                "attributes",
                "attribute_as_label",
                "attribute_as_image",
                "attribute_requirements",
                "labels",
            }
        ),
        check_family,
    ),
)


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _view(state: SandboxState, resource: Resource, item: dict[str, Any]) -> dict[str, Any]:
    return state.catalog.locale_resource(item["code"]) if resource.kind == "locales" else item


def _search(request: Request, filters: tuple[str, ...]) -> Callable[[dict[str, Any]], bool]:
    raw = request.query_params.get("search")
    if raw is None:
        return lambda item: True
    search = load_search(raw)
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for name, conditions in search.items():
        for condition in conditions if isinstance(conditions, list) else [conditions]:
            operator = condition.get("operator") if isinstance(condition, dict) else None
            if name not in filters or operator not in ("=", "IN"):
                raise ApiError(
                    422,
                    f'Filter on property "{name}" is not supported or does not support operator "{operator}"',
                )
            value = condition.get("value")
            wanted = value if operator == "IN" and isinstance(value, list) else [value]
            if name == "is_root":
                tests.append(lambda item, wanted=wanted: (item.get("parent") is None) in wanted)
            else:
                tests.append(lambda item, name=name, wanted=wanted: item.get(name) in wanted)
    return lambda item: all(test(item) for test in tests)


def register(resource: Resource) -> None:
    base = f"/api/rest/v1/{resource.segment}"

    async def list_items(request: Request) -> dict[str, Any]:
        state = _state(request)
        keep = _search(request, resource.filters)
        items = [
            view
            for view in (
                _view(state, resource, item) for item in state.catalog.entities[resource.kind].values()
            )
            if keep(view)
        ]
        if resource.kind != "categories":  # categories keep tree order
            items.sort(key=lambda item: item["code"])
        return paged(request, items, lambda item: api_url(request, resource.segment, item["code"]))

    async def get_item(code: str, request: Request) -> dict[str, Any]:
        state = _state(request)
        item = state.catalog.entities[resource.kind].get(code)
        if item is None:
            raise ApiError(404, f'{resource.label} "{code}" does not exist.')
        return _view(state, resource, item)

    router.add_api_route(base, list_items, methods=["GET"], name=f"{resource.kind}_list")
    router.add_api_route(base + "/{code}", get_item, methods=["GET"], name=f"{resource.kind}_get")
    if resource.check is not None:
        _register_writes(resource, resource.check, base)


def _register_writes(resource: Resource, check: Checker, base: str) -> None:
    """POST, PATCH one and PATCH collection of a writable resource."""

    def write(request: Request, code: str, payload: dict[str, Any], create_only: bool = False) -> int:
        state = _state(request)
        return upsert(
            state,
            state.catalog.entities[resource.kind],
            resource.properties,
            check,
            code,
            payload,
            create_only,
            resource.complete,
        )

    async def create_item(request: Request) -> Response:
        payload = await json_object(request)
        code = payload.get("code")
        if not isinstance(code, str) or not code:
            raise validation_failed([error_item("code", "This value should not be blank.")])
        status = write(request, code, payload, create_only=True)
        return Response(status_code=status, headers={"Location": api_url(request, resource.segment, code)})

    async def patch_item(code: str, request: Request) -> Response:
        payload = await json_object(request)
        code_of(payload, code)
        status = write(request, code, payload)
        return Response(status_code=status, headers={"Location": api_url(request, resource.segment, code)})

    async def patch_items(request: Request) -> Response:
        return await collection_response(
            request, "code", lambda item: (item["code"], write(request, item["code"], item))
        )

    router.add_api_route(base, create_item, methods=["POST"], name=f"{resource.kind}_create")
    router.add_api_route(base + "/{code}", patch_item, methods=["PATCH"], name=f"{resource.kind}_patch")
    router.add_api_route(base, patch_items, methods=["PATCH"], name=f"{resource.kind}_patch_list")


for _resource in RESOURCES:
    register(_resource)


@router.get("/api/rest/v1/measurement-families")
async def measurement_families(request: Request) -> list[dict[str, Any]]:
    return sorted(
        _state(request).catalog.entities["measurement_families"].values(), key=lambda item: item["code"]
    )


