"""Load: send the transform step's PATCH batches and media to Akeneo, and record what Akeneo answered.

Every line's answer is recorded in `load/results.parquet`, because a collection PATCH answers 200 even when
lines fail: a 422 is a product someone must fix, recorded with Akeneo's message while the run goes on.
Only a 2xx counts as done. A batch whose whole request failed (after the client's retries) is recorded
line by line with that failure; refused credentials stop the run, since no later batch could succeed.

Batches are read lazily and sent by `max_concurrency` workers, so memory stays bounded and Akeneo sees
at most that many calls at once. `on_line_result` lets a caller (the state store) act on each answer as
it arrives, e.g. remember what Akeneo accepted.

Media (images, PDFs) cannot be sent as URLs: each file is downloaded and uploaded through media-files,
which sets the product value itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import httpx
import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoError
from icecat_akeneo.akeneo.lines import MISSING_LINE_STATUS, LineResult, read_ndjson
from icecat_akeneo.artifacts import MEDIA, RESULTS, RESULTS_SCHEMA, ParquetStream, batch_files
from icecat_akeneo.retry import RetryPolicy

TOP_MESSAGES = 10
MEDIA_ROWS_PER_ROUND = 64
MEDIA_BATCH = "media"

OnLineResult = Callable[[LineResult], None]
LineFilter = Callable[[dict[str, Any]], "dict[str, Any] | None"]


class MediaRegistry(Protocol):
    """What Akeneo already stores (incremental sync): lets load skip or reuse files instead of re-uploading."""

    def already_applied(self, row: dict[str, Any]) -> bool: ...
    def code_for_url(self, url: str) -> str | None: ...
    def code_for_content(self, sha256: str) -> str | None: ...
    def remember(self, row: dict[str, Any], sha256: str, code: str) -> None: ...


class LoadResults:
    """Streams result rows to Parquet (`artifacts.ParquetStream`) and keeps the counts the report needs."""

    def __init__(self, path: Path) -> None:
        self._out = ParquetStream(path, RESULTS_SCHEMA)
        self.path = path
        self.lines_by_status: Counter[int] = Counter()
        self.media_by_status: Counter[int] = Counter()
        self.unprocessable: dict[str, list[str]] = {}
        self.skipped_lines = 0
        self.media_reused = 0
        self.media_unchanged = 0

    def add(self, result: LineResult, batch: str, line: int, kind: str) -> None:
        self._out.add(
            {
                "identifier": result.identifier,
                "batch": batch,
                "line": line,
                "status_code": result.status_code,
                "message": result.detail,
                "errors_json": json.dumps(result.errors) if result.errors else None,
                "kind": kind,
                "attempts": result.attempts,
            }
        )
        (self.lines_by_status if kind == "values" else self.media_by_status)[result.status_code] += 1
        if result.status_code == 422:
            self.unprocessable.setdefault(result.detail or "", []).append(result.identifier or "?")

    def close(self) -> None:
        self._out.close()

    def discard(self) -> None:
        self._out.discard()

    def top_unprocessable(self) -> list[dict[str, Any]]:
        ranked = sorted(self.unprocessable.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP_MESSAGES]
        return [
            {"message": message, "count": len(identifiers), "identifiers": identifiers[:5]}
            for message, identifiers in ranked
        ]


def run_load(
    settings: AkeneoSettings,
    run_dir: str | os.PathLike[str],
    *,
    media_headers: dict[str, str] | None = None,
    on_line_result: OnLineResult | None = None,
    line_filter: LineFilter | None = None,
    media_registry: MediaRegistry | None = None,
) -> dict[str, Any]:
    """Send `transform/batch-*.ndjson` and `transform/media.parquet`; write `load/results.parquet`.

    `line_filter` may narrow or drop a line just before it is sent (values Akeneo accepted meanwhile);
    `media_registry` lets files Akeneo already holds be skipped or reused by code instead of uploaded again.
    """
    return asyncio.run(
        _load(settings, Path(run_dir), media_headers or {}, on_line_result or (lambda _: None),
              line_filter or (lambda line: line), media_registry)
    )


async def _load(
    settings: AkeneoSettings,
    run_dir: Path,
    media_headers: dict[str, str],
    on_line_result: OnLineResult,
    line_filter: LineFilter,
    media_registry: MediaRegistry | None,
) -> dict[str, Any]:
    started = time.monotonic()
    results = LoadResults(RESULTS.path(run_dir))
    try:
        async with AkeneoClient(settings) as akeneo:
            await _send_batches(akeneo, run_dir, results, on_line_result, line_filter)
            await _send_media(akeneo, MEDIA.path(run_dir), results, media_headers, on_line_result, media_registry)
            stats = akeneo.stats()
    except BaseException:
        results.discard()
        raise
    results.close()
    ok = sum(count for status, count in results.lines_by_status.items() if 200 <= status < 300)
    media_uploaded = results.media_by_status[201]
    return {
        "lines": sum(results.lines_by_status.values()),
        "lines_ok": ok,
        "lines_failed": sum(results.lines_by_status.values()) - ok,
        "lines_by_status": {str(status): n for status, n in sorted(results.lines_by_status.items())},
        "unprocessable_top": results.top_unprocessable(),
        "lines_skipped_already_accepted": results.skipped_lines,
        "media": {
            "uploaded": media_uploaded,
            "reused": results.media_reused,
            "unchanged": results.media_unchanged,
            "failed": sum(results.media_by_status.values()) - media_uploaded - results.media_reused,
        },
        "requests": stats["requests"],
        "requests_total": stats["requests_total"],
        "retries": stats["retries_total"],
        "duration_s": round(time.monotonic() - started, 3),
        "artifacts": {"results": str(results.path)},
    }


async def _read_batches(
    run_dir: Path, line_filter: LineFilter, results: LoadResults
) -> AsyncIterator[tuple[str, int, list[dict[str, Any]]]]:
    """(batch name, line offset, up to 100 PATCH bodies) for each batch file, in file order."""
    for path in batch_files(run_dir):
        chunk: list[dict[str, Any]] = []
        offset = 0
        for body in read_ndjson(path):
            line = line_filter(body)
            if line is None:
                results.skipped_lines += 1
                continue
            chunk.append(line)
            if len(chunk) == MAX_COLLECTION_LINES:
                yield path.stem, offset, chunk
                offset, chunk = offset + len(chunk), []
        if chunk:
            yield path.stem, offset, chunk


async def _send_batches(
    akeneo: AkeneoClient,
    run_dir: Path,
    results: LoadResults,
    on_line_result: OnLineResult,
    line_filter: LineFilter,
) -> None:
    """At most `max_concurrency` batches in flight; the next file chunk is read only when one finishes."""

    async def send(batch: str, offset: int, lines: list[dict[str, Any]]) -> None:
        for result in await _patch_or_record_failure(akeneo, lines):
            results.add(result, batch, offset + result.line, "values")
            on_line_result(result)

    in_flight: set[asyncio.Task[None]] = set()
    try:
        async for batch, offset, lines in _read_batches(run_dir, line_filter, results):
            if len(in_flight) >= akeneo.settings.max_concurrency:
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            in_flight.add(asyncio.create_task(send(batch, offset, lines)))
        await asyncio.gather(*in_flight)
    finally:
        for task in in_flight:
            task.cancel()


async def _patch_or_record_failure(akeneo: AkeneoClient, lines: list[dict[str, Any]]) -> list[LineResult]:
    try:
        return await akeneo.patch_products(lines)
    except AkeneoAuthError:
        raise
    except AkeneoError as exc:
        status = exc.status_code or MISSING_LINE_STATUS
        return [
            LineResult(number, line.get("identifier"), status, f"batch not accepted: {exc}", sent=line)
            for number, line in enumerate(lines, start=1)
        ]


async def _send_media(
    akeneo: AkeneoClient,
    media_path: Path,
    results: LoadResults,
    headers: dict[str, str],
    on_line_result: OnLineResult,
    registry: MediaRegistry | None,
) -> None:
    """Each media row ends in its product value, by the cheapest way that is safe: nothing when Akeneo
    already holds that file, a collection PATCH with the code of a file Akeneo stores (same URL or same
    content), else one download and one upload per distinct file."""
    if not media_path.exists():
        return
    settings = akeneo.settings
    downloads = asyncio.Semaphore(settings.max_concurrency)
    counter = iter(range(1, 1 << 62))

    def record(result: LineResult) -> None:
        results.add(result, MEDIA_BATCH, next(counter), "media")
        on_line_result(result)

    async with httpx.AsyncClient(headers=headers, timeout=settings.timeout, follow_redirects=True) as web:
        for record_batch in pq.ParquetFile(media_path).iter_batches(batch_size=MEDIA_ROWS_PER_ROUND):
            rows = record_batch.to_pylist()
            if registry is not None:
                kept = [row for row in rows if not registry.already_applied(row)]
                results.media_unchanged += len(rows) - len(kept)
                rows = kept
            reuse: list[tuple[dict[str, Any], str]] = []
            to_fetch: list[dict[str, Any]] = []
            for row in rows:
                known = registry.code_for_url(row["url"]) if registry else None
                if known:
                    reuse.append((row, known))
                else:
                    to_fetch.append(row)
            fetched = await _download_distinct(web, downloads, settings.retry, to_fetch)
            uploaded: dict[str, str] = {}  # sha256 -> code, so one file is uploaded once per run
            for row in to_fetch:
                content, failure, attempts = fetched[row["url"]]
                if failure:
                    record(LineResult(1, row["identifier"], MISSING_LINE_STATUS, failure, attempts=attempts))
                    continue
                sha256 = hashlib.sha256(content).hexdigest()
                known = uploaded.get(sha256) or (registry.code_for_content(sha256) if registry else None)
                if known:
                    reuse.append((row, known))
                    continue
                result = await _upload(akeneo, row, content, attempts)
                if result.ok and result.message:
                    uploaded[sha256] = result.message
                    if registry is not None:
                        registry.remember(row, sha256, result.message)
                record(result)
            for result in await _apply_known_codes(akeneo, reuse):
                results.media_reused += result.ok
                record(result)


async def _download_distinct(
    web: httpx.AsyncClient, downloads: asyncio.Semaphore, retry: RetryPolicy, rows: list[dict[str, Any]]
) -> dict[str, tuple[bytes, str | None, int]]:
    """url -> (content, failure, attempts), each distinct URL fetched once, at most `downloads` at a time."""

    async def fetch(url: str) -> tuple[bytes, str | None, int]:
        async with downloads:
            return await _download(web, url, retry)

    urls = list(dict.fromkeys(row["url"] for row in rows))
    return dict(zip(urls, await asyncio.gather(*(fetch(url) for url in urls)), strict=True))


async def _upload(akeneo: AkeneoClient, row: dict[str, Any], content: bytes, attempts: int) -> LineResult:
    identifier = row["identifier"]
    status, code_or_error = await akeneo.upload_media(
        identifier, row["attribute"], row.get("locale"), row.get("scope"), media_filename(row["url"]), content
    )
    if status != 201:
        return LineResult(1, identifier, status, code_or_error, attempts=attempts)
    held = {"locale": row.get("locale"), "scope": row.get("scope"), "data": code_or_error}
    return LineResult(1, identifier, status, code_or_error, attempts=attempts,
                      sent={"identifier": identifier, "values": {row["attribute"]: [held]}})


async def _apply_known_codes(akeneo: AkeneoClient, reuse: list[tuple[dict[str, Any], str]]) -> list[LineResult]:
    """Point product values at files Akeneo already stores, one collection PATCH line per product."""
    lines: dict[str, dict[str, Any]] = {}
    for row, code in reuse:
        held = {"locale": row.get("locale"), "scope": row.get("scope"), "data": code}
        line = lines.setdefault(row["identifier"], {"identifier": row["identifier"], "values": {}})
        line["values"].setdefault(row["attribute"], []).append(held)
    bodies = list(lines.values())
    answers: list[LineResult] = []
    for start in range(0, len(bodies), MAX_COLLECTION_LINES):
        answers += await _patch_or_record_failure(akeneo, bodies[start:start + MAX_COLLECTION_LINES])
    return answers


async def _download(web: httpx.AsyncClient, url: str, retry: RetryPolicy) -> tuple[bytes, str | None, int]:
    """(content, failure message or None, attempts), retrying what the shared policy says is retryable."""
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await web.get(url)
        except httpx.HTTPError as exc:
            if retry.should_retry(attempt, None):
                await asyncio.sleep(retry.delay(attempt))
                continue
            return b"", f"download of {url} failed: {type(exc).__name__}: {exc}", attempt
        if response.is_success:
            return response.content, None, attempt
        if retry.should_retry(attempt, response.status_code):
            await asyncio.sleep(retry.delay(attempt, response.headers.get("Retry-After")))
            continue
        return b"", f"download of {url} failed: HTTP {response.status_code}", attempt


def media_filename(url: str) -> str:
    """The file name Akeneo stores (and checks the extension of): the URL's last path segment, made safe."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "media"
