"""The connector is an Airflow provider: Airflow knows the `akeneo` and `icecat` connection types, their
form fields (secrets masked) and that both can be tested from the UI."""

from __future__ import annotations

import json

import pytest
from airflow.providers_manager import ProvidersManager
from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime
from icecat_akeneo.breaker import BreakerSettings
from icecat_akeneo.hooks.akeneo import AkeneoHook
from icecat_akeneo.hooks.icecat import IcecatConnectionError, IcecatHook


@pytest.fixture(scope="module")
def providers() -> ProvidersManager:
    return ProvidersManager()


def test_both_connection_types_are_registered_with_a_testable_hook(providers: ProvidersManager) -> None:
    hooks = ProvidersManagerTaskRuntime().hooks  # what workers resolve conn_type with
    assert hooks["akeneo"].hook_class_name == "icecat_akeneo.hooks.akeneo.AkeneoHook"
    assert hooks["icecat"].hook_class_name == "icecat_akeneo.hooks.icecat.IcecatHook"
    assert hooks["akeneo"].connection_testable and hooks["icecat"].connection_testable
    assert "icecat-akeneo" in providers.providers


def test_the_connection_forms_have_the_apis_fields_and_mask_secrets(providers: ProvidersManager) -> None:
    widgets = providers.connection_form_widgets
    for field in ("client_id", "secret", "max_concurrency", "page_size"):
        assert f"extra__akeneo__{field}" in widgets
    for field in ("api_token", "content_token", "cache_dir"):
        assert f"extra__icecat__{field}" in widgets
    sensitive = {name for name, widget in widgets.items() if widget.is_sensitive}
    assert {"extra__akeneo__secret", "extra__icecat__api_token", "extra__icecat__content_token"} <= sensitive
    assert "extra__akeneo__client_id" not in sensitive
    behaviours = providers.field_behaviours
    assert behaviours["icecat"]["relabeling"]["password"] == "app_key (Full Icecat)"
    assert behaviours["akeneo"]["relabeling"]["host"] == "PIM base URL"


def test_fields_saved_by_the_form_with_their_prefix_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = {
        "conn_type": "akeneo",
        "host": "https://pim.example.com",
        "login": "api",
        "password": "pw",
        "extra": {"extra__akeneo__client_id": "cid", "extra__akeneo__secret": "sec", "extra__akeneo__page_size": 7},
    }
    monkeypatch.setenv("AIRFLOW_CONN_AKENEO_FORM", json.dumps(connection))
    settings = AkeneoHook("akeneo_form").get_settings()
    assert (settings.client_id, settings.secret, settings.page_size) == ("cid", "sec", 7)


def test_the_circuit_breaker_is_tuned_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = {"conn_type": "icecat", "login": "openIcecat-live", "extra": {"breaker_threshold": "3"}}
    monkeypatch.setenv("AIRFLOW_CONN_ICECAT_TUNED", json.dumps(connection))
    assert IcecatHook("icecat_tuned").get_settings().breaker == BreakerSettings(3, BreakerSettings().cooldown_s)
    connection["extra"] = {"breaker_threshold": 0}
    monkeypatch.setenv("AIRFLOW_CONN_ICECAT_TUNED", json.dumps(connection))
    with pytest.raises(IcecatConnectionError, match="'icecat_tuned'.*failure_threshold >= 1"):
        IcecatHook("icecat_tuned").get_settings()
