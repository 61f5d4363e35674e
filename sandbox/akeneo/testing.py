"""A thin raw-HTTP session for the conformance tests and the measurement script: it only gets a token and
adds the bearer header, so tests exercise the wire format directly (no connector code, no client library).
`in_process` gives the same on an in-process app (Starlette's TestClient), for tests that need another seed
or edition than the shared demo server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from sandbox.akeneo.bodies import COLLECTION_TYPE
from sandbox.akeneo.state import Credentials, SandboxState

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


class InProcessApi(TestClient):
    """A bearer-authenticated TestClient on an in-process sandbox app."""

    def lines(self, path: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Collection PATCH; returns the parsed response lines (asserting the 200 stream answer)."""
        body = "\n".join(json.dumps(line) for line in lines)
        response = self.patch(path, content=body, headers={"Content-Type": COLLECTION_TYPE})
        assert response.status_code == 200, response.text
        return [json.loads(line) for line in response.text.split("\n")]

    def errors(self, response: httpx.Response) -> list[str]:
        """The messages of a 422: each of `errors`, or the top-level message."""
        assert response.status_code == 422, response.text
        return [error["message"] for error in response.json().get("errors", [])] or [response.json()["message"]]


def in_process(*flags: str) -> tuple[SandboxState, InProcessApi]:
    """A sandbox built from CLI flags (`--seed`, `--edition`...) on an in-memory store, and a client on it."""
    from sandbox.akeneo.__main__ import build_state, parse_args  # the CLI module imports this one's users
    from sandbox.akeneo.app import create_app

    state = build_state(parse_args(["--port", "1", *flags]), ":memory:")
    api = InProcessApi(create_app(state))
    token = api.post(
        "/api/oauth/v1/token",
        auth=(DEFAULT.client_id, DEFAULT.secret),
        json={"grant_type": "password", "username": DEFAULT.username, "password": DEFAULT.password},
    ).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    return state, api


def in_process_fixtures(*flags: str) -> tuple[Any, Any]:
    """(`sandbox`, `api`) pytest fixtures: one in-process sandbox per test module, reset before each test.
    Assign them in a test module: `sandbox, api = in_process_fixtures("--seed", "variants")`."""

    @pytest.fixture(scope="module")
    def sandbox() -> Iterator[tuple[SandboxState, InProcessApi]]:
        state, client = in_process(*flags)
        yield state, client
        state.store.close()

    @pytest.fixture
    def api(sandbox: tuple[SandboxState, InProcessApi]) -> InProcessApi:
        sandbox[0].reset()
        return sandbox[1]

    return sandbox, api
