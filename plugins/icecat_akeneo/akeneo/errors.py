"""Errors of the Akeneo client: one base class so callers can catch "Akeneo said no" in one place.

Messages name the request (method, path, HTTP status, Akeneo's own message) and never carry secrets,
tokens or passwords, so they are safe in task logs and reports.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from icecat_akeneo.breaker import ApiUnavailable
from icecat_akeneo.redaction import redact


class AkeneoError(Exception):
    """A request Akeneo refused (after retries) or answered in a way the client cannot use."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class AkeneoAuthError(AkeneoError):
    """The API credentials were refused: nothing will work until the Connection is fixed."""


class AkeneoUnavailable(AkeneoError, ApiUnavailable):
    """Akeneo is down (5xx, timeouts, refused connections, or the circuit breaker is open): retry later."""


class PaginationLoopError(AkeneoError):
    """Akeneo handed out the same next-page link twice: following it would never end."""


def message_of(response: httpx.Response, secrets: Iterable[str | None] = ()) -> str:
    """Akeneo's `message` from an error body, or the start of a non-JSON body; secrets and queries redacted."""
    try:
        body = response.json()
    except ValueError:
        return redact(response.text[:200], secrets)
    if isinstance(body, dict) and "message" in body:
        return redact(str(body["message"]), secrets)
    return redact(str(body)[:200], secrets)
