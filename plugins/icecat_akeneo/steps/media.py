"""Media of the load step: each image/PDF row ends in its product value, by the cheapest way that is safe.

Akeneo takes no file URLs: a file is downloaded once per run and uploaded through media-files, which sets
the product value itself. Files Akeneo already holds (incremental sync: same URL or same content) are not
uploaded again; their code is put in the value by a collection PATCH.

Downloads and uploads use the shared retry mechanism, and both go through a circuit breaker (the Akeneo
client's, and one per image host), so a total outage fails the remaining rows at once with
"<API> unavailable (...)" instead of spending the whole retry budget on every row.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import httpx
import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, AkeneoClient
from icecat_akeneo.akeneo.errors import AkeneoUnavailable
from icecat_akeneo.akeneo.lines import MISSING_LINE_STATUS, LineResult
from icecat_akeneo.breaker import NOT_SENDING, ApiUnavailable, CircuitBreaker
from icecat_akeneo.redaction import redact
from icecat_akeneo.retry import call_with_retries

MEDIA_ROWS_PER_ROUND = 64
MEDIA_BATCH = "media"

OnLineResult = Callable[[LineResult], None]
PatchLines = Callable[[list[dict[str, Any]]], Awaitable[list[LineResult]]]
Download = tuple[bytes, str | None, int]  # content, failure message or None, attempts


class MediaRegistry(Protocol):
    """What Akeneo already stores (incremental sync): lets load skip or reuse files instead of re-uploading."""

    def already_applied(self, row: dict[str, Any]) -> bool: ...
    def code_for_url(self, url: str) -> str | None: ...
    def code_for_content(self, sha256: str) -> str | None: ...
    def remember(self, row: dict[str, Any], sha256: str, code: str) -> None: ...


class MediaResults(Protocol):
    """Where the load step records each row's answer (`load.LoadResults`)."""

    media_unchanged: int
    media_reused: int

    def add(self, result: LineResult, batch: str, line: int, kind: str) -> None: ...


class _Downloads:
    """Fetches files through the shared retry mechanism, `limit` at a time, one breaker per host."""

    def __init__(self, web: httpx.AsyncClient, akeneo: AkeneoClient) -> None:
        self._web = web
        self._akeneo = akeneo
        self._limit = asyncio.Semaphore(akeneo.settings.max_concurrency)
        self._breakers: dict[str, CircuitBreaker] = {}

    async def distinct(self, rows: list[dict[str, Any]]) -> dict[str, Download]:
        """url -> download, each distinct URL fetched once."""
        urls = list(dict.fromkeys(row["url"] for row in rows))
        return dict(zip(urls, await asyncio.gather(*(self.fetch(url) for url in urls)), strict=True))

    async def fetch(self, url: str) -> Download:
        host = urlsplit(url).netloc
        breaker = self._breakers.setdefault(
            host, CircuitBreaker(f"media host {host}", self._akeneo.settings.breaker)
        )
        shown = redact(url)
        attempts = {"n": 0}

        async def attempt() -> httpx.Response:
            attempts["n"] += 1
            with breaker.guard() as outcome:
                response = await self._web.get(url)
                outcome.status(response.status_code)
                return response

        async with self._limit:
            try:
                reply = await call_with_retries(self._akeneo.settings.retry, attempt, sleep=self._akeneo.sleep)
            except (httpx.HTTPError, ApiUnavailable) as exc:
                return b"", f"download of {shown} failed: {type(exc).__name__}: {redact(str(exc))}", attempts["n"]
        if reply.response.is_success:
            return reply.response.content, None, reply.attempts
        return b"", f"download of {shown} failed: HTTP {reply.response.status_code}", reply.attempts


async def send_media(
    akeneo: AkeneoClient,
    media_path: Path,
    results: MediaResults,
    headers: dict[str, str],
    on_line_result: OnLineResult,
    registry: MediaRegistry | None,
    *,
    patch: PatchLines,
    web_transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Each media row ends in its product value, by the cheapest way that is safe: nothing when Akeneo
    already holds that file, a collection PATCH (`patch`) with the code of a file Akeneo stores (same URL or
    same content), else one download and one upload per distinct file."""
    if not media_path.exists():
        return
    counter = iter(range(1, 1 << 62))

    def record(result: LineResult) -> None:
        results.add(result, MEDIA_BATCH, next(counter), "media")
        on_line_result(result)

    timeout = akeneo.settings.timeout
    async with httpx.AsyncClient(
        headers=headers, timeout=timeout, follow_redirects=True, transport=web_transport
    ) as web:
        downloads = _Downloads(web, akeneo)
        codes: dict[str, str] = {}  # sha256 -> code, so one file is uploaded once per run
        for record_batch in pq.ParquetFile(media_path).iter_batches(batch_size=MEDIA_ROWS_PER_ROUND):
            rows = record_batch.to_pylist()
            if registry is not None:
                kept = [row for row in rows if not registry.already_applied(row)]
                results.media_unchanged += len(rows) - len(kept)
                rows = kept
            reuse = await _send_round(akeneo, downloads, rows, registry, codes, record)
            for result in await _apply_known_codes(patch, reuse):
                results.media_reused += result.ok
                record(result)


async def _send_round(
    akeneo: AkeneoClient,
    downloads: _Downloads,
    rows: list[dict[str, Any]],
    registry: MediaRegistry | None,
    codes: dict[str, str],
    record: OnLineResult,
) -> list[tuple[dict[str, Any], str]]:
    """Uploads the files of one round of rows; returns the rows to point at a code Akeneo already holds."""
    reuse: list[tuple[dict[str, Any], str]] = []
    to_fetch: list[dict[str, Any]] = []
    for row in rows:
        known = registry.code_for_url(row["url"]) if registry else None
        if known:
            reuse.append((row, known))
        elif akeneo.breaker.is_open():  # Akeneo is down: do not download what cannot be uploaded
            record(LineResult(1, row["identifier"], MISSING_LINE_STATUS, str(akeneo.breaker.unavailable(NOT_SENDING))))
        else:
            to_fetch.append(row)
    fetched = await downloads.distinct(to_fetch)
    for row in to_fetch:
        content, failure, attempts = fetched[row["url"]]
        if failure:
            record(LineResult(1, row["identifier"], MISSING_LINE_STATUS, failure, attempts=attempts))
            continue
        sha256 = hashlib.sha256(content).hexdigest()
        known = codes.get(sha256) or (registry.code_for_content(sha256) if registry else None)
        if known:
            reuse.append((row, known))
            continue
        result = await _upload(akeneo, row, content, attempts)
        if result.ok and result.message:
            codes[sha256] = result.message
            if registry is not None:
                registry.remember(row, sha256, result.message)
        record(result)
    return reuse


async def _upload(akeneo: AkeneoClient, row: dict[str, Any], content: bytes, attempts: int) -> LineResult:
    identifier = row["identifier"]
    try:
        status, code_or_error = await akeneo.upload_media(
            identifier, row["attribute"], row.get("locale"), row.get("scope"), media_filename(row["url"]), content
        )
    except AkeneoUnavailable as exc:
        return LineResult(1, identifier, MISSING_LINE_STATUS, str(exc), attempts=attempts)
    if status != 201:
        return LineResult(1, identifier, status, code_or_error, attempts=attempts)
    held = {"locale": row.get("locale"), "scope": row.get("scope"), "data": code_or_error}
    return LineResult(1, identifier, status, code_or_error, attempts=attempts,
                      sent={"identifier": identifier, "values": {row["attribute"]: [held]}})


async def _apply_known_codes(patch: PatchLines, reuse: list[tuple[dict[str, Any], str]]) -> list[LineResult]:
    """Point product values at files Akeneo already stores, one collection PATCH line per product."""
    lines: dict[str, dict[str, Any]] = {}
    for row, code in reuse:
        held = {"locale": row.get("locale"), "scope": row.get("scope"), "data": code}
        line = lines.setdefault(row["identifier"], {"identifier": row["identifier"], "values": {}})
        line["values"].setdefault(row["attribute"], []).append(held)
    bodies = list(lines.values())
    answers: list[LineResult] = []
    for start in range(0, len(bodies), MAX_COLLECTION_LINES):
        answers += await patch(bodies[start:start + MAX_COLLECTION_LINES])
    return answers


def media_filename(url: str) -> str:
    """The file name Akeneo stores (and checks the extension of): the URL's last path segment, made safe."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "media"
