"""The API technical tests of the onboarding checklist, run against the client's live Akeneo.

They use a bare HTTP client with no retries on purpose: the point is to see the PIM's own answers (a 413 for
101 lines, a 429 past its concurrency, what a UTF-8 value reads back as), which the production client would
smooth over. Each test writes only to one dedicated product (`ICECAT-PREFLIGHT-TEST` by default), created
first and deleted (or disabled where DELETE is refused) at the end, and returns a `CheckResult` whose
evidence is status codes, counts and timings. The session lives in `api_session`, the write tests in
`api_writes`; this module holds the grant, endpoint and concurrency tests and runs them all in order.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from icecat_akeneo.akeneo.api_mode import decide_api_mode
from icecat_akeneo.akeneo.client import AkeneoSettings
from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.preflight.api_session import (
    API,
    CheckResult,
    ProbeTargets,
    Session,
    message,
    ms,
)
from icecat_akeneo.preflight.api_writes import check_media, check_writes, cleanup

CONCURRENCY_STEPS = (1, 2, 4, 8)
REQUESTS_PER_WORKER = 3


async def check_grants(session: Session) -> list[CheckResult]:
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
                "ms": ms(start),
                "expires_in": body.get("expires_in"),
                "refresh_token_given": bool(body.get("refresh_token")),
                **({} if password.status_code == 200 else {"message": message(password)}),
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
                "ms": ms(start),
                "new_access_token": refreshed.get("access_token") not in (None, body.get("access_token")),
            },
        )
    )
    return results


async def check_endpoints(session: Session) -> list[CheckResult]:
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
                    "ms": ms(start),
                },
            )
        )
    return results


async def check_api_mode(session: Session) -> CheckResult:
    """Which products API the runs will use (`akeneo/api_mode.py`), and the edition/version Akeneo declares."""
    info = await session.call("GET", f"{API}/system-information")
    declared = info.json() if info.status_code == 200 else None
    root = None
    if session.settings.api_mode == "auto" and not declared:
        listed = await session.call("GET", API)
        root = listed.json() if listed.status_code == 200 else None
    decided = decide_api_mode(session.settings.api_mode, declared, root)
    return CheckResult("products_api_mode", True, {**decided.to_dict(), "system_information_status": info.status_code})


async def check_rate_and_concurrency(
    session: Session, steps: tuple[int, ...] = CONCURRENCY_STEPS, per_worker: int = REQUESTS_PER_WORKER
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


def retry_observations(session: Session) -> CheckResult:
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
        session = Session(settings, http)
        results = await check_grants(session)
        if session.token is None:
            return results
        results += await check_endpoints(session)
        results.append(await check_api_mode(session))
        results.append(await check_rate_and_concurrency(session))
        try:
            results += await check_writes(session, targets, taxonomy)
            results.append(await check_media(session, targets, taxonomy))
        finally:
            results.append(await cleanup(session, targets.identifier))
        results.append(retry_observations(session))
    return results
