"""Which products API to use against one Akeneo: the UUID API (`/products-uuid`) or the identifier API.

Why: on Akeneo 7.0 and SaaS a product's identifier is optional and can change; only its uuid is stable, so
products are read and written through `/products-uuid` there. Akeneo 5.0 / 6.0 have no UUID API. The mode is
told from `GET /api/rest/v1/system-information` (7.0+ and SaaS answer their edition and version; older ones
404) and, failing that, from the route list of `GET /api/rest/v1` (the `/products-uuid` routes exist or
not). A Connection may force the mode (`extra.api_mode`: `uuid`, `identifier`; default `auto`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

ApiMode = Literal["uuid", "identifier"]
API_MODE_CHOICES = ("auto", "uuid", "identifier")
UUID_ROUTE = "/api/rest/v1/products-uuid"
SAAS_EDITION = "Serenity"
FIRST_UUID_MAJOR = 7


@dataclass(frozen=True)
class ApiInfo:
    """The mode a run uses, the edition/version Akeneo declared (None when it says nothing) and how the mode
    was decided (`connection`, `system-information`, `route list`)."""

    mode: ApiMode
    edition: str | None
    version: str | None
    decided_by: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def checked_api_mode(value: object) -> str:
    """`auto` when empty; one of API_MODE_CHOICES or ValueError naming the allowed ones."""
    mode = str(value or "auto").strip().lower()
    if mode not in API_MODE_CHOICES:
        raise ValueError(f"api_mode must be one of {', '.join(API_MODE_CHOICES)}, got {value!r}")
    return mode


def mode_from_system_information(info: dict[str, Any]) -> ApiMode:
    """SaaS (edition `Serenity`) and every version from 7 on have the UUID API."""
    if str(info.get("edition") or "") == SAAS_EDITION:
        return "uuid"
    major = str(info.get("version") or "").split(".", 1)[0]
    return "uuid" if major.isdigit() and int(major) >= FIRST_UUID_MAJOR else "identifier"


def mode_from_routes(root: dict[str, Any]) -> ApiMode:
    """The route list names the `/products-uuid` routes only where they exist."""
    routes = root.get("routes") or {}
    paths = [str(entry.get("route", name)) if isinstance(entry, dict) else str(name)
             for name, entry in routes.items()] if isinstance(routes, dict) else []
    return "uuid" if any(path.startswith(UUID_ROUTE) for path in paths) else "identifier"


def decide_api_mode(forced: str, info: dict[str, Any] | None, root: dict[str, Any] | None) -> ApiInfo:
    """`forced` (the Connection's `uuid`/`identifier`) wins; else what system-information declared (`info`,
    None when it answered no JSON), else the route list (`root`)."""
    info = info or {}
    edition, version = info.get("edition"), info.get("version")
    if forced != "auto":
        return ApiInfo("uuid" if forced == "uuid" else "identifier", edition, version, "connection")
    if info:
        return ApiInfo(mode_from_system_information(info), edition, version, "system-information")
    return ApiInfo(mode_from_routes(root or {}), None, None, "route list")
