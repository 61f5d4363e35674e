"""The API technical tests of the onboarding checklist, run against the client's live Akeneo.

They use a bare HTTP client with no retries on purpose: the point is to see the PIM's own answers (a 413 for
101 lines, a 429 past its concurrency, what a UTF-8 value reads back as), which the production client would
smooth over. Each test writes only to one dedicated product (`ICECAT-PREFLIGHT-TEST` by default), created
first and deleted (or disabled where DELETE is refused) at the end, and returns a `CheckResult` whose
evidence is status codes, counts and timings.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from icecat_akeneo.akeneo.client import COLLECTION_CONTENT_TYPE, MAX_COLLECTION_LINES, AkeneoSettings
from icecat_akeneo.akeneo.lines import encode_ndjson
from icecat_akeneo.catalog.taxonomy import Taxonomy

API = "/api/rest/v1"
TOKEN = "/api/oauth/v1/token"
DEFAULT_TEST_IDENTIFIER = "ICECAT-PREFLIGHT-TEST"
CONCURRENCY_STEPS = (1, 2, 4, 8)
REQUESTS_PER_WORKER = 3
UTF8_SAMPLE = (
    "Café crème, naïve façade — Ærøskøbing; 中文 日本語 한국어; עברית العربية; "
    "emoji 🚀👍🏽; HTML &amp; &lt;b&gt; <b>bold</b>; line one\nline two\r\nline three"
)
# 1x1 transparent PNG: the smallest image any image attribute accepts.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


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


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:300]
    except (ValueError, AttributeError):
        return response.text[:300]


class _Session:
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


def _line_statuses(response: httpx.Response) -> list[int]:
    return [json.loads(line).get("status_code", 0) for line in response.text.splitlines() if line.strip()]


async def check_grants(session: _Session) -> list[CheckResult]:
    start = time.perf_counter()
    password = await session.grant(
        {
            "grant_type": "password",
            "username": session.settings.username,
            "password": session.settings.password,
        }
    )
    body = password.json() if password.status_code == 200 else {}
    session.token = body.get("access_token")
    results = [
        CheckResult(
            "oauth_password_grant",
            password.status_code == 200 and bool(session.token),
            {
                "status_code": password.status_code,
                "ms": _ms(start),
                "expires_in": body.get("expires_in"),
                "refresh_token_given": bool(body.get("refresh_token")),
                **({} if password.status_code == 200 else {"message": _message(password)}),
            },
        )
    ]
    if not body.get("refresh_token"):
        return results + [CheckResult("oauth_refresh_grant", False, {"reason": "no refresh token to use"})]
    start = time.perf_counter()
    refresh = await session.grant({"grant_type": "refresh_token", "refresh_token": body["refresh_token"]})
    refreshed = refresh.json() if refresh.status_code == 200 else {}
    if refreshed.get("access_token"):
        session.token = refreshed["access_token"]
    results.append(
        CheckResult(
            "oauth_refresh_grant",
            refresh.status_code == 200 and bool(refreshed.get("access_token")),
            {
                "status_code": refresh.status_code,
                "ms": _ms(start),
                "new_access_token": refreshed.get("access_token") not in (None, body.get("access_token")),
            },
        )
    )
    return results


async def check_endpoints(session: _Session) -> list[CheckResult]:
    results = []
    for name, path in (("attributes_endpoint", "attributes"), ("products_endpoint", "products")):
        start = time.perf_counter()
        response = await session.call("GET", f"{API}/{path}", params={"limit": 1})
        results.append(
            CheckResult(
                name,
                response.status_code == 200,
                {
                    "url": f"{session.settings.base_url}{API}/{path}",
                    "status_code": response.status_code,
                    "ms": _ms(start),
                },
            )
        )
    return results


async def check_rate_and_concurrency(
    session: _Session, steps: tuple[int, ...] = CONCURRENCY_STEPS, per_worker: int = REQUESTS_PER_WORKER
) -> CheckResult:
    """Parallel GETs at 1, 2, 4, 8 workers until a 429: the highest clean level and its request rate."""
    levels, best = [], 0

    async def worker(statuses: list[int]) -> None:
        for _ in range(per_worker):
            statuses.append((await session.call("GET", f"{API}/attributes", params={"limit": 1})).status_code)

    for workers in steps:
        statuses: list[int] = []
        start = time.perf_counter()
        await asyncio.gather(*(worker(statuses) for _ in range(workers)))
        elapsed = time.perf_counter() - start
        throttled = statuses.count(429)
        levels.append(
            {
                "concurrency": workers,
                "requests": len(statuses),
                "status_429": throttled,
                "other_errors": sum(status >= 400 and status != 429 for status in statuses),
                "seconds": round(elapsed, 3),
                "requests_per_second": round(len(statuses) / elapsed, 1),
            }
        )
        if throttled:
            break
        best = workers
    return CheckResult(
        "rate_and_concurrency",
        best > 0,
        {
            "levels": levels,
            "max_concurrency_without_429": best,
            "first_429_at": levels[-1]["concurrency"] if levels[-1]["status_429"] else None,
            "requests_per_second_at_max": next(
                (level["requests_per_second"] for level in levels if level["concurrency"] == best), None
            ),
        },
    )


def _value(attribute: dict[str, Any], locale: str | None, channel: str, data: Any) -> dict[str, Any]:
    return {
        "locale": locale if attribute.get("localizable") else None,
        "scope": channel if attribute.get("scopable") else None,
        "data": data,
    }


async def _product_values(session: _Session, identifier: str) -> tuple[int, dict[str, Any]]:
    response = await session.call("GET", f"{API}/products/{identifier}")
    return response.status_code, (response.json().get("values", {}) if response.status_code == 200 else {})


async def check_writes(session: _Session, targets: ProbeTargets, taxonomy: Taxonomy) -> list[CheckResult]:
    """Create the test product, PATCH it in both formats, write every locale/scope, batch 100 and 101."""
    identifier, results = targets.identifier, []
    body: dict[str, Any] = {"identifier": identifier, "enabled": False}
    if targets.family:
        body["family"] = targets.family
    start = time.perf_counter()
    created = await session.call("PATCH", f"{API}/products/{identifier}", json=body)
    results.append(
        CheckResult(
            "test_product_created",
            created.status_code in (201, 204),
            {
                "identifier": identifier,
                "status_code": created.status_code,
                "ms": _ms(start),
                **({} if created.is_success else {"message": _message(created)}),
            },
        )
    )
    attribute = taxonomy.attribute(targets.text_attribute or "") if targets.text_attribute else None
    if attribute is None:
        return results + [
            CheckResult("patch_formats", False, {"reason": "no text attribute mapped to write"})
        ]
    code, locale = attribute["code"], targets.locales[0]
    start = time.perf_counter()
    single = await session.call(
        "PATCH",
        f"{API}/products/{identifier}",
        json={"values": {code: [_value(attribute, locale, targets.channel, "preflight single")]}},
    )
    results.append(
        CheckResult(
            "patch_single_format",
            single.status_code == 204,
            {"status_code": single.status_code, "ms": _ms(start), "attribute": code},
        )
    )
    start = time.perf_counter()
    collection = await session.patch_lines(
        [
            {
                "identifier": identifier,
                "values": {code: [_value(attribute, locale, targets.channel, "preflight collection")]},
            }
        ]
    )
    line_statuses = _line_statuses(collection) if collection.status_code == 200 else []
    results.append(
        CheckResult(
            "patch_collection_format",
            line_statuses == [204],
            {"status_code": collection.status_code, "line_statuses": line_statuses, "ms": _ms(start)},
        )
    )
    results.append(await _check_locales_scopes(session, targets, attribute))
    results.append(await _check_utf8(session, targets, attribute))
    results.extend(await _check_batch_limits(session, targets, attribute))
    return results


async def _check_locales_scopes(
    session: _Session, targets: ProbeTargets, attribute: dict[str, Any]
) -> CheckResult:
    locales = targets.locales if attribute.get("localizable") else (None,)
    written = [
        _value(attribute, locale, targets.channel, f"preflight {locale or 'all'} {targets.channel}")
        for locale in locales
    ]
    response = await session.call(
        "PATCH", f"{API}/products/{targets.identifier}", json={"values": {attribute["code"]: written}}
    )
    _, values = await _product_values(session, targets.identifier)
    read = {(value["locale"], value["scope"]): value["data"] for value in values.get(attribute["code"], [])}
    missing = [
        f"{value['locale']}/{value['scope']}"
        for value in written
        if read.get((value["locale"], value["scope"])) != value["data"]
    ]
    return CheckResult(
        "locales_scopes_round_trip",
        response.status_code == 204 and not missing,
        {
            "attribute": attribute["code"],
            "status_code": response.status_code,
            "written": [f"{value['locale']}/{value['scope']}" for value in written],
            "not_read_back": missing,
            **({} if response.is_success else {"message": _message(response)}),
        },
    )


async def _check_utf8(session: _Session, targets: ProbeTargets, attribute: dict[str, Any]) -> CheckResult:
    # a text attribute holds one line: the same characters with the line breaks folded into spaces
    sample = UTF8_SAMPLE if attribute.get("type") == "pim_catalog_textarea" else " ".join(UTF8_SAMPLE.split())
    value = _value(attribute, targets.locales[0], targets.channel, sample)
    response = await session.patch_lines(
        [{"identifier": targets.identifier, "values": {attribute["code"]: [value]}}]
    )
    _, values = await _product_values(session, targets.identifier)
    read = next(
        (
            item["data"]
            for item in values.get(attribute["code"], [])
            if (item["locale"], item["scope"]) == (value["locale"], value["scope"])
        ),
        None,
    )
    return CheckResult(
        "utf8_round_trip",
        read == sample,
        {
            "attribute": attribute["code"],
            "status_code": response.status_code,
            "sent": sample,
            "read_back": read,
        },
    )


async def _check_batch_limits(
    session: _Session, targets: ProbeTargets, attribute: dict[str, Any]
) -> list[CheckResult]:
    results = []
    for lines, expected in ((MAX_COLLECTION_LINES, 200), (MAX_COLLECTION_LINES + 1, 413)):
        batch = [
            {
                "identifier": targets.identifier,
                "values": {
                    attribute["code"]: [
                        _value(attribute, targets.locales[0], targets.channel, f"batch line {line}")
                    ]
                },
            }
            for line in range(lines)
        ]
        start = time.perf_counter()
        response = await session.patch_lines(batch)
        statuses = _line_statuses(response) if response.status_code == 200 else []
        ok = response.status_code == expected and (expected != 200 or len(statuses) == lines)
        results.append(
            CheckResult(
                f"batch_{lines}_lines",
                ok,
                {
                    "status_code": response.status_code,
                    "expected": expected,
                    "lines_answered": len(statuses),
                    "ms": _ms(start),
                    **({} if response.status_code == 200 else {"message": _message(response)}),
                },
            )
        )
    return results


async def check_media(session: _Session, targets: ProbeTargets, taxonomy: Taxonomy) -> CheckResult:
    attribute = taxonomy.attribute(targets.image_attribute) if targets.image_attribute else None
    if attribute is None:
        return CheckResult("media_upload", False, {"reason": "no image/file attribute mapped"})
    product = {
        "identifier": targets.identifier,
        "attribute": attribute["code"],
        "locale": targets.locales[0] if attribute.get("localizable") else None,
        "scope": targets.channel if attribute.get("scopable") else None,
    }
    start = time.perf_counter()
    response = await session.call(
        "POST",
        f"{API}/media-files",
        data={"product": json.dumps(product)},
        files={"file": ("icecat-preflight.png", TINY_PNG, "image/png")},
    )
    return CheckResult(
        "media_upload",
        response.status_code == 201,
        {
            "attribute": attribute["code"],
            "status_code": response.status_code,
            "ms": _ms(start),
            "location": response.headers.get("Location"),
            **({} if response.is_success else {"message": _message(response)}),
        },
    )


async def cleanup(session: _Session, identifier: str) -> CheckResult:
    """DELETE the test product; where the PIM refuses DELETE, disable it instead."""
    deleted = await session.call("DELETE", f"{API}/products/{identifier}")
    if deleted.status_code == 204:
        return CheckResult("test_product_cleaned_up", True, {"method": "DELETE", "status_code": 204})
    disabled = await session.call("PATCH", f"{API}/products/{identifier}", json={"enabled": False})
    return CheckResult(
        "test_product_cleaned_up",
        disabled.status_code == 204,
        {
            "method": "PATCH enabled=false",
            "delete_status_code": deleted.status_code,
            "status_code": disabled.status_code,
        },
    )


def retry_observations(session: _Session) -> CheckResult:
    """What the PIM said when pushed: 429 count and Retry-After values. Recorded, never provoked further."""
    return CheckResult(
        "retry_backoff_observed",
        True,
        {
            "status_429_seen": session.status_429,
            "retry_after_values": sorted(set(session.retry_after_seen)),
            "server_gives_retry_after": bool(session.retry_after_seen),
        },
    )


async def run_api_tests(
    settings: AkeneoSettings,
    targets: ProbeTargets,
    taxonomy: Taxonomy | dict[str, Any],
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[CheckResult]:
    """Every technical test in checklist order; stops early only when no token can be obtained."""
    taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(taxonomy)
    async with httpx.AsyncClient(
        base_url=settings.base_url, timeout=settings.timeout, transport=transport
    ) as http:
        session = _Session(settings, http)
        results = await check_grants(session)
        if session.token is None:
            return results
        results += await check_endpoints(session)
        results.append(await check_rate_and_concurrency(session))
        try:
            results += await check_writes(session, targets, taxonomy)
            results.append(await check_media(session, targets, taxonomy))
        finally:
            results.append(await cleanup(session, targets.identifier))
        results.append(retry_observations(session))
    return results
