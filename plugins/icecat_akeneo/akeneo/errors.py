"""Errors of the Akeneo client: one base class so callers can catch "Akeneo said no" in one place.

Messages name the request (method, path, HTTP status, Akeneo's own message) and never carry secrets,
tokens or passwords, so they are safe in task logs and reports.
"""

from __future__ import annotations

import httpx


class AkeneoError(Exception):
    """A request Akeneo refused (after retries) or answered in a way the client cannot use."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class AkeneoAuthError(AkeneoError):
    """The API credentials were refused: nothing will work until the Connection is fixed."""


class PaginationLoopError(AkeneoError):
    """Akeneo handed out the same next-page link twice: following it would never end."""


def message_of(response: httpx.Response) -> str:
    """Akeneo's `message` from an error body, or the start of a non-JSON body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return str(body)[:200]
