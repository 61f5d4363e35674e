"""Downloads of the load step: the files of media and asset rows, fetched under the media policy.

Why a module of their own: media values (`steps/media.py`) and asset collections (`steps/assets.py`) both
download files the same way (policy checks on every redirect hop, the shared retry mechanism, one circuit
breaker per host), and neither owns the other.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from icecat_akeneo.akeneo.client import AkeneoClient
from icecat_akeneo.breaker import ApiUnavailable, CircuitBreaker
from icecat_akeneo.media_policy import MediaPolicy, MediaRefused, Resolve, fetch, system_resolve
from icecat_akeneo.media_types import Target
from icecat_akeneo.redaction import redact
from icecat_akeneo.retry import call_with_retries


@dataclass
class Download:
    """One distinct URL's download: the body and its Content-Type, or why it was not fetched."""

    content: bytes = b""
    content_type: str | None = None
    failure: str | None = None
    attempts: int = 0
    refused_by_policy: bool = False
    """The media policy refused the URL or its answer: the same content would be refused on every retry."""


class Downloads:
    """Fetches files under the media policy, through the shared retry mechanism, `limit` at a time, one
    breaker per host. Counts the URLs tried (each hop of a redirect) and the bodies fetched."""

    def __init__(self, web: httpx.AsyncClient, akeneo: AkeneoClient, policy: MediaPolicy,
                 resolve: Resolve = system_resolve) -> None:
        self._web, self._akeneo, self._policy, self._resolve = web, akeneo, policy, resolve
        self._limit = asyncio.Semaphore(akeneo.settings.max_concurrency)
        self._breakers: dict[str, CircuitBreaker] = {}
        self.urls_tried = 0
        self.fetched = 0

    async def distinct(self, rows: list[dict[str, Any]], targets: dict[str, Target]) -> dict[tuple[str, str], Download]:
        """(url, media kind) -> download, each fetched once."""
        keys = list(dict.fromkeys((row["url"], targets.get(row["attribute"], Target()).kind) for row in rows))
        return dict(zip(keys, await asyncio.gather(*(self.fetch(*key) for key in keys)), strict=True))

    async def fetch(self, url: str, kind: str) -> Download:
        host = urlsplit(url).netloc
        breaker = self._breakers.setdefault(
            host, CircuitBreaker(f"media host {host}", self._akeneo.settings.breaker)
        )
        shown, download = redact(url), Download()
        self.urls_tried += 1

        async def attempt() -> httpx.Response:
            download.attempts += 1
            with breaker.guard() as outcome:
                fetched = await fetch(self._web, url, self._policy, kind, self._resolve)
                outcome.status(fetched.response.status_code)
            download.content, download.content_type = fetched.content, fetched.response.headers.get("Content-Type")
            return fetched.response

        async with self._limit:
            try:
                reply = await call_with_retries(self._akeneo.settings.retry, attempt, sleep=self._akeneo.sleep)
            except MediaRefused as exc:
                return Download(failure=f"{exc} ({shown})", attempts=download.attempts, refused_by_policy=True)
            except TimeoutError:
                return Download(failure=f"download of {shown} failed: took longer than {self._policy.timeout_s:g} s",
                                attempts=download.attempts)
            except (httpx.HTTPError, ApiUnavailable) as exc:
                return Download(failure=f"download of {shown} failed: {type(exc).__name__}: {redact(str(exc))}",
                                attempts=download.attempts)
        if not reply.response.is_success:
            return Download(failure=f"download of {shown} failed: HTTP {reply.response.status_code}",
                            attempts=reply.attempts)
        self.fetched += 1
        return download
