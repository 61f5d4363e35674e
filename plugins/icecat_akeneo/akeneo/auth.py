"""OAuth for the Akeneo API: one token shared by every request, renewed before it expires.

Akeneo tokens live an hour by default. Asking for a token per request would double the call count (and
count against the SaaS rate limit), so the token is reused; it is renewed shortly before `expires_in`
runs out, or when a request comes back 401 anyway (server restart, revoked token). Only a 4xx from
the token URL means refused credentials (`AkeneoAuthError`); the transport turns 5xx and transport failures
into `AkeneoUnavailable` before they get here. Renewal tries the
refresh_token grant first and falls back to the password grant when the refresh token is refused, as the
official PHP client does. A lock makes concurrent requests share one renewal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoError, message_of

TOKEN_PATH = "/api/oauth/v1/token"
# The token URL's "no" to the credentials (Akeneo answers 422 for a wrong password); 5xx is an outage and a
# 404 a wrong host, neither is the credentials' fault.
NOT_A_REFUSAL = frozenset({404, 408, 429})
RENEWAL_MARGIN_S = 60.0
RENEWAL_MARGIN_SHARE = 0.1

SendGrant = Callable[[dict[str, str]], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    renew_at: float

    @classmethod
    def from_response(cls, body: dict[str, Any], now: float) -> Token:
        """Renew at 90% of the lifetime (at most one minute early), so short test TTLs work too."""
        lifetime = float(body.get("expires_in") or 3600)
        margin = min(RENEWAL_MARGIN_S, lifetime * RENEWAL_MARGIN_SHARE)
        return cls(body["access_token"], body.get("refresh_token"), now + lifetime - margin)


class TokenProvider:
    """Hands out a valid access token; `send_grant` posts a grant body to the token endpoint."""

    def __init__(
        self,
        send_grant: SendGrant,
        username: str,
        password: str,
        describe: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send_grant = send_grant
        self._username = username
        self._password = password
        self._describe = describe
        self._clock = clock
        self._token: Token | None = None
        self._lock = asyncio.Lock()
        self.grants: dict[str, int] = {"password": 0, "refresh_token": 0}

    async def access_token(self) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._token.renew_at:
                self._token = await self._obtain()
            return self._token.access_token

    async def renew_after_rejection(self, rejected: str) -> None:
        """A request was answered 401 with `rejected`; renew unless another request already did."""
        async with self._lock:
            if self._token is None or self._token.access_token == rejected:
                self._token = await self._obtain()

    async def _obtain(self) -> Token:
        if self._token is not None and self._token.refresh_token:
            response = await self._grant(
                {"grant_type": "refresh_token", "refresh_token": self._token.refresh_token}
            )
            if response.status_code == 200:
                return Token.from_response(response.json(), self._clock())
        response = await self._grant(
            {"grant_type": "password", "username": self._username, "password": self._password}
        )
        if response.status_code == 200:
            return Token.from_response(response.json(), self._clock())
        if not 400 <= response.status_code < 500 or response.status_code in NOT_A_REFUSAL:
            raise AkeneoError(
                f"Akeneo's token endpoint for {self._describe} answered HTTP {response.status_code} "
                f"{message_of(response)}: check the Connection's host",
                response.status_code,
            )
        raise AkeneoAuthError(
            f"Akeneo refused the API credentials of {self._describe}: HTTP {response.status_code} "
            f"{message_of(response)}. Check the Connection's client id, secret, username and password.",
            response.status_code,
        )

    async def _grant(self, body: dict[str, str]) -> httpx.Response:
        self.grants[body["grant_type"]] += 1
        return await self._send_grant(body)
