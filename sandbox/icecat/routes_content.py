"""Icecat's content routes: the JSON product API, the XML interface, index files (and data-sheets by
path) and media files."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from sandbox.icecat import index_files
from sandbox.icecat.auth import basic_account, json_account
from sandbox.icecat.errors import (
    XML_BAD_REQUEST,
    XML_FULL_REQUIRED,
    XML_NOT_PRESENT,
    XML_RESTRICTED,
    IcecatError,
    xml_error_response,
)
from sandbox.icecat.languages import LANGUAGES, normalize_language
from sandbox.icecat.media import media_file
from sandbox.icecat.render import apply_mutation_json, filter_content, json_envelope
from sandbox.icecat.service import identifier_of, lower_params, service_of, unauthorized

router = APIRouter()


async def json_product(request: Request) -> Response:
    service = service_of(request)
    params = lower_params(request)
    try:
        account, lang = json_account(params, request.headers.get("api-token"), service.settings)
        identifier = identifier_of(params, "gtin", "brand", "productcode", "icecat_id")
        if identifier is None:
            raise IcecatError(4)
        service.injector.count_lookup(identifier[0])
        product = service.find(*identifier)
        if product is None:
            raise IcecatError(8)
        refusal = service.check_access(product, account)
        if refusal:
            raise IcecatError(refusal)
    except IcecatError as error:
        return error.to_response()
    data, _ = product.json_data(lang)
    apply_mutation_json(data, service.state.mutations.get(product.icecat_id))
    data["DemoAccount"] = not account.full
    body = json_envelope(filter_content(data, params.get("content")))
    return Response(service.served_text(body, request), media_type="application/json")


router.add_api_route("/api", json_product, methods=["GET"])
router.add_api_route("/api/", json_product, methods=["GET"])


@router.get("/xml_s3/xml_server3.cgi")
async def xml_product(request: Request) -> Response:
    service = service_of(request)
    account = basic_account(request.headers.get("authorization"), request.headers.get("api-token"), service.settings)
    if account is None:
        return unauthorized()
    params = lower_params(request)
    lang = normalize_language(params.get("lang"))
    identifier = identifier_of(params, "ean_upc", "vendor", "prod_id", "product_id")
    if lang is None or identifier is None or params.get("output", "productxml").lower() != "productxml":
        return xml_error_response(XML_BAD_REQUEST)
    service.injector.count_lookup(f"xml_{identifier[0]}")
    product = service.find(*identifier)
    if product is None:
        return xml_error_response(XML_NOT_PRESENT)
    refusal = service.check_access(product, account)
    if refusal:
        return xml_error_response(XML_FULL_REQUIRED if refusal == 9 else XML_RESTRICTED)
    return service.xml_response(product, lang, request)


def index_route(full_only: bool) -> Any:
    """Index files, and data-sheets by the path the index lists, of the Open or the Full (level4) tree."""

    async def serve(lang: str, name: str, request: Request) -> Response:
        service = service_of(request)
        account = basic_account(
            request.headers.get("authorization"), request.headers.get("api-token"), service.settings
        )
        if account is None or (full_only and not account.full):
            return unauthorized()
        code = lang.upper()
        if code not in LANGUAGES:
            return Response("Not Found", status_code=404, media_type="text/plain")
        product_match = re.fullmatch(r"(\d+)\.xml", name)
        if product_match:
            product = service.state.by_id(int(product_match.group(1)))
            if product is None or service.check_access(product, account):
                return xml_error_response(XML_NOT_PRESENT)
            return service.xml_response(product, code, request)
        return index_file(name, code, full_only, request)

    return serve


def index_file(name: str, lang: str, full: bool, request: Request) -> Response:
    match = re.fullmatch(r"(daily|files)\.index\.(xml|csv)(\.gz)?", name)
    if not match:
        return Response("Not Found", status_code=404, media_type="text/plain")
    service = service_of(request)
    kind, fmt, gz = match.groups()
    render = index_files.xml_index if fmt == "xml" else index_files.csv_index
    lines: Iterator[str] = (
        service.served_text(line, request) for line in render(service.state, lang, full, kind == "daily")
    )
    media_type = "text/xml" if fmt == "xml" else "text/csv"
    if gz:
        return Response(gzip.compress("".join(lines).encode("utf-8")), media_type="application/gzip")
    return StreamingResponse((line.encode("utf-8") for line in lines), media_type=media_type)


router.add_api_route("/export/freexml/{lang}/{name}", index_route(False), methods=["GET"])
router.add_api_route("/export/freexml.int/{lang}/{name}", index_route(False), methods=["GET"])
router.add_api_route("/export/level4/{lang}/{name}", index_route(True), methods=["GET"])


@router.get("/media/{path:path}")
async def media(path: str) -> Response:
    body, content_type = media_file(path)
    return Response(body, media_type=content_type)
