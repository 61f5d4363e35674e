"""The Icecat sandbox's HTTP routes: JSON API, XML interface, index files, media, data creation, admin."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from sandbox.icecat import index_files
from sandbox.icecat.auth import Account, basic_account, json_account
from sandbox.icecat.catalog import SAMPLES_DIR, Catalog, Identity, Product, SyntheticCatalog, derive_product
from sandbox.icecat.config import Settings
from sandbox.icecat.errors import (
    XML_BAD_REQUEST,
    XML_FULL_REQUIRED,
    XML_NOT_PRESENT,
    XML_RESTRICTED,
    IcecatError,
    xml_error_response,
)
from sandbox.icecat.faults import FaultInjector
from sandbox.icecat.languages import FALLBACK_LANGUAGE, LANGUAGES, normalize_language
from sandbox.icecat.media import media_file, rewrite_media_urls
from sandbox.icecat.render import apply_mutation_json, apply_mutation_xml, filter_content, json_envelope
from sandbox.icecat.state import SandboxState

# A non-sponsor brand (Open users get error 9): identifiers from the real 403 sample (Hill's 10012).
NON_SPONSOR_IDENTITY = Identity(600_000_001, "Hill's", "10012", "0052742001203", "Hill's 10012")
GTIN_PATTERN = re.compile(r"^\d{8,14}$")


def build_catalog(settings: Settings) -> Catalog:
    catalog = Catalog()
    catalog.load_folder(SAMPLES_DIR)
    for folder in settings.samples:
        catalog.load_folder(folder)
    template = catalog.templates()[0]
    catalog.add(
        derive_product(template, NON_SPONSOR_IDENTITY, (FALLBACK_LANGUAGE,), template.updated, sponsor=False)
    )
    return catalog


def lower_params(request: Request) -> dict[str, str]:
    """Query parameters with case-insensitive names; `;` separates like `&` (the XML interface's style)."""
    params: dict[str, str] = {}
    for pair in re.split(r"[;&]", request.url.query):
        key, _, value = pair.partition("=")
        if key:
            params.setdefault(unquote_plus(key).lower(), unquote_plus(value).strip())
    return params


def identifier_of(
    params: dict[str, str], gtin_key: str, brand_key: str, code_key: str, id_key: str
) -> tuple[str, tuple[str, ...]] | None:
    """(lookup kind, values) from the request, or None when the identifiers are missing or malformed."""
    gtin, brand, code, icecat_id = (params.get(k, "") for k in (gtin_key, brand_key, code_key, id_key))
    if gtin:
        return ("gtin", (gtin,)) if GTIN_PATTERN.match(gtin) else None
    if brand or code:
        return ("brand_mpn", (brand, code)) if brand and code else None
    if icecat_id:
        return ("icecat_id", (icecat_id,)) if icecat_id.isdigit() and len(icecat_id) < 12 else None
    return None


def create_app(settings: Settings) -> FaultInjector:
    catalog = build_catalog(settings)
    state = SandboxState(
        catalog,
        SyntheticCatalog(settings.synthetic, catalog.templates()),
        creation_delay_generations=settings.creation_delay_generations,
    )
    app = FastAPI(title="Icecat sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    injector = FaultInjector(app, settings.faults)

    def media_base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def served_text(text: str, request: Request) -> str:
        return text if settings.keep_media_urls else rewrite_media_urls(text, media_base(request))

    def find(kind: str, values: tuple[str, ...]) -> Product | None:
        if kind == "gtin":
            return state.by_gtin(values[0])
        if kind == "brand_mpn":
            return state.by_brand_mpn(values[0], values[1])
        return state.by_id(int(values[0]))

    def check_access(product: Product, account: Account) -> int | None:
        """The Icecat error code refusing `account` this product, if any."""
        if not product.sponsor and not account.full:
            return 9
        if account.full and product.category_id in settings.restricted_categories:
            return 12
        return None

    # --- JSON product API ---
    async def json_product(request: Request) -> Response:
        params = lower_params(request)
        try:
            account, lang = json_account(params, request.headers.get("api-token"), settings)
            identifier = identifier_of(params, "gtin", "brand", "productcode", "icecat_id")
            if identifier is None:
                raise IcecatError(4)
            injector.count_lookup(identifier[0])
            product = find(*identifier)
            if product is None:
                raise IcecatError(8)
            refusal = check_access(product, account)
            if refusal:
                raise IcecatError(refusal)
        except IcecatError as error:
            return error.to_response()
        data, _ = product.json_data(lang)
        apply_mutation_json(data, state.mutations.get(product.icecat_id))
        data["DemoAccount"] = not account.full
        body = json_envelope(filter_content(data, params.get("content")))
        return Response(served_text(body, request), media_type="application/json")

    app.add_api_route("/api", json_product, methods=["GET"])
    app.add_api_route("/api/", json_product, methods=["GET"])

    # --- XML interface ---
    def unauthorized() -> Response:
        return Response(
            "Authorization required",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Basic realm="Icecat"'},
        )

    def xml_response(product: Product, lang: str, request: Request) -> Response:
        document = product.xml_doc(lang)
        if document is None:
            return xml_error_response(XML_NOT_PRESENT)
        document = apply_mutation_xml(document, state.mutations.get(product.icecat_id))
        return Response(served_text(document.decode("utf-8"), request), media_type="text/xml")

    @app.get("/xml_s3/xml_server3.cgi")
    async def xml_product(request: Request) -> Response:
        account = basic_account(
            request.headers.get("authorization"), request.headers.get("api-token"), settings
        )
        if account is None:
            return unauthorized()
        params = lower_params(request)
        lang = normalize_language(params.get("lang"))
        identifier = identifier_of(params, "ean_upc", "vendor", "prod_id", "product_id")
        if lang is None or identifier is None or params.get("output", "productxml").lower() != "productxml":
            return xml_error_response(XML_BAD_REQUEST)
        injector.count_lookup(f"xml_{identifier[0]}")
        product = find(*identifier)
        if product is None:
            return xml_error_response(XML_NOT_PRESENT)
        refusal = check_access(product, account)
        if refusal:
            return xml_error_response(XML_FULL_REQUIRED if refusal == 9 else XML_RESTRICTED)
        return xml_response(product, lang, request)

    # --- index files and per-product XML by path ---
    def index_route(full_only: bool) -> Any:
        async def serve(lang: str, name: str, request: Request) -> Response:
            account = basic_account(
                request.headers.get("authorization"), request.headers.get("api-token"), settings
            )
            if account is None or (full_only and not account.full):
                return unauthorized()
            code = lang.upper()
            if code not in LANGUAGES:
                return Response("Not Found", status_code=404, media_type="text/plain")
            product_match = re.fullmatch(r"(\d+)\.xml", name)
            if product_match:
                product = state.by_id(int(product_match.group(1)))
                if product is None or check_access(product, account):
                    return xml_error_response(XML_NOT_PRESENT)
                return xml_response(product, code, request)
            return index_file(name, code, full_only, request)

        return serve

    def index_file(name: str, lang: str, full: bool, request: Request) -> Response:
        match = re.fullmatch(r"(daily|files)\.index\.(xml|csv)(\.gz)?", name)
        if not match:
            return Response("Not Found", status_code=404, media_type="text/plain")
        kind, fmt, gz = match.groups()
        render = index_files.xml_index if fmt == "xml" else index_files.csv_index
        lines: Iterator[str] = (
            served_text(line, request) for line in render(state, lang, full, kind == "daily")
        )
        media_type = "text/xml" if fmt == "xml" else "text/csv"
        if gz:
            return Response(gzip.compress("".join(lines).encode("utf-8")), media_type="application/gzip")
        return StreamingResponse((line.encode("utf-8") for line in lines), media_type=media_type)

    app.add_api_route("/export/freexml/{lang}/{name}", index_route(False), methods=["GET"])
    app.add_api_route("/export/freexml.int/{lang}/{name}", index_route(False), methods=["GET"])
    app.add_api_route("/export/level4/{lang}/{name}", index_route(True), methods=["GET"])

    # --- media ---
    @app.get("/media/{path:path}")
    async def media(path: str) -> Response:
        body, content_type = media_file(path)
        return Response(body, media_type=content_type)

    # --- data-creation requests (sandbox model of Icecat's service-side task) ---
    @app.post("/data-creation/requests")
    async def request_creation(request: Request) -> Response:
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
            account, lang = json_account(params, request.headers.get("api-token"), settings)
            if (gtin and not GTIN_PATTERN.match(gtin)) or not (gtin or (brand and mpn)):
                raise IcecatError(4)
        except IcecatError as error:
            return error.to_response()
        existing = state.find_request(gtin, brand, mpn)
        if existing is not None:
            return JSONResponse(existing.as_json(), 202)
        product = (state.by_gtin(gtin) if gtin else None) or (
            state.by_brand_mpn(brand, mpn) if brand and mpn else None
        )
        if product is not None:
            return JSONResponse({"error": "product already in Icecat", "icecat_id": product.icecat_id}, 409)
        return JSONResponse(state.add_request(gtin, brand, mpn, lang, account.name).as_json(), 202)

    @app.get("/data-creation/requests/{request_id}")
    async def creation_status(request_id: str) -> Response:
        found = state.requests.get(request_id)
        if found is None:
            return JSONResponse({"error": f"no data-creation request {request_id!r}"}, 404)
        return JSONResponse(found.as_json())

    # --- admin ---
    @app.get("/_sandbox/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "products": len(catalog.products),
            "synthetic": settings.synthetic,
            "generation": state.generation,
        }

    @app.post("/_sandbox/reset")
    async def reset() -> dict[str, str]:
        state.reset()
        injector.reset()
        return {"status": "reset"}

    @app.get("/_sandbox/counters")
    async def counters() -> dict[str, Any]:
        return injector.counters.as_json()

    @app.post("/_sandbox/faults")
    async def faults(request: Request) -> Response:
        knobs = await _json_object(request)
        try:
            configured = injector.configure(knobs or {})
        except (TypeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(configured.__dict__)

    @app.post("/_sandbox/index/generate")
    async def generate() -> dict[str, Any]:
        generation = state.generate()
        return {"generation": generation.number, "generated_at": generation.generated_at}

    @app.post("/_sandbox/mutate")
    async def mutate(request: Request) -> Response:
        body = await _json_object(request) or {}
        if isinstance(body.get("icecat_ids"), list):
            changed = state.mutate([int(i) for i in body["icecat_ids"] if str(i).isdigit()])
        elif isinstance(body.get("ratio"), (int, float)):
            changed = state.mutate_ratio(float(body["ratio"]), int(body.get("seed", 0)))
        else:
            return JSONResponse({"error": 'give {"icecat_ids": [...]} or {"ratio": 0.01, "seed": 1}'}, 400)
        return JSONResponse({"changed": changed, "generation": state.generation + 1})

    @app.post("/_sandbox/remove")
    async def remove(request: Request) -> Response:
        body = await _json_object(request) or {}
        ids = body.get("icecat_ids")
        if not isinstance(ids, list):
            return JSONResponse({"error": 'give {"icecat_ids": [...]}'}, 400)
        return JSONResponse({"removed": state.remove([int(i) for i in ids if str(i).isdigit()])})

    return injector


async def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
