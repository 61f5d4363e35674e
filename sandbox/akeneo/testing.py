"""A thin raw-HTTP session for the conformance tests and the measurement script: it only gets a token and
adds the bearer header, so tests exercise the wire format directly (no connector code, no client library).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.akeneo.bodies import COLLECTION_TYPE
from sandbox.akeneo.state import Credentials

DEFAULT = Credentials()


def request_token(base_url: str, credentials: Credentials = DEFAULT) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/oauth/v1/token",
        auth=(credentials.client_id, credentials.secret),
        json={"grant_type": "password", "username": credentials.username, "password": credentials.password},
    )


class ApiSession(httpx.Client):
    """httpx.Client on the sandbox with a fresh bearer token."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        response = request_token(base_url)
        response.raise_for_status()
        self.tokens = response.json()
        super().__init__(
            base_url=base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
            **kwargs,
        )

    def patch_lines(
        self, lines: list[dict[str, Any] | str], path: str = "/api/rest/v1/products"
    ) -> list[dict[str, Any]]:
        """Collection PATCH; returns the parsed response lines (asserting the 200 stream answer)."""
        body = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
        response = self.patch(path, content=body.encode(), headers={"Content-Type": COLLECTION_TYPE})
        assert response.status_code == 200, response.text
        return [json.loads(line) for line in response.text.split("\n")]


@pytest.fixture(name="api")
def api_fixture(akeneo: Any) -> Iterator[ApiSession]:
    """A raw session on the freshly reset demo sandbox (the `akeneo` fixture of tests/conftest.py)."""
    with ApiSession(akeneo.base_url) as session:
        yield session
