"""Point 1 (OAuth): token grants, rotation, expiry and the exact error bodies a client branches on."""

from __future__ import annotations

import time

import httpx

from sandbox.akeneo.testing import ApiSession, request_token
from tests.conftest import AKENEO_CREDENTIALS, Sandbox

TOKEN = "/api/oauth/v1/token"
CLIENT = (AKENEO_CREDENTIALS["client_id"], AKENEO_CREDENTIALS["secret"])
PASSWORD_GRANT = {
    "grant_type": "password",
    "username": AKENEO_CREDENTIALS["username"],
    "password": AKENEO_CREDENTIALS["password"],
}


def post_token(akeneo: Sandbox, **kwargs: object) -> httpx.Response:
    return httpx.post(akeneo.base_url + TOKEN, **kwargs)  # type: ignore[arg-type]


def test_password_grant_returns_documented_token_shape(akeneo: Sandbox) -> None:
    first, second = request_token(akeneo.base_url).json(), request_token(akeneo.base_url).json()
    assert set(first) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert (first["expires_in"], first["token_type"], first["scope"]) == (3600, "bearer", None)
    assert first["access_token"] != second["access_token"]  # random, never a constant token
    assert len(first["access_token"]) >= 40


def test_form_encoded_body_is_accepted(akeneo: Sandbox) -> None:
    response = post_token(akeneo, auth=CLIENT, data=PASSWORD_GRANT)
    assert response.status_code == 200


def test_bad_client_and_bad_user_are_422_with_akeneo_messages(akeneo: Sandbox) -> None:
    bad_client = post_token(akeneo, auth=("sandbox_client", "wrong"), json=PASSWORD_GRANT)
    assert bad_client.status_code == 422
    assert bad_client.json() == {
        "code": 422,
        "message": 'Parameter "client_id" is missing or does not match any client, or secret is invalid',
    }
    garbled = post_token(akeneo, headers={"Authorization": "Basic %%%"}, json=PASSWORD_GRANT)
    assert garbled.status_code == 422
    bad_user = post_token(akeneo, auth=CLIENT, json={**PASSWORD_GRANT, "password": "nope"})
    assert bad_user.json() == {"code": 422, "message": "No user found for the given username and password"}
    missing = post_token(akeneo, auth=CLIENT, json={"grant_type": "password", "username": "sandbox_user"})
    assert (
        missing.json()["message"]
        == 'Parameter "grant_type", "username" or "password" is missing, empty or invalid'
    )


def test_token_route_rejects_invalid_json_other_content_types_and_big_bodies(akeneo: Sandbox) -> None:
    invalid = post_token(akeneo, auth=CLIENT, content=b"{nope", headers={"Content-Type": "application/json"})
    assert (invalid.status_code, invalid.json()["message"]) == (400, "Invalid json message received")
    text = post_token(akeneo, auth=CLIENT, content=b"x", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415
    big = post_token(akeneo, auth=CLIENT, json={**PASSWORD_GRANT, "pad": "x" * 400})
    assert big.status_code == 413


def test_refresh_rotates_both_tokens_and_burns_the_old_refresh_token(akeneo: Sandbox) -> None:
    tokens = request_token(akeneo.base_url).json()
    refreshed = post_token(
        akeneo, auth=CLIENT, json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["access_token"] != tokens["access_token"] and new["refresh_token"] != tokens["refresh_token"]
    again = post_token(
        akeneo, auth=CLIENT, json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert again.json() == {"code": 422, "message": "Refresh token is invalid or has expired"}
    products = httpx.get(
        akeneo.base_url + "/api/rest/v1/products", headers={"Authorization": f"Bearer {new['access_token']}"}
    )
    assert products.status_code == 200


def test_api_routes_require_a_valid_bearer_token(akeneo: Sandbox) -> None:
    url = akeneo.base_url + "/api/rest/v1/products"
    assert httpx.get(url).json() == {"code": 401, "message": "Authentication is required"}
    assert httpx.get(url, auth=CLIENT).status_code == 401  # Basic instead of Bearer
    invalid = httpx.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert invalid.json() == {"code": 401, "message": "The access token provided is invalid."}
    root = httpx.get(akeneo.base_url + "/api/rest/v1")
    assert root.status_code == 200 and "/api/rest/v1/products" in root.json()["routes"]


def test_access_token_expires_after_the_configured_ttl(akeneo: Sandbox) -> None:
    akeneo.faults(token_ttl=1)
    with ApiSession(akeneo.base_url) as api:
        assert api.tokens["expires_in"] == 1
        assert api.get("/api/rest/v1/products").status_code == 200
        time.sleep(1.2)
        expired = api.get("/api/rest/v1/products")
        assert expired.json() == {"code": 401, "message": "The access token provided has expired."}
        refreshed = post_token(
            akeneo,
            auth=CLIENT,
            json={"grant_type": "refresh_token", "refresh_token": api.tokens["refresh_token"]},
        )
        assert refreshed.status_code == 200
