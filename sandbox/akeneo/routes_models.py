"""Product model routes (`/product-models`: list, GET/POST/PATCH one, the NDJSON collection PATCH keyed by
`code`) and the read-only family variants of a family (`/families/{family}/variants[/{code}]`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sandbox.akeneo.bodies import collection_response, json_object
from sandbox.akeneo.catalog_writes import code_of
from sandbox.akeneo.errors import ApiError
from sandbox.akeneo.models import ModelUpdater, check_code, inherited_values
from sandbox.akeneo.paging import api_url, paged
from sandbox.akeneo.product_views import render
from sandbox.akeneo.products import refuse_existing
from sandbox.akeneo.routes_auth import authenticate
from sandbox.akeneo.search import load_search
from sandbox.akeneo.state import SandboxState
from sandbox.akeneo.variants import shown_variant

router = APIRouter(dependencies=[Depends(authenticate)])
MODELS = "/api/rest/v1/product-models"


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _family_variants(request: Request, family: str) -> list[dict[str, Any]]:
    state = _state(request)
    if family not in state.catalog.entities["families"]:
        raise ApiError(404, f'Family "{family}" does not exist.')
    variants = state.catalog.entities["family_variants"].values()
    return sorted((item for item in variants if item["family"] == family), key=lambda item: item["code"])


@router.get("/api/rest/v1/families/{family}/variants")
async def list_family_variants(family: str, request: Request) -> dict[str, Any]:
    items = [shown_variant(item) for item in _family_variants(request, family)]
    return paged(request, items, lambda item: api_url(request, "families", family, "variants", item["code"]))


@router.get("/api/rest/v1/families/{family}/variants/{code}")
async def get_family_variant(family: str, code: str, request: Request) -> dict[str, Any]:
    found = next((item for item in _family_variants(request, family) if item["code"] == code), None)
    if found is None:
        raise ApiError(404, f'Family variant "{code}" does not exist.')
    return shown_variant(found)


def shown_model(request: Request, state: SandboxState, model: dict[str, Any]) -> dict[str, Any]:
    """A product model as Akeneo's GET returns it: a sub-model also shows its root model's values."""
    values = inherited_values(model["values"], state.models.ancestors(model["parent"]))
    as_product = {**model, "identifier": model["code"], "values": values, "enabled": True, "groups": []}
    body = render(as_product, str(request.base_url).rstrip("/"), state.catalog)
    keys = ("code", "family", "family_variant", "parent", "categories", "values", "created", "updated")
    return {
        "_links": {"self": {"href": api_url(request, "product-models", model["code"])}},
        **{key: body[key] if key in body else model[key] for key in keys},
        "associations": model["associations"],
        "quantified_associations": model["quantified_associations"],
    }


def _model_filter(request: Request) -> Any:
    """`search` on `parent` (=, IN, EMPTY, NOT EMPTY) and `family` (IN); others are refused like Akeneo."""
    raw = request.query_params.get("search")
    tests = []
    for name, conditions in (load_search(raw) if raw else {}).items():
        for condition in conditions if isinstance(conditions, list) else []:
            operator, value = condition.get("operator"), condition.get("value")
            wanted = set(value) if isinstance(value, list) else {value}
            if name in ("parent", "family") and operator in ("=", "IN"):
                tests.append(lambda model, name=name, wanted=wanted: model[name] in wanted)
            elif name == "parent" and operator in ("EMPTY", "NOT EMPTY"):
                tests.append(lambda model, empty=operator == "EMPTY": (model["parent"] is None) == empty)
            else:
                raise ApiError(
                    422, f'Filter on property "{name}" is not supported or does not support operator "{operator}"'
                )
    return lambda model: all(test(model) for test in tests)


@router.get(MODELS)
async def list_models(request: Request) -> dict[str, Any]:
    state = _state(request)
    keep = _model_filter(request)
    models = sorted((model for model in state.models.models.values() if keep(model)), key=lambda m: m["code"])
    items = [shown_model(request, state, model) for model in models]
    return paged(request, items, lambda item: item["_links"]["self"]["href"])


@router.get(MODELS + "/{code}")
async def get_model(code: str, request: Request) -> dict[str, Any]:
    state = _state(request)
    model = state.models.get(code)
    if model is None:
        raise ApiError(404, f'Product model "{code}" does not exist or you do not have permission to access it.')
    return shown_model(request, state, model)


def upsert_model(state: SandboxState, code: str, payload: dict[str, Any], create_only: bool = False) -> int:
    current = state.models.get(code)
    refuse_existing(current, create_only, "code", "The same code is already set on another product model")
    updater = ModelUpdater(state.catalog, state.models, state.product_updater().media_lookup)
    model, changed = updater.apply(current, code, payload)
    if changed:
        state.models.models[code] = model
    return 201 if current is None else 204


def _written(request: Request, code: str, status: int) -> Response:
    return Response(status_code=status, headers={"Location": api_url(request, "product-models", code)})


@router.post(MODELS)
async def create_model(request: Request) -> Response:
    payload = await json_object(request)
    code = check_code(payload.get("code"))
    return _written(request, code, upsert_model(_state(request), code, payload, create_only=True))


@router.patch(MODELS + "/{code}")
async def patch_model(code: str, request: Request) -> Response:
    payload = await json_object(request)
    code_of(payload, code)
    return _written(request, code, upsert_model(_state(request), code, payload))


@router.patch(MODELS)
async def patch_models(request: Request) -> Response:
    state = _state(request)
    return await collection_response(
        request, "code", lambda item: (item["code"], upsert_model(state, item["code"], item))
    )
