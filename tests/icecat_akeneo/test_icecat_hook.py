"""IcecatHook reads everything from an Airflow Connection (here: AIRFLOW_CONN_ICECAT_TEST JSON)."""

from __future__ import annotations

import json
import logging

import pytest
from icecat_akeneo.hooks.icecat import IcecatConnectionError, IcecatHook

from tests.conftest import ICECAT_FULL, ICECAT_OPEN_USER, Sandbox

CONNECTION = {
    "conn_type": "icecat",
    "host": "https://icecat.example.com/",
    "login": "shop-user",
    "password": "key-value",
    "extra": {
        "api_token": "token-value",
        "content_token": "content-value",
        "max_concurrency": "3",
        "timeout": 12,
        "cache_dir": "/tmp/cache",
        "data_creation_url": "https://create.example.com/req",
    },
}


def use_connection(monkeypatch: pytest.MonkeyPatch, **changes: object) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ICECAT_TEST", json.dumps({**CONNECTION, **changes}))


def test_settings_come_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch)
    settings = IcecatHook("icecat_test").get_settings()
    assert (
        settings.base_url,
        settings.username,
        settings.app_key,
        settings.api_token,
        settings.content_token,
    ) == ("https://icecat.example.com", "shop-user", "key-value", "token-value", "content-value")
    assert (settings.max_concurrency, settings.timeout, settings.cache_dir, settings.data_creation_url) == (
        3,
        12.0,
        "/tmp/cache",
        "https://create.example.com/req",
    )


def test_defaults_to_live_icecat_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, host=None, password=None, extra={})
    settings = IcecatHook("icecat_test").get_settings(max_concurrency=2)
    assert (settings.base_url, settings.app_key, settings.api_token, settings.max_concurrency) == (
        "https://live.icecat.biz",
        None,
        None,
        2,
    )


def test_missing_login_names_connection_and_field(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, login=None)
    with pytest.raises(IcecatConnectionError, match=r"'icecat_test' has no login .*AIRFLOW_CONN_ICECAT_TEST"):
        IcecatHook("icecat_test").get_settings()


def test_bad_number_names_the_extra_field(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, extra={"max_concurrency": "lots"})
    with pytest.raises(IcecatConnectionError, match="extra.max_concurrency must be a number, got 'lots'"):
        IcecatHook("icecat_test").get_settings()


def test_settings_repr_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch)
    shown = repr(IcecatHook("icecat_test").get_settings())
    assert not any(secret in shown for secret in ("key-value", "token-value", "content-value"))


def test_hook_attributes_follow_the_provider_convention() -> None:
    hook = IcecatHook()
    assert (hook.icecat_conn_id, IcecatHook.conn_type, IcecatHook.conn_name_attr) == (
        "icecat_default",
        "icecat",
        "icecat_conn_id",
    )


def test_connection_test_passes_for_a_valid_full_account(
    monkeypatch: pytest.MonkeyPatch, icecat: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    use_connection(
        monkeypatch,
        host=icecat.base_url,
        login=ICECAT_FULL["username"],
        password=ICECAT_FULL["app_key"],
        extra={},
    )
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.INFO, logger="httpx"):
        ok, message = IcecatHook("icecat_test").test_connection()
    assert ok, message
    assert "app_key=***" in caplog.text and ICECAT_FULL["app_key"] not in caplog.text


def test_connection_test_fails_with_icecat_reason_for_a_wrong_app_key(
    monkeypatch: pytest.MonkeyPatch, icecat: Sandbox
) -> None:
    use_connection(
        monkeypatch, host=icecat.base_url, login=ICECAT_FULL["username"], password="wrong", extra={}
    )
    ok, message = IcecatHook("icecat_test").test_connection()
    assert not ok
    assert "Icecat error 10" in message and "wrong" not in message


def test_connection_test_passes_for_open_icecat(monkeypatch: pytest.MonkeyPatch, icecat: Sandbox) -> None:
    use_connection(monkeypatch, host=icecat.base_url, login=ICECAT_OPEN_USER, password=None, extra={})
    assert IcecatHook("icecat_test").test_connection()[0]
