"""Injected faults and request counters, as an ASGI middleware in front of every non-admin route.

Real Icecat throttles above ~6-10 parallel calls per account and has bad days; clients must be tested
against latency, 429 (with and without Retry-After), 5xx and dropped connections, and benchmarks need to
see what the client really sent. Admin routes (`/_sandbox/...`) are neither delayed nor counted.
"""

from __future__ import annotations

import asyncio
import base64
import random
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PREFIX = "/_sandbox"
THROTTLE_BODY = (
    b'{"StatusCode":429,"Code":429,"Error":"Too Many Requests",'
    b'"Message":"Too many parallel requests for this account"}'
)
NULLABLE_KNOBS = frozenset({"concurrency_limit", "retry_after", "seed"})


@dataclass
class Faults:
    latency_ms: int = 0
    jitter_ms: int = 0
    concurrency_limit: int | None = None
    retry_after: float | None = 1
    error_rate: float = 0.0
    reset_rate: float = 0.0
    seed: int | None = None

    @classmethod
    def from_knobs(cls, knobs: dict[str, Any], defaults: Faults) -> Faults:
        """`defaults` updated with `knobs`; unknown knob names are a ValueError naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(knobs) - known)
        if unknown:
            raise ValueError(f"unknown fault knob(s) {unknown}; known: {sorted(known)}")
        for name, value in knobs.items():
            nullable = name in NULLABLE_KNOBS
            if not (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and value >= 0
                or value is None
                and nullable
            ):
                raise ValueError(
                    f"fault knob {name!r} must be a number >= 0{' or null' if nullable else ''}, "
                    f"got {value!r}"
                )
        return cls(**{**asdict(defaults), **knobs})


@dataclass
class Counters:
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_lookup: Counter[str] = field(default_factory=Counter)
    by_account: Counter[str] = field(default_factory=Counter)
    throttled_429: int = 0
    injected_errors: int = 0
    injected_resets: int = 0
    max_concurrency: int = 0
    max_concurrency_per_account: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": sum(self.by_route.values()),
            "by_route": dict(self.by_route),
            "by_status": dict(self.by_status),
            "by_lookup": dict(self.by_lookup),
            "by_account": dict(self.by_account),
            "throttled_429": self.throttled_429,
            "injected_errors": self.injected_errors,
            "injected_resets": self.injected_resets,
            "max_concurrency": self.max_concurrency,
            "max_concurrency_per_account": self.max_concurrency_per_account,
        }


def route_name(path: str) -> str:
    """Counter key of a path: its first segment, with the XML interface and index files named."""
    if path.startswith("/xml_s3"):
        return "xml"
    if path.startswith("/export/"):
        return "index" if "index" in path else "export_xml"
    segment = path.strip("/").split("/", 1)[0]
    return segment or "root"


def account_of(scope: Scope) -> str:
    """The Icecat account a request is made for: query `shopname`/`username`, else Basic-auth user."""
    query = scope.get("query_string", b"").decode("latin-1").replace(";", "&")
    for key, value in parse_qsl(query):
        if key.lower() in ("shopname", "username") and value:
            return value
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value[:6].lower() == b"basic ":
            try:
                return base64.b64decode(value[6:]).decode("utf-8").split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                return "anonymous"
    return "anonymous"


class FaultInjector:
    """ASGI middleware applying `Faults` and filling `Counters`; both are replaced on reset."""

    def __init__(self, app: ASGIApp, defaults: Faults) -> None:
        self.app = app
        self.defaults = defaults
        self.faults = defaults
        self.counters = Counters()
        self.random = random.Random(defaults.seed)
        self.in_flight = 0
        self.in_flight_by_account: Counter[str] = Counter()

    def configure(self, knobs: dict[str, Any]) -> Faults:
        self.faults = Faults.from_knobs(knobs, self.defaults) if knobs else self.defaults
        self.random = random.Random(self.faults.seed)
        return self.faults

    def reset(self) -> None:
        self.faults = self.defaults
        self.random = random.Random(self.defaults.seed)
        self.counters = Counters()

    def count_lookup(self, kind: str) -> None:
        self.counters.by_lookup[kind] += 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        account = account_of(scope)
        counters = self.counters
        counters.by_route[route_name(scope["path"])] += 1
        counters.by_account[account] += 1
        faults = self.faults
        if (
            faults.concurrency_limit is not None
            and self.in_flight_by_account[account] >= faults.concurrency_limit
        ):
            counters.throttled_429 += 1
            counters.by_status["429"] += 1
            await self._throttle(send, faults.retry_after)
            return
        self.in_flight += 1
        self.in_flight_by_account[account] += 1
        counters.max_concurrency = max(counters.max_concurrency, self.in_flight)
        counters.max_concurrency_per_account = max(
            counters.max_concurrency_per_account, self.in_flight_by_account[account]
        )
        try:
            await self._serve(scope, receive, send, faults, counters)
        finally:
            self.in_flight -= 1
            self.in_flight_by_account[account] -= 1

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, faults: Faults, counters: Counters
    ) -> None:
        delay_ms = faults.latency_ms + (self.random.uniform(0, faults.jitter_ms) if faults.jitter_ms else 0)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if faults.reset_rate and self.random.random() < faults.reset_rate:
            counters.injected_resets += 1
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
                }
            )
            raise ConnectionResetError("sandbox: injected connection reset")
        if faults.error_rate and self.random.random() < faults.error_rate:
            counters.injected_errors += 1
            status = self.random.choice((500, 502, 503))
            counters.by_status[str(status)] += 1
            await _plain(send, status, b"Icecat sandbox: injected server error")
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                counters.by_status[str(message["status"])] += 1
            await send(message)

        await self.app(scope, receive, counting_send)

    @staticmethod
    async def _throttle(send: Send, retry_after: float | None) -> None:
        headers = [(b"content-type", b"application/json")]
        if retry_after is not None:
            headers.append(
                (b"retry-after", str(retry_after if retry_after % 1 else int(retry_after)).encode())
            )
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": THROTTLE_BODY})


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
    )
    await send({"type": "http.response.body", "body": body})
