"""Product routes: list (search, page/search_after), GET/POST/PATCH/DELETE one, and the collection PATCH."""

from __future__ import annotations

from itertools import islice
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sandbox.akeneo import events
from sandbox.akeneo.bodies import collection_response, json_object
from sandbox.akeneo.errors import ApiError
from sandbox.akeneo.models import inherited_values
from sandbox.akeneo.paging import page_envelope, parse_paging, search_after_envelope
from sandbox.akeneo.product_views import ReadOptions, completenesses, product_url, render, render_by_uuid
from sandbox.akeneo.products import check_identifier, refuse_existing
from sandbox.akeneo.routes_auth import authenticate
from sandbox.akeneo.search import SearchParser, load_search
from sandbox.akeneo.state import SandboxState

router = APIRouter(dependencies=[Depends(authenticate)])


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _codes(raw: str | None) -> frozenset[str] | None:
    return frozenset(code for code in raw.split(",") if code) if raw is not None else None


def read_options(request: Request, state: SandboxState) -> ReadOptions:
    """`scope`, `locales`, `attributes` query parameters, checked against the catalogue."""
    params = request.query_params
    scope = params.get("scope")
    if scope is not None and state.catalog.channel(scope) is None:
        raise ApiError(422, f'Scope "{scope}" does not exist.')
    locales = _codes(params.get("locales"))
    unknown_locales = sorted((locales or set()) - state.catalog.activated_locales())
    if unknown_locales:
        plural = len(unknown_locales) > 1
        raise ApiError(
            422,
            f'Locale{"s" if plural else ""} "{", ".join(unknown_locales)}" '
            f"{'do' if plural else 'does'} not exist or {'are' if plural else 'is'} not activated.",
        )
    attributes = _codes(params.get("attributes"))
    unknown_attributes = sorted(code for code in attributes or () if state.catalog.attribute(code) is None)
    if unknown_attributes:
        raise ApiError(422, f'Attributes "{", ".join(unknown_attributes)}" do not exist.')
    return ReadOptions(scope, locales, attributes, params.get("with_completenesses") == "true")


def shown(
    request: Request, state: SandboxState, product: dict[str, Any], options: ReadOptions, by_uuid: bool = False
) -> dict[str, Any]:
    """The product as GET returns it: a variant with its models' values, completenesses if asked, in the
    identifier API's shape or (`by_uuid`) the UUID API's."""
    parents = state.models.ancestors(product["parent"])
    if parents:
        product = {**product, "values": inherited_values(product["values"], parents)}
    body = (render_by_uuid if by_uuid else render)(product, _base(request), state.catalog, options)
    if options.with_completenesses:
        body["completenesses"] = completenesses(product, state.catalog)
    return body


def product_page(request: Request, order: str) -> dict[str, Any]:
    """A page of `GET /products` (order identifier) or `GET /products-uuid` (order uuid)."""
    state = _state(request)
    paging = parse_paging(request, allow_search_after=True)
    params = request.query_params
    ancestors = state.models.ancestor_codes
    query = SearchParser(state.catalog, params.get("search_locale"), params.get("search_scope"), ancestors).parse(
        params.get("search")
    )
    options = read_options(request, state)
    filters_categories = "categories" in load_search(params["search"]) if "search" in params else False
    if options.scope and not filters_categories:  # Akeneo: scope implies the channel's tree
        tree = state.catalog.category_with_descendants(state.catalog.channel(options.scope)["category_tree"])
        query.predicates.append(lambda product: bool(tree & set(product["categories"])))
    store = state.store
    if paging.type == "search_after":
        rows = store.scan(query.where, query.params, after=paging.search_after, order=order)
    elif query.predicates:
        rows = islice(store.scan(query.where, query.params, order=order), paging.offset, None)
    else:
        rows = store.scan(query.where, query.params, offset=paging.offset, order=order)
    matching = (product for product in rows if query.matches(product))
    page = list(islice(matching, paging.limit))
    items = [shown(request, state, product, options, by_uuid=order == "uuid") for product in page]
    if paging.type == "search_after":
        return search_after_envelope(request, paging, items, page[-1][order] if page else None)
    count = None
    if paging.with_count:
        count = (
            sum(1 for product in store.scan(query.where, query.params, order=order) if query.matches(product))
            if query.predicates
            else store.count(query.where, query.params, order=order)
        )
    return page_envelope(request, paging, items, count)


@router.get("/api/rest/v1/products")
async def list_products(request: Request) -> dict[str, Any]:
    return product_page(request, "identifier")


@router.get("/api/rest/v1/products/{identifier:path}")
async def get_product(identifier: str, request: Request) -> dict[str, Any]:
    state = _state(request)
    product = state.store.get(identifier)
    if product is None:
        raise ApiError(404, f'Product "{identifier}" does not exist or you do not have permission to access it.')
    return shown(request, state, product, read_options(request, state))


def upsert(state: SandboxState, identifier: str, payload: dict[str, Any], create_only: bool = False) -> int:
    """Apply a payload to one product; 201 if created, 204 if updated (changed or not)."""
    current = state.store.get(identifier)
    refuse_existing(current, create_only, "identifier", "The same identifier is already set on another product")
    product, changed = state.product_updater().apply(current, identifier, payload)
    if changed:
        state.store.put(product)
        events.product_written(state, product, created=current is None)
    return 201 if current is None else 204


def _written(request: Request, identifier: str, status: int) -> Response:
    return Response(status_code=status, headers={"Location": product_url(_base(request), identifier)})


@router.post("/api/rest/v1/products")
async def create_product(request: Request) -> Response:
    payload = await json_object(request)
    identifier = check_identifier(payload.get("identifier"))
    return _written(request, identifier, upsert(_state(request), identifier, payload, create_only=True))


@router.patch("/api/rest/v1/products/{identifier:path}")
async def patch_product(identifier: str, request: Request) -> Response:
    payload = await json_object(request)
    body_identifier = payload.get("identifier", identifier)
    if body_identifier != identifier:
        raise ApiError(
            422,
            f'The identifier "{body_identifier}" provided in the request body must match the '
            f'identifier "{identifier}" provided in the url.',
        )
    return _written(request, identifier, upsert(_state(request), identifier, payload))


@router.delete("/api/rest/v1/products/{identifier:path}")
async def delete_product(identifier: str, request: Request) -> Response:
    state = _state(request)
    if state.store.get(identifier) is None:
        raise ApiError(404, f'Product "{identifier}" does not exist or you do not have permission to access it.')
    state.store.delete(state.store.get(identifier)["uuid"])  # type: ignore[index]
    return Response(status_code=204)


@router.patch("/api/rest/v1/products")
async def patch_products(request: Request) -> Response:
    state = _state(request)

    def handle(item: dict[str, Any]) -> tuple[str, int]:
        return item["identifier"], upsert(state, item["identifier"], item)

    def count(status: int) -> None:
        state.counters.patch_lines[str(status)] += 1

    return await collection_response(request, "identifier", handle, count)
