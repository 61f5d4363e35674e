"""Airflow hooks on Connections for the two APIs (`akeneo`, `icecat`): the only Airflow glue besides the
task bodies. Each hook owns its Connection and builds the pure client's settings from it; what both do the
same way (required fields, numbers in the extra, run overrides, the Test button) lives in `ConnectionHook`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from airflow.sdk import BaseHook

from icecat_akeneo.breaker import BreakerSettings
from icecat_akeneo.provider_info import CONNECTION_FIELDS
from icecat_akeneo.retry import RetryPolicy


class ConnectionHook(BaseHook):
    """Base of the two hooks; subclasses set `conn_type` and the rest, and `get_settings`/`check`.

    Airflow's names follow from `conn_type`: `<type>_conn_id` is the constructor's keyword and
    `<type>_default` the default Connection id."""

    conn_name_attr: ClassVar[str]
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    connection_error: ClassVar[type[Exception]] = ValueError
    test_failures: ClassVar[tuple[type[Exception], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.conn_name_attr = f"{cls.conn_type}_conn_id"
        cls.default_conn_name = f"{cls.conn_type}_default"

    def __init__(self, conn_id: str | None = None, **named: str) -> None:
        """`AkeneoHook("x")` or, by Airflow's convention, `AkeneoHook(akeneo_conn_id="x")`."""
        super().__init__()
        setattr(self, self.conn_name_attr, named.pop(self.conn_name_attr, None) or conn_id or self.default_conn_name)
        if named:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(named)}")

    @property
    def conn_id(self) -> str:
        return getattr(self, self.conn_name_attr)

    def get_settings(self, **overrides: Any) -> Any:
        raise NotImplementedError

    async def check(self, settings: Any) -> tuple[bool, str]:
        raise NotImplementedError

    def connection_and_extra(self) -> tuple[Any, dict[str, Any]]:
        """The Connection and its extra; the form's fields may be stored as `extra__<type>__<name>`."""
        connection = self.get_connection(self.conn_id)
        extra = dict(connection.extra_dejson or {})
        for name in CONNECTION_FIELDS[self.conn_type]:
            prefixed = extra.pop(f"extra__{self.conn_type}__{name}", None)
            if extra.get(name) in (None, "") and prefixed not in (None, ""):
                extra[name] = prefixed
        return connection, extra

    def required(self, value: Any, field_name: str, hint: str = "") -> str:
        if value in (None, ""):
            raise self.connection_error(
                f"Connection {self.conn_id!r} has no {field_name}{hint}: set it in Admin > Connections "
                f"(or in AIRFLOW_CONN_{self.conn_id.upper()})"
            )
        return str(value)

    def numbers(self, extra: Mapping[str, Any], spec: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
        """The numeric fields of the extra, converted; a bad one is named with its connection."""
        values: dict[str, Any] = {}
        for name, convert in spec.items():
            if extra.get(name) in (None, ""):
                continue
            try:
                values[name] = convert(extra[name])
            except (TypeError, ValueError) as exc:
                raise self.connection_error(
                    f"Connection {self.conn_id!r}: extra.{name} must be a number, got {extra[name]!r}"
                ) from exc
        return values

    def breaker(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        """`{"breaker": BreakerSettings}` when the extra tunes the circuit breaker, else nothing (defaults)."""
        tuned = self.numbers(extra, {"breaker_threshold": int, "breaker_cooldown_s": float})
        if not tuned:
            return {}
        defaults = BreakerSettings()
        try:
            return {"breaker": BreakerSettings(
                tuned.get("breaker_threshold", defaults.failure_threshold),
                tuned.get("breaker_cooldown_s", defaults.cooldown_s),
            )}
        except ValueError as exc:
            raise self.connection_error(f"Connection {self.conn_id!r}: {exc}") from exc

    @staticmethod
    def with_overrides(fields: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Run overrides (e.g. a run's `max_concurrency`) win over the Connection; None means "not set"."""
        return {**fields, **{name: value for name, value in overrides.items() if value is not None}}

    def test_connection(self) -> tuple[bool, str]:
        """The UI's Test button: one call, no retries, a message without secrets."""
        try:
            settings = dataclasses.replace(self.get_settings(), retry=RetryPolicy(max_attempts=1))
            return asyncio.run(self.check(settings))
        except (self.connection_error, *self.test_failures) as exc:
            return False, str(exc)

