"""OAuth token route and the bearer-token guard every other API route uses.

Akeneo answers token problems with 422 (not 401) and exact FOS OAuth messages; clients that branch on
these (refresh on 401, re-login when the refresh token is refused) must see the same codes here.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from sandbox.akeneo.bodies import media_type, parse_object, require_content_type
from sandbox.akeneo.errors import INVALID_JSON, ApiError
from sandbox.akeneo.state import SandboxState

TOKEN_MAX_BYTES = 300
TOKEN_CONTENT_MAX = 200
FORM_TYPE = "application/x-www-form-urlencoded"
PASSWORD_INVALID_REQUEST = 'Parameter "grant_type", "username" or "password" is missing, empty or invalid'
REFRESH_INVALID_REQUEST = 'Parameter "grant_type" or "refresh_token" is missing or empty'
INVALID_CLIENT = 'Parameter "client_id" is missing or does not match any client, or secret is invalid'

router = APIRouter()


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _client_credentials(request: Request, fields: dict[str, Any]) -> tuple[object, object]:
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None, None
        return client_id, secret
    return fields.get("client_id"), fields.get("client_secret")


def _token_fields(request: Request, body: bytes) -> dict[str, Any]:
    if media_type(request) == FORM_TYPE:
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise ApiError(400, INVALID_JSON) from None
    return parse_object(body)


@router.post("/api/oauth/v1/token")
async def token(request: Request) -> JSONResponse:
    state: SandboxState = request.app.state.sandbox
    body = await request.body()
    if len(body) > TOKEN_MAX_BYTES:
        raise ApiError(413, f"Request content exceeded the maximum allowed size of {TOKEN_MAX_BYTES} bytes")
    require_content_type(request, "application/json", FORM_TYPE)
    if len(body) > TOKEN_CONTENT_MAX:
        raise ApiError(422, "The request content size is too large")
    fields = _token_fields(request, body)
    grant_type = fields.get("grant_type")
    if grant_type not in ("password", "refresh_token"):
        raise ApiError(
            422,
            PASSWORD_INVALID_REQUEST if not grant_type else "Invalid grant_type parameter or parameter missing",
        )
    client_id, secret = _client_credentials(request, fields)
    credentials = state.credentials
    if not (_same(client_id, credentials.client_id) and _same(secret, credentials.secret)):
        raise ApiError(422, INVALID_CLIENT)
    if grant_type == "password":
        username, password = fields.get("username"), fields.get("password")
        if not (isinstance(username, str) and username and isinstance(password, str) and password):
            raise ApiError(422, PASSWORD_INVALID_REQUEST)
        if not (_same(username, credentials.username) and _same(password, credentials.password)):
            raise ApiError(422, "No user found for the given username and password")
    else:
        refresh = fields.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise ApiError(422, REFRESH_INVALID_REQUEST)
        if not state.tokens.use_refresh(refresh):
            raise ApiError(422, "Refresh token is invalid or has expired")
    state.counters.tokens_issued += 1
    return JSONResponse(state.tokens.issue(state.knobs.token_ttl))


def authenticate(request: Request) -> None:
    """Dependency of every API route but the token and root routes: a valid, unexpired bearer token."""
    state: SandboxState = request.app.state.sandbox
    header = request.headers.get("authorization", "")
    if header[:7].lower() != "bearer " or not header[7:].strip():
        raise ApiError(401, "Authentication is required")
    problem = state.tokens.check(header[7:].strip())
    if problem:
        raise ApiError(401, problem)
    accept = request.headers.get("accept")
    if (
        request.method == "GET"
        and accept
        and not request.url.path.endswith("/download")
        and "application/json" not in accept
        and "*/*" not in accept
    ):
        raise ApiError(406, f'"{accept}" in "Accept" header is not valid. Only "application/json" is allowed.')


@router.get("/api/rest/v1")
async def api_root(request: Request) -> dict[str, Any]:
    """The unauthenticated route list clients use to detect the API (as Akeneo's root endpoint); the UUID
    routes are listed for 7.0 and SaaS only, which is how clients tell them from 5.0 / 6.0."""
    routes = {}
    for route in request.app.routes:
        path = getattr(route, "path_format", "")
        uuid_api = path.startswith("/api/rest/v1/products-uuid")
        if path.startswith("/api/rest/v1/") and (not uuid_api or request.app.state.sandbox.edition in UUID_EDITIONS):
            entry = routes.setdefault(path, {"route": path, "methods": []})
            entry["methods"] = sorted(set(entry["methods"]) | (route.methods or set()))
    return {
        "host": str(request.base_url).rstrip("/"),
        "authentication": {"fos_oauth_server_token": {"route": "/api/oauth/v1/token", "methods": ["POST"]}},
        "routes": routes,
    }


# --edition -> Akeneo's answer (api-reference: SaaS answers "Serenity" and a build stamp, PaaS/on-premise
# "CE"/"EE" and the version)
UUID_EDITIONS = ("saas", "7.0")  # editions with the /products-uuid API
EDITIONS = {
    "saas": {"edition": "Serenity", "version": "20260101000000"},
    "7.0": {"edition": "CE", "version": "7.0.50"},
    "6.0": {"edition": "CE", "version": "6.0.60"},
    "5.0": {"edition": "CE", "version": "5.0.28"},
}


@router.get("/api/rest/v1/system-information", dependencies=[Depends(authenticate)])
async def system_information(request: Request) -> dict[str, str]:
    """Which PIM this is: clients tell Akeneo 7/SaaS (UUID API) from 5/6 by it."""
    return EDITIONS[request.app.state.sandbox.edition]
