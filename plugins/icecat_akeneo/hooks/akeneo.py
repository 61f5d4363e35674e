"""Airflow glue for Akeneo: turns an Airflow Connection into `AkeneoSettings` (and a client).

As in the HTTP provider, the hook owns the Connection and nothing else: the constructor stores only the
connection id, and everything else (base URL, credentials, limits) is read from the Connection when asked.
Connection fields (declared for the UI in `provider_info.py`):
- host: the PIM's base URL (`https://pim.example.com`, or a bare host with `schema` = http/https, default
  https) and optional `port`;
- login / password: the API user;
- extra: `client_id`, `secret` (required; from the PIM's Connection settings), and optionally
  `max_concurrency`, `timeout`, `page_size`, `breaker_threshold`, `breaker_cooldown_s`, and `api_mode`
  (`auto` by default: the UUID API on Akeneo 7.0 / SaaS, the identifier API on 5.0 / 6.0; `uuid` or
  `identifier` force one).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoError
from icecat_akeneo.hooks import ConnectionHook

OPTIONAL_EXTRA = {"max_concurrency": int, "timeout": float, "page_size": int}


class AkeneoConnectionError(ValueError):
    """The Connection lacks something the client needs; the message names the connection and the field."""


class AkeneoHook(ConnectionHook):
    conn_type = "akeneo"
    hook_name = "Akeneo PIM"
    connection_error = AkeneoConnectionError
    test_failures = (AkeneoError,)

    def get_settings(self, **overrides: Any) -> AkeneoSettings:
        """Settings from the Connection; keyword overrides (e.g. a run's `max_concurrency`) win."""
        connection, extra = self.connection_and_extra()
        fields: dict[str, Any] = {
            "base_url": self.required(_base_url(connection.host, connection.schema, connection.port), "host"),
            "username": self.required(connection.login, "login"),
            "password": self.required(connection.password, "password"),
            "client_id": self.required(extra.get("client_id"), "extra.client_id"),
            "secret": self.required(extra.get("secret"), "extra.secret"),
            **self.numbers(extra, OPTIONAL_EXTRA),
            **self.breaker(extra),
            **({"api_mode": extra["api_mode"]} if extra.get("api_mode") not in (None, "") else {}),
        }
        try:
            return AkeneoSettings(**self.with_overrides(fields, overrides))
        except ValueError as exc:
            raise AkeneoConnectionError(f"Connection {self.conn_id!r}: {exc}") from exc

    def get_conn(self) -> AkeneoClient:
        """A new client; use it as `async with hook.get_conn() as akeneo: ...`."""
        return AkeneoClient(self.get_settings())

    async def check(self, settings: AkeneoSettings) -> tuple[bool, str]:
        """Fetch a token: proves the URL, the client id/secret and the API user all work."""
        async with AkeneoClient(settings) as client:
            await client.check_credentials()
        return True, f"Authenticated on {settings.base_url} as {settings.username!r}"


def _base_url(host: str | None, schema: str | None, port: int | None) -> str | None:
    if not host:
        return None
    parts = urlsplit(host if "://" in host else f"{schema or 'https'}://{host}")
    netloc = parts.netloc if not port or parts.port else f"{parts.netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
