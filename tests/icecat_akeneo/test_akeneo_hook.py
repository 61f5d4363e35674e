"""AkeneoHook reads everything from an Airflow Connection (here: AIRFLOW_CONN_AKENEO_TEST JSON)."""

from __future__ import annotations

import json

import pytest
from icecat_akeneo.hooks.akeneo import AkeneoConnectionError, AkeneoHook

CONNECTION = {
    "conn_type": "akeneo",
    "host": "pim.example.com",
    "schema": "http",
    "port": 8080,
    "login": "api_user",
    "password": "api-password-value",
    "extra": {"client_id": "client-1", "secret": "secret-value", "max_concurrency": "2", "page_size": 50},
}


def use_connection(monkeypatch: pytest.MonkeyPatch, **changes: object) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_AKENEO_TEST", json.dumps({**CONNECTION, **changes}))


def test_settings_come_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch)
    settings = AkeneoHook("akeneo_test").get_settings()
    assert settings.base_url == "http://pim.example.com:8080"
    assert (settings.client_id, settings.secret, settings.username, settings.password) == (
        "client-1",
        "secret-value",
        "api_user",
        "api-password-value",
    )
    assert (settings.max_concurrency, settings.page_size, settings.timeout) == (2, 50, 30.0)


def test_run_overrides_win_and_a_full_url_host_keeps_its_path(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, host="https://pim.example.com/akeneo/", port=None, schema=None)
    settings = AkeneoHook("akeneo_test").get_settings(max_concurrency=3)
    assert settings.base_url == "https://pim.example.com/akeneo" and settings.max_concurrency == 3


def test_bare_host_defaults_to_https(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, schema=None, port=None)
    assert AkeneoHook("akeneo_test").get_settings().base_url == "https://pim.example.com"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"login": None}, "login"),
        ({"host": None}, "host"),
        ({"extra": {"client_id": "client-1"}}, "extra.secret"),
        ({"extra": {"secret": "x"}}, "extra.client_id"),
    ],
)
def test_a_missing_field_names_the_connection_and_the_field(
    monkeypatch: pytest.MonkeyPatch, change: dict, field: str
) -> None:
    use_connection(monkeypatch, **change)
    with pytest.raises(AkeneoConnectionError, match=rf"Connection 'akeneo_test' has no {field}"):
        AkeneoHook("akeneo_test").get_settings()


def test_bad_limits_name_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, extra={**CONNECTION["extra"], "page_size": 500})
    with pytest.raises(
        AkeneoConnectionError, match="Connection 'akeneo_test': Akeneo page_size must be between 1"
    ):
        AkeneoHook("akeneo_test").get_settings()


def test_connection_test_reports_an_unreachable_pim_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, host="127.0.0.1", port=9, schema="http")
    ok, message = AkeneoHook("akeneo_test").test_connection()
    assert not ok and "/api/oauth/v1/token" in message
    assert "secret-value" not in message and "api-password-value" not in message


def test_hook_identity_matches_the_provider_conventions() -> None:
    hook = AkeneoHook()
    assert (AkeneoHook.conn_type, AkeneoHook.default_conn_name, hook.akeneo_conn_id) == (
        "akeneo",
        "akeneo_default",
        "akeneo_default",
    )
    assert getattr(hook, AkeneoHook.conn_name_attr) == "akeneo_default"
