"""Airflow hooks on Connections for the two APIs (`akeneo`, `icecat`): the only Airflow glue besides the
task bodies. Each hook owns its Connection and builds the pure client's settings from it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def numeric_extras(conn_id: str, extra: Mapping[str, Any], spec: Mapping[str, Callable[[Any], Any]],
                   error: type[Exception]) -> dict[str, Any]:
    """The numeric fields of a Connection's extra, converted; a bad one is named with its connection."""
    values: dict[str, Any] = {}
    for name, convert in spec.items():
        if extra.get(name) in (None, ""):
            continue
        try:
            values[name] = convert(extra[name])
        except (TypeError, ValueError) as exc:
            raise error(f"Connection {conn_id!r}: extra.{name} must be a number, got {extra[name]!r}") from exc
    return values
