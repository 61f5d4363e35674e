"""Icecat requests spread over pools of one connection each, instead of one pool of all the connections.

Why: on every request and every response it closes, httpcore's pool walks all its connections (is each idle,
expired? the latter polls each idle socket through anyio); with the Icecat client's 10 connections and 8
requests in flight that walk was about a fifth of the client's CPU per answer (bench/README.md, "enrich's
client CPU per answer"). A pool of one connection walks one: each request takes an idle slot, and its slot is
idle again when its response is closed (httpx closes it once the body is read, or on error). Requests beyond
the slots (the daily index or a retry beside a full window) go to one ordinary pool.

Only without proxy variables in the environment: an httpx client given a transport ignores them, so with one
set the client keeps httpx's own transport (which honours them).
"""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Callable

import httpx


def spread_transport(slots: int) -> SpreadTransport | None:
    """The transport for an Icecat client with `slots` requests in flight; None (httpx's own) under a proxy."""
    if urllib.request.getproxies():
        return None
    tls = httpx.create_ssl_context()  # one for all: each transport would load the CA bundle (~30 ms CPU each)
    return SpreadTransport(slots, lambda: httpx.AsyncHTTPTransport(verify=tls, limits=httpx.Limits(max_connections=1)),
                           httpx.AsyncHTTPTransport(verify=tls))


class SpreadTransport(httpx.AsyncBaseTransport):
    """`slots` transports (`make()` each), a request per idle one, `overflow` when none is idle."""

    def __init__(self, slots: int, make: Callable[[], httpx.AsyncBaseTransport],
                 overflow: httpx.AsyncBaseTransport) -> None:
        self._slots = [make() for _ in range(slots)]
        self._idle = list(self._slots)
        self._overflow = overflow

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._idle:
            return await self._overflow.handle_async_request(request)
        slot = self._idle.pop()
        try:
            response = await slot.handle_async_request(request)
        except BaseException:
            self._idle.append(slot)
            raise
        if response.is_closed:  # its body read already (a test's mock): nothing holds the connection
            self._idle.append(slot)
        else:
            response.stream = _Releasing(response.stream, lambda: self._idle.append(slot))  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        for transport in (*self._slots, self._overflow):
            await transport.aclose()


class _Releasing(httpx.AsyncByteStream):
    """A response body that gives its slot back once, when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._release is not None:
                self._release, release = None, self._release
                release()
