"""Catalogue structure routes: locales, currencies, channels, categories, attributes, attribute options,
families (page-paginated lists, GET one, and for writable ones POST / PATCH one / PATCH collection) and
measurement families (a plain list, as Akeneo returns it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sandbox.akeneo.bodies import collection_response, json_object
from sandbox.akeneo.catalog import (
    ATTRIBUTE_DEFAULTS,
    ATTRIBUTE_TYPES,
    SELECT_TYPES,
    Catalog,
    complete_attribute,
    merge_patch,
)
from sandbox.akeneo.errors import DOC_STANDARD_FORMAT, ApiError, documented, type_name, validation_failed
from sandbox.akeneo.paging import page_envelope, parse_paging
from sandbox.akeneo.routes_auth import authenticate
from sandbox.akeneo.search import load_search
from sandbox.akeneo.state import SandboxState

router = APIRouter(dependencies=[Depends(authenticate)])
Checker = Callable[[Catalog, dict[str, Any]], list[dict[str, str]]]


def _error(prop: str, message: str) -> dict[str, str]:
    return {"property": prop, "message": message}


def check_attribute(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    if item.get("type") not in ATTRIBUTE_TYPES:
        errors.append(_error("type", f'The attribute type "{item.get("type")}" is not supported.'))
    if (
        item.get("type") == "pim_catalog_metric"
        and item.get("metric_family") not in catalog.entities["measurement_families"]
    ):
        errors.append(_error("metric_family", "Please specify a valid metric family."))
    return errors


def check_family(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    attributes = item.get("attributes", [])
    errors = [
        _error("attributes", f'Attribute "{code}" does not exist.')
        for code in attributes
        if catalog.attribute(code) is None
    ]
    for channel, required in (item.get("attribute_requirements") or {}).items():
        if catalog.channel(channel) is None:
            errors.append(_error("attribute_requirements", f'The channel "{channel}" does not exist.'))
        errors += [
            _error(
                "attribute_requirements",
                f'The attribute "{code}" cannot be required in channel '
                f'"{channel}" as it does not belong to the family.',
            )
            for code in required
            if code not in attributes and code != catalog.identifier_attribute
        ]
    return errors


def check_channel(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    errors = [
        _error("locales", f'The locale "{code}" does not exist.')
        for code in item.get("locales", [])
        if code not in catalog.entities["locales"]
    ]
    errors += [
        _error("currencies", f'The currency "{code}" does not exist.')
        for code in item.get("currencies", [])
        if code not in catalog.entities["currencies"]
    ]
    tree = catalog.entities["categories"].get(item.get("category_tree") or "")
    if tree is None or tree.get("parent") is not None:
        errors.append(
            _error("category_tree", f'The category "{item.get("category_tree")}" is not a root category.')
        )
    return errors


def check_category(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    parent = item.get("parent")
    if parent is not None and parent not in catalog.entities["categories"]:
        return [_error("parent", f'The parent category "{parent}" does not exist.')]
    return []


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


def _url(request: Request, *parts: str) -> str:
    return (
        str(request.base_url).rstrip("/") + "/api/rest/v1/" + "/".join(quote(part, safe="") for part in parts)
    )


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


def _paged(
    request: Request, items: list[dict[str, Any]], link: Callable[[dict[str, Any]], str]
) -> dict[str, Any]:
    paging = parse_paging(request)
    page = items[paging.offset : paging.offset + paging.limit]
    shown = [{"_links": {"self": {"href": link(item)}}, **item} for item in page]
    return page_envelope(request, paging, shown, len(items) if paging.with_count else None)


def _is_codes(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(code, str) for code in value)


Shape = tuple[str, Callable[[object], bool]]


def _shaped(what: str, test: Callable[[object], bool], keys: str) -> dict[str, Shape]:
    return {key: (what, test) for key in keys.split()}


# property -> (description in the error, test); properties not listed take any JSON value
PROPERTY_SHAPES: dict[str, Shape] = {
    **_shaped("an array", lambda value: isinstance(value, dict), "labels group_labels conversion_units"),
    **_shaped(
        "an array of code lists per channel",
        lambda value: isinstance(value, dict) and all(_is_codes(codes) for codes in value.values()),
        "attribute_requirements",
    ),
    **_shaped(
        "an array of codes", _is_codes, "locales currencies attributes allowed_extensions available_locales"
    ),
    **_shaped(
        "a string",
        lambda value: value is None or isinstance(value, str),
        "code parent category_tree attribute_as_label attribute_as_image type group metric_family "
        "default_metric_unit attribute label",
    ),
    **_shaped(
        "a boolean",
        lambda value: value is None or isinstance(value, bool),
        "localizable scopable unique useable_as_grid_filter decimals_allowed negative_allowed "
        "wysiwyg_enabled enabled",
    ),
}


def _check_shapes(payload: dict[str, Any]) -> None:
    """Akeneo's updaters refuse a property of the wrong JSON type before any validation."""
    for key, value in payload.items():
        what, test = PROPERTY_SHAPES.get(key, ("", lambda _: True))
        if not test(value):
            raise documented(
                f'Property "{key}" expects {what} as data, "{type_name(value)}" given. Check the '
                "standard format documentation.",
                DOC_STANDARD_FORMAT,
            )


def _upsert(
    state: SandboxState,
    store: dict[str, dict[str, Any]],
    allowed: frozenset[str],
    check: Checker,
    code: str,
    payload: dict[str, Any],
    create_only: bool = False,
    complete: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> int:
    unknown = sorted(set(payload) - allowed - {"_links"})
    if unknown:
        raise documented(
            f'Property "{unknown[0]}" does not exist. Check the standard format documentation.',
            DOC_STANDARD_FORMAT,
        )
    _check_shapes(payload)
    current = store.get(code)
    if create_only and current is not None:
        raise validation_failed([_error("code", "This value is already used.")])
    merged = merge_patch(current or {}, {key: value for key, value in payload.items() if key != "_links"})
    merged = complete({**merged, "code": code})
    errors = check(state.catalog, merged)
    if errors:
        raise validation_failed(errors)
    store[code] = merged
    return 201 if current is None else 204


def _code_of(payload: dict[str, Any], code: str) -> None:
    given = payload.get("code", code)
    if given != code:
        raise ApiError(
            422,
            f'The code "{given}" provided in the request body must match the code "{code}" '
            "provided in the url.",
        )


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
        return _paged(request, items, lambda item: _url(request, resource.segment, item["code"]))

    async def get_item(code: str, request: Request) -> dict[str, Any]:
        state = _state(request)
        item = state.catalog.entities[resource.kind].get(code)
        if item is None:
            raise ApiError(404, f'{resource.label} "{code}" does not exist.')
        return _view(state, resource, item)

    router.add_api_route(base, list_items, methods=["GET"], name=f"{resource.kind}_list")
    router.add_api_route(base + "/{code}", get_item, methods=["GET"], name=f"{resource.kind}_get")
    if resource.check is None:
        return
    check = resource.check

    def write(request: Request, code: str, payload: dict[str, Any], create_only: bool = False) -> int:
        state = _state(request)
        return _upsert(
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
            raise validation_failed([_error("code", "This value should not be blank.")])
        status = write(request, code, payload, create_only=True)
        return Response(status_code=status, headers={"Location": _url(request, resource.segment, code)})

    async def patch_item(code: str, request: Request) -> Response:
        payload = await json_object(request)
        _code_of(payload, code)
        status = write(request, code, payload)
        return Response(status_code=status, headers={"Location": _url(request, resource.segment, code)})

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


# --- attribute options ---
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
                _error(
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
    return _paged(
        request, items, lambda item: _url(request, "attributes", attribute, "options", item["code"])
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
        raise validation_failed([_error("code", "This value should not be blank.")])
    status = _upsert(
        state, options, OPTION_PROPERTIES, _option_writer(attribute), code, payload, create_only=True
    )
    return Response(
        status_code=status, headers={"Location": _url(request, "attributes", attribute, "options", code)}
    )


@router.patch("/api/rest/v1/attributes/{attribute}/options/{code}")
async def patch_option(attribute: str, code: str, request: Request) -> Response:
    state = _state(request)
    options = _select_attribute(state, attribute)
    payload = await json_object(request)
    _code_of(payload, code)
    status = _upsert(state, options, OPTION_PROPERTIES, _option_writer(attribute), code, payload)
    return Response(
        status_code=status, headers={"Location": _url(request, "attributes", attribute, "options", code)}
    )


@router.patch("/api/rest/v1/attributes/{attribute}/options")
async def patch_options(attribute: str, request: Request) -> Response:
    state = _state(request)
    options = _select_attribute(state, attribute)
    check = _option_writer(attribute)
    return await collection_response(
        request,
        "code",
        lambda item: (item["code"], _upsert(state, options, OPTION_PROPERTIES, check, item["code"], item)),
    )
