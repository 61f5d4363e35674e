"""Assembles the FastAPI app: routers, the fault-injecting middleware and Akeneo-shaped error handling.

Every failure, including unknown routes, wrong methods and unexpected exceptions, is answered with an
Akeneo-shaped JSON error body, so a malformed request can never crash the server or leak a framework page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.akeneo import (
    events,
    routes_admin,
    routes_assets,
    routes_auth,
    routes_catalog,
    routes_media,
    routes_models,
    routes_options,
    routes_products,
    routes_products_uuid,
)
from sandbox.akeneo.errors import ApiError
from sandbox.akeneo.faults import FaultInjector, send_json
from sandbox.akeneo.state import SandboxState

log = logging.getLogger("sandbox.akeneo")


def _json_error(status: int, message: str, headers: dict[str, str] | None = None, **extra: object) -> JSONResponse:
    return JSONResponse({"code": status, "message": message, **extra}, status_code=status, headers=headers)


def create_app(state: SandboxState) -> FastAPI:
    app = FastAPI(title="Akeneo sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sandbox = state
    routers = (
        routes_admin,
        routes_auth,
        routes_products,
        routes_products_uuid,
        routes_media,
        routes_assets,
        routes_catalog,
        routes_options,
        routes_models,
        events,
    )
    for module in routers:
        app.include_router(module.router)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        route = f"{request.method} {request.url.path}"
        if error.status_code == 404:
            return _json_error(404, f'No route found for "{route}"')
        if error.status_code == 405:
            allowed = (error.headers or {}).get("allow", "")
            return _json_error(
                405,
                f'No route found for "{route}": Method Not Allowed (Allow: {allowed})',
                headers=error.headers,
            )
        return _json_error(error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return _json_error(400, "Bad request: the request could not be parsed.")

    app.add_middleware(FaultInjector, state=state)
    app.add_middleware(BugsAsJson)
    return app


class BugsAsJson:
    """Outermost middleware: an unexpected exception becomes a JSON 500 naming the bug, and the connection
    stays usable (Starlette's own error middleware would re-raise it to the server)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:  # noqa: BLE001 - the point is to answer whatever went wrong
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if scope["type"] == "http" and not started:
                await send_json(send, 500, {"code": 500, "message": f"Sandbox bug: {type(error).__name__}: {error}"})
