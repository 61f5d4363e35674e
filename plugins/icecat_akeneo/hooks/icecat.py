"""Airflow glue for Icecat: turns an Airflow Connection into `IcecatSettings` (and a client).

As in the HTTP provider, the hook owns the Connection and nothing else: the constructor stores only the
connection id; the settings are read from the Connection when asked. Connection fields:
- host: the JSON API base URL (default `https://live.icecat.biz`);
- login: the Icecat user name (`openIcecat-live` for Open Icecat); password: the Full Icecat `app_key`;
- extra (all optional): `api_token`, `content_token`, `max_concurrency`, `timeout`, `cache_dir`,
  `data_creation_url`, `index_base_url`.
Secrets (password, api_token, content_token) never appear in messages or in the settings' repr.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from airflow.sdk import BaseHook

from icecat_akeneo.hooks import numeric_extras
from icecat_akeneo.icecat.client import IcecatClient, IcecatSettings, IcecatUnavailable
from icecat_akeneo.retry import RetryPolicy

DEFAULT_HOST = "https://live.icecat.biz"
NUMBER_EXTRA = {"max_concurrency": int, "timeout": float}
TEXT_EXTRA = ("api_token", "content_token", "cache_dir", "data_creation_url", "index_base_url")


class IcecatConnectionError(ValueError):
    """The Connection lacks something the client needs; the message names the connection and the field."""


class IcecatHook(BaseHook):
    conn_name_attr = "icecat_conn_id"
    default_conn_name = "icecat_default"
    conn_type = "icecat"
    hook_name = "Icecat"

    def __init__(self, icecat_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.icecat_conn_id = icecat_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port"],
            "relabeling": {
                "host": "Icecat API URL",
                "login": "Icecat user name",
                "password": "app_key (Full Icecat)",
            },
            "placeholders": {
                "host": DEFAULT_HOST,
                "login": "openIcecat-live",
                "extra": '{"api_token": "...", "max_concurrency": 8, "cache_dir": "/data/icecat-cache"}',
            },
        }

    def get_settings(self, **overrides: Any) -> IcecatSettings:
        """Settings from the Connection; keyword overrides (e.g. a run's `max_concurrency`) win."""
        connection = self.get_connection(self.icecat_conn_id)
        extra = connection.extra_dejson or {}
        if connection.login in (None, ""):
            raise IcecatConnectionError(
                f"Connection {self.icecat_conn_id!r} has no login "
                f"(the Icecat user name, e.g. openIcecat-live): "
                f"set it in Admin > Connections (or in AIRFLOW_CONN_{self.icecat_conn_id.upper()})"
            )
        host = (connection.host or DEFAULT_HOST).rstrip("/")
        fields: dict[str, Any] = {
            "base_url": host if "://" in host else f"https://{host}",
            "username": connection.login,
            "app_key": connection.password or None,
        }
        fields.update({name: str(extra[name]) for name in TEXT_EXTRA if extra.get(name) not in (None, "")})
        fields.update(numeric_extras(self.icecat_conn_id, extra, NUMBER_EXTRA, IcecatConnectionError))
        fields.update({name: value for name, value in overrides.items() if value is not None})
        if int(fields.get("max_concurrency", 1)) < 1:
            raise IcecatConnectionError(
                f"Connection {self.icecat_conn_id!r}: extra.max_concurrency must be >= 1"
            )
        return IcecatSettings(**fields)

    def get_conn(self) -> IcecatClient:
        """A new client; use it as `async with hook.get_conn() as icecat: ...`."""
        return IcecatClient(self.get_settings())

    def test_connection(self) -> tuple[bool, str]:
        """Look up a product id that does not exist: "not found" proves the URL and the account work."""
        try:
            settings = dataclasses.replace(self.get_settings(), retry=RetryPolicy(max_attempts=1))
            return asyncio.run(_check(settings))
        except (IcecatConnectionError, IcecatUnavailable) as exc:
            return False, str(exc)


async def _check(settings: IcecatSettings) -> tuple[bool, str]:
    async with IcecatClient(settings) as client:
        return await client.check_access()
