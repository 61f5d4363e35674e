"""Airflow glue for Akeneo: turns an Airflow Connection into `AkeneoSettings` (and a client).

As in the HTTP provider, the hook owns the Connection and nothing else: the constructor stores only the
connection id, and everything else (base URL, credentials, limits) is read from the Connection when asked.
Connection fields:
- host: the PIM's base URL (`https://pim.example.com`, or a bare host with `schema` = http/https, default
  https) and optional `port`;
- login / password: the API user;
- extra: `client_id`, `secret` (required; from the PIM's Connection settings), and optionally
  `max_concurrency`, `timeout`, `page_size`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow.sdk import BaseHook

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoError
from icecat_akeneo.hooks import numeric_extras
from icecat_akeneo.retry import RetryPolicy

OPTIONAL_EXTRA = {"max_concurrency": int, "timeout": float, "page_size": int}


class AkeneoConnectionError(ValueError):
    """The Connection lacks something the client needs; the message names the connection and the field."""


class AkeneoHook(BaseHook):
    conn_name_attr = "akeneo_conn_id"
    default_conn_name = "akeneo_default"
    conn_type = "akeneo"
    hook_name = "Akeneo PIM"

    def __init__(self, akeneo_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.akeneo_conn_id = akeneo_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": [],
            "relabeling": {
                "host": "PIM base URL",
                "login": "API username",
                "password": "API password",
                "schema": "Scheme (http/https)",
            },
            "placeholders": {"extra": '{"client_id": "...", "secret": "...", "max_concurrency": 4}'},
        }

    def get_settings(self, **overrides: Any) -> AkeneoSettings:
        """Settings from the Connection; keyword overrides (e.g. a run's `max_concurrency`) win."""
        connection = self.get_connection(self.akeneo_conn_id)
        extra = connection.extra_dejson or {}
        fields: dict[str, Any] = {
            "base_url": self._required(
                _base_url(connection.host, connection.schema, connection.port), "host"
            ),
            "username": self._required(connection.login, "login"),
            "password": self._required(connection.password, "password"),
            "client_id": self._required(extra.get("client_id"), "extra.client_id"),
            "secret": self._required(extra.get("secret"), "extra.secret"),
        }
        fields.update(numeric_extras(self.akeneo_conn_id, extra, OPTIONAL_EXTRA, AkeneoConnectionError))
        fields.update({name: value for name, value in overrides.items() if value is not None})
        try:
            return AkeneoSettings(**fields)
        except ValueError as exc:
            raise AkeneoConnectionError(f"Connection {self.akeneo_conn_id!r}: {exc}") from exc

    def get_conn(self) -> AkeneoClient:
        """A new client; use it as `async with hook.get_conn() as akeneo: ...`."""
        return AkeneoClient(self.get_settings())

    def test_connection(self) -> tuple[bool, str]:
        """Fetch a token: proves the URL, the client id/secret and the API user all work."""
        try:
            settings = self.get_settings()
            asyncio.run(_fetch_token(dataclasses.replace(settings, retry=RetryPolicy(max_attempts=1))))
        except (AkeneoConnectionError, AkeneoError) as exc:
            return False, str(exc)
        return True, f"Authenticated on {settings.base_url} as {settings.username!r}"

    def _required(self, value: Any, field_name: str) -> str:
        if value in (None, ""):
            raise AkeneoConnectionError(
                f"Connection {self.akeneo_conn_id!r} has no {field_name}: set it in Admin > Connections "
                f"(or in AIRFLOW_CONN_{self.akeneo_conn_id.upper()})"
            )
        return str(value)


def _base_url(host: str | None, schema: str | None, port: int | None) -> str | None:
    if not host:
        return None
    parts = urlsplit(host if "://" in host else f"{schema or 'https'}://{host}")
    netloc = parts.netloc if not port or parts.port else f"{parts.netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


async def _fetch_token(settings: AkeneoSettings) -> None:
    async with AkeneoClient(settings) as client:
        await client.check_credentials()
