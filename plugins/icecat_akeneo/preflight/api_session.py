"""The bare HTTP session the API technical tests share, and what a test returns.

No retries on purpose (see `api_tests`): the session only counts what the PIM said when pushed (429s and
their Retry-After) so the report can show it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from icecat_akeneo.akeneo.client import COLLECTION_CONTENT_TYPE, AkeneoSettings
from icecat_akeneo.akeneo.lines import decode_lines, encode_ndjson

API = "/api/rest/v1"
TOKEN = "/api/oauth/v1/token"
DEFAULT_TEST_IDENTIFIER = "ICECAT-PREFLIGHT-TEST"


@dataclass
class CheckResult:
    name: str
    passed: bool
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProbeTargets:
    """What the tests write: the dedicated product and the attributes chosen from the mapping."""

    identifier: str = DEFAULT_TEST_IDENTIFIER
    family: str | None = None
    channel: str = "ecommerce"
    locales: tuple[str, ...] = ("en_US",)
    text_attribute: str | None = None  # a text/textarea attribute for locale/scope + UTF-8 round trips
    image_attribute: str | None = None  # an image/file attribute for the media upload


def ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:300]
    except (ValueError, AttributeError):
        return response.text[:300]


class Session:
    def __init__(self, settings: AkeneoSettings, http: httpx.AsyncClient) -> None:
        self.settings, self.http = settings, http
        self.token: str | None = None
        self.retry_after_seen: list[str] = []
        self.status_429 = 0

    async def grant(self, body: dict[str, str]) -> httpx.Response:
        return await self.http.post(TOKEN, json=body, auth=(self.settings.client_id, self.settings.secret))

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        response = await self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code == 429:
            self.status_429 += 1
            if response.headers.get("Retry-After"):
                self.retry_after_seen.append(response.headers["Retry-After"])
        return response

    async def patch_lines(self, lines: list[dict[str, Any]]) -> httpx.Response:
        return await self.call(
            "PATCH",
            f"{API}/products",
            content=encode_ndjson(lines),
            headers={"Content-Type": COLLECTION_CONTENT_TYPE},
        )


def line_statuses(response: httpx.Response) -> list[int]:
    """The per-line statuses of a collection PATCH answer (read with the connector's NDJSON codec)."""
    return [answer.get("status_code", 0) for answer in decode_lines(response.text) if isinstance(answer, dict)]
