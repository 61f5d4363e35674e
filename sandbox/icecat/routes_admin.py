"""Data-creation requests (the sandbox's model of Icecat's service-side task) and the `/_sandbox` admin
routes (health, reset, counters, fault knobs, index generations, mutations, removals)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.icecat.auth import json_account
from sandbox.icecat.errors import IcecatError
from sandbox.icecat.languages import FALLBACK_LANGUAGE
from sandbox.icecat.service import GTIN_PATTERN, json_object, lower_params, service_of

router = APIRouter()


@router.post("/data-creation/requests")
async def request_creation(request: Request) -> Response:
    service = service_of(request)
    state = service.state
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"error": 'body must be a JSON object {"gtin","brand","mpn","lang"}'}, 400)
    params = {**{k.lower(): str(v) for k, v in body.items() if v is not None}, **lower_params(request)}
    params.setdefault("lang", FALLBACK_LANGUAGE)
    gtin, brand, mpn = (params.get(k, "").strip() for k in ("gtin", "brand", "mpn"))
    try:
        account, lang = json_account(params, request.headers.get("api-token"), service.settings)
        if (gtin and not GTIN_PATTERN.match(gtin)) or not (gtin or (brand and mpn)):
            raise IcecatError(4)
    except IcecatError as error:
        return error.to_response()
    existing = state.find_request(gtin, brand, mpn)
    if existing is not None:
        return JSONResponse(existing.as_json(), 202)
    product = (state.by_gtin(gtin) if gtin else None) or (state.by_brand_mpn(brand, mpn) if brand and mpn else None)
    if product is not None:
        return JSONResponse({"error": "product already in Icecat", "icecat_id": product.icecat_id}, 409)
    return JSONResponse(state.add_request(gtin, brand, mpn, lang, account.name).as_json(), 202)


@router.get("/data-creation/requests/{request_id}")
async def creation_status(request_id: str, request: Request) -> Response:
    found = service_of(request).state.requests.get(request_id)
    if found is None:
        return JSONResponse({"error": f"no data-creation request {request_id!r}"}, 404)
    return JSONResponse(found.as_json())


@router.get("/_sandbox/health")
async def health(request: Request) -> dict[str, Any]:
    service = service_of(request)
    return {
        "status": "ok",
        "products": len(service.catalog.products),
        "synthetic": service.settings.synthetic,
        "generation": service.state.generation,
    }


@router.post("/_sandbox/reset")
async def reset(request: Request) -> dict[str, str]:
    service = service_of(request)
    service.state.reset()
    service.injector.reset()
    return {"status": "reset"}


@router.get("/_sandbox/counters")
async def counters(request: Request) -> dict[str, Any]:
    return service_of(request).injector.counters.as_json()


@router.post("/_sandbox/faults")
async def faults(request: Request) -> Response:
    knobs = await json_object(request)
    try:
        configured = service_of(request).injector.configure(knobs or {})
    except (TypeError, ValueError) as error:
        return JSONResponse({"error": str(error)}, 400)
    return JSONResponse(configured.__dict__)


@router.post("/_sandbox/index/generate")
async def generate(request: Request) -> dict[str, Any]:
    generation = service_of(request).state.generate()
    return {"generation": generation.number, "generated_at": generation.generated_at}


@router.post("/_sandbox/mutate")
async def mutate(request: Request) -> Response:
    state = service_of(request).state
    body = await json_object(request) or {}
    if isinstance(body.get("icecat_ids"), list):
        changed = state.mutate([int(i) for i in body["icecat_ids"] if str(i).isdigit()])
    elif isinstance(body.get("ratio"), (int, float)):
        changed = state.mutate_ratio(float(body["ratio"]), int(body.get("seed", 0)))
    else:
        return JSONResponse({"error": 'give {"icecat_ids": [...]} or {"ratio": 0.01, "seed": 1}'}, 400)
    return JSONResponse({"changed": changed, "generation": state.generation + 1})


@router.post("/_sandbox/remove")
async def remove(request: Request) -> Response:
    body = await json_object(request) or {}
    ids = body.get("icecat_ids")
    if not isinstance(ids, list):
        return JSONResponse({"error": 'give {"icecat_ids": [...]}'}, 400)
    return JSONResponse({"removed": service_of(request).state.remove([int(i) for i in ids if str(i).isdigit()])})
