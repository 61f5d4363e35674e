"""Test and benchmark knobs applied to every `/api` request: latency + jitter, a per-token concurrency
limit answered by 429 (with or without Retry-After), a ratio of 500/502/503, connection resets, slow
bodies and lost answers (media uploads and product PATCHes processed, then the connection closed without
a response), all drawn from one seeded RNG so a test sees the same faults on every run. Also counts
requests.

A connection reset needs the socket, which ASGI hides: `ResettableH11Protocol` (given to uvicorn) records
each connection's transport by peer address so a reset can abort it with SO_LINGER 0 (a real TCP RST).
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from sandbox.akeneo.state import SandboxState

TRANSPORTS: dict[tuple[str, int], asyncio.Transport] = {}
RATE_LIMIT_MESSAGE = "You have exceeded the limit of API requests per second."
SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
# route -> kind of the drop_<kind>_rate / drop_<kind>_next knobs that may lose its answer
DROPPABLE = {
    "POST /api/rest/v1/media-files": "media",
    "PATCH /api/rest/v1/products": "patch",
    "PATCH /api/rest/v1/products/{identifier}": "patch",
    "PATCH /api/rest/v1/products-uuid": "patch",
    "PATCH /api/rest/v1/products-uuid/{product_id}": "patch",
}


class ResettableH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.client:
            TRANSPORTS[self.client] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client:
            TRANSPORTS.pop(self.client, None)
        super().connection_lost(exc)


def reset_connection(scope: Scope, rst: bool = True) -> None:
    """Drop the request's connection at once: a TCP RST, or with `rst=False` a plain close (FIN)."""
    client = scope.get("client")
    transport = TRANSPORTS.get(tuple(client)) if client else None  # type: ignore[arg-type]
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None and rst:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


def bearer_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
    return None


class FaultInjector:
    """ASGI middleware in front of the API routes."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    def route_key(self, scope: Scope) -> str:
        router = scope.get("app").router if scope.get("app") else None  # type: ignore[union-attr]
        for route in getattr(router, "routes", []):
            if route.matches(scope)[0] is Match.FULL:
                return f"{scope['method']} {route.path_format}"
        return f"{scope['method']} {scope['path']}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api"):
            await self.app(scope, receive, send)
            return
        state, knobs = self.state, self.state.knobs
        route = self.route_key(scope)
        state.counters.requests[route] += 1
        token = bearer_of(scope) or ""
        if (
            token
            and knobs.concurrency_limit is not None
            and state.in_flight[token] >= knobs.concurrency_limit
        ):
            headers = {"Retry-After": str(knobs.retry_after)} if knobs.retry_after is not None else {}
            await send_json(send, 429, {"code": 429, "message": RATE_LIMIT_MESSAGE}, headers)
            return
        state.in_flight[token] += 1
        state.counters.max_concurrency = max(state.counters.max_concurrency, state.in_flight[token])
        try:
            delay = knobs.latency_ms + (state.rng.uniform(0, knobs.jitter_ms) if knobs.jitter_ms else 0)
            if delay:
                await asyncio.sleep(delay / 1000)
            if knobs.reset_rate and state.rng.random() < knobs.reset_rate:
                reset_connection(scope)
                await asyncio.sleep(0)  # let uvicorn see the disconnect (else it logs a missing response)
                return
            if knobs.error_rate and state.rng.random() < knobs.error_rate:
                status = state.rng.choice(sorted(SERVER_ERRORS))
                await send_json(send, status, {"code": status, "message": SERVER_ERRORS[status]})
                return
            drop = DROPPABLE.get(route)
            if drop and state.should_drop(drop):
                await self._answer_lost(scope, receive, drop)
                return
            await self.app(scope, receive, self._slowed(send) if knobs.slow_ms else send)
        finally:
            state.in_flight[token] -= 1

    async def _answer_lost(self, scope: Scope, receive: Receive, kind: str) -> None:
        """Process the request in full (Akeneo applied it), then close the connection without answering."""

        async def nowhere(message: Message) -> None:
            return None

        await self.app(scope, receive, nowhere)
        self.state.counters.responses_dropped[kind] += 1
        reset_connection(scope, rst=False)
        await asyncio.sleep(0)  # let uvicorn see the disconnect (else it answers 500 for a missing response)

    def _slowed(self, send: Send) -> Send:
        """Headers go out at once, the body only after `slow_ms`: a client read timeout fires mid-response."""

        async def slow_send(message: Message) -> None:
            if message["type"] == "http.response.body":
                await asyncio.sleep(self.state.knobs.slow_ms / 1000)
            await send(message)

        return slow_send
