"""Airflow glue for Icecat: turns an Airflow Connection into `IcecatSettings` (and a client).

As in the HTTP provider, the hook owns the Connection and nothing else: the constructor stores only the
connection id; the settings are read from the Connection when asked. Connection fields (declared for the UI
in `provider_info.py`):
- host: the JSON API base URL (default `https://live.icecat.biz`);
- login: the Icecat user name (`openIcecat-live` for Open Icecat); password: the Full Icecat `app_key`;
- extra (all optional): `api_token`, `content_token`, `max_concurrency`, `timeout`, `cache_dir`,
  `data_creation_url`, `index_base_url`, `breaker_threshold`, `breaker_cooldown_s`, and the media fetch
  policy (`media_policy.py`): `media_hosts` (hosts added to Icecat's, a list or comma-separated),
  `media_allow_private_addresses`, `media_max_image_mb`, `media_max_file_mb`, `media_timeout_s`.
Secrets (password, api_token, content_token) never appear in messages or in the settings' repr.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from icecat_akeneo.hooks import ConnectionHook
from icecat_akeneo.icecat.client import IcecatClient, IcecatSettings, IcecatUnavailable
from icecat_akeneo.media_policy import FILE, IMAGE, MB, MediaPolicy

DEFAULT_HOST = "https://live.icecat.biz"
NUMBER_EXTRA = {"max_concurrency": int, "timeout": float}
MEDIA_NUMBERS = ("media_max_image_mb", "media_max_file_mb", "media_timeout_s")
TEXT_EXTRA = ("api_token", "content_token", "cache_dir", "data_creation_url", "index_base_url")


class IcecatConnectionError(ValueError):
    """The Connection lacks something the client needs; the message names the connection and the field."""


class IcecatHook(ConnectionHook):
    conn_type = "icecat"
    hook_name = "Icecat"
    connection_error = IcecatConnectionError
    test_failures = (IcecatUnavailable,)

    def get_settings(self, **overrides: Any) -> IcecatSettings:
        """Settings from the Connection; keyword overrides (e.g. a run's `max_concurrency`) win."""
        connection, extra = self.connection_and_extra()
        self.required(connection.login, "login", " (the Icecat user name, e.g. openIcecat-live)")
        host = (connection.host or DEFAULT_HOST).rstrip("/")
        fields: dict[str, Any] = {
            "base_url": host if "://" in host else f"https://{host}",
            "username": connection.login,
            "app_key": connection.password or None,
            **{name: str(extra[name]) for name in TEXT_EXTRA if extra.get(name) not in (None, "")},
            **self.numbers(extra, NUMBER_EXTRA),
            **self.breaker(extra),
            "media_policy": self.media_policy(extra),
        }
        fields = self.with_overrides(fields, overrides)
        if int(fields.get("max_concurrency", 1)) < 1:
            raise IcecatConnectionError(f"Connection {self.conn_id!r}: extra.max_concurrency must be >= 1")
        return IcecatSettings(**fields)

    def media_policy(self, extra: dict[str, Any]) -> MediaPolicy:
        """Icecat's media hosts plus the Connection's `media_hosts`; caps and timeout from the extra."""
        hosts = extra.get("media_hosts") or []
        allow_private = str(extra.get("media_allow_private_addresses", "")).strip().lower() in ("true", "1", "yes")
        policy = MediaPolicy().widened(hosts.split(",") if isinstance(hosts, str) else [str(h) for h in hosts],
                                       allow_private_addresses=allow_private)
        numbers = self.numbers(extra, {name: float for name in MEDIA_NUMBERS})
        caps = {kind: int(numbers[f"media_max_{kind}_mb"] * MB) for kind in (IMAGE, FILE)
                if f"media_max_{kind}_mb" in numbers}
        return dataclasses.replace(policy, max_bytes={**policy.max_bytes, **caps},
                                   timeout_s=numbers.get("media_timeout_s", policy.timeout_s))

    def get_conn(self) -> IcecatClient:
        """A new client; use it as `async with hook.get_conn() as icecat: ...`."""
        return IcecatClient(self.get_settings())

    async def check(self, settings: IcecatSettings) -> tuple[bool, str]:
        """Look up a product id that does not exist: "not found" proves the URL and the account work."""
        async with IcecatClient(settings) as client:
            return await client.check_access()
