"""Media of the load step: each image/PDF row ends in its product value, by the cheapest way that is safe.

Akeneo takes no file URLs: a file is downloaded once per run and uploaded through media-files, which sets
the product value itself. Files Akeneo already holds (incremental sync: same URL or same content) are not
uploaded again; their code is put in the value by a collection PATCH.

Downloads (`steps/downloads.py`) and uploads use the shared retry mechanism, and both go through a circuit
breaker (the Akeneo client's, and one per image host), so a total outage fails the remaining rows at once with
"<API> unavailable (...)" instead of spending the whole retry budget on every row.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import httpx
import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, AkeneoClient
from icecat_akeneo.akeneo.errors import AkeneoError, AkeneoUnavailable
from icecat_akeneo.akeneo.lines import MISSING_LINE_STATUS, LineResult
from icecat_akeneo.breaker import NOT_SENDING
from icecat_akeneo.media_policy import MediaPolicy, Resolve, system_resolve
from icecat_akeneo.media_types import SIGNATURE_BYTES, Target, content_problem, media_filename, media_targets
from icecat_akeneo.redaction import redact
from icecat_akeneo.retry import RETRYABLE_STATUS
from icecat_akeneo.steps.downloads import Downloads

MEDIA_ROWS_PER_ROUND = 64
MEDIA_BATCH = "media"

OnLineResult = Callable[[LineResult], None]
PatchLines = Callable[[list[dict[str, Any]]], Awaitable[list[LineResult]]]


class MediaRegistry(Protocol):
    """What Akeneo already stores (incremental sync): lets load skip or reuse files instead of re-uploading.
    `prepare` is told each round's rows before it is asked about them, to read what they need at once."""

    def prepare(self, rows: list[dict[str, Any]]) -> None: ...
    def already_applied(self, row: dict[str, Any]) -> bool: ...
    def code_for_url(self, url: str) -> str | None: ...
    def code_for_content(self, sha256: str) -> str | None: ...
    def remember(self, row: dict[str, Any], sha256: str, code: str) -> None: ...
    def held_value(self, row: dict[str, Any]) -> Any: ...   # the value Akeneo held (asset collections)


class MediaResults(Protocol):
    """Where the load step records each row's answer (`load.LoadResults`)."""

    media_unchanged: int
    media_reused: int

    def add(self, result: LineResult, batch: str, line: int, kind: str) -> None: ...


@dataclass
class MediaSender:
    """What the load hands to the media and asset senders: the Akeneo client, where each line's outcome goes,
    how to PATCH values, and the download policy. One object, so `send_media` and `send_assets` take the same
    options and a new one is added in one place."""

    akeneo: AkeneoClient
    results: MediaResults
    headers: dict[str, str]
    on_line_result: OnLineResult
    registry: MediaRegistry | None
    patch: PatchLines
    policy: MediaPolicy | None = None
    web_transport: httpx.AsyncBaseTransport | None = None
    resolve: Resolve = system_resolve

    def recorder(self, batch: str) -> Callable[[LineResult, str], None]:
        """Records each outcome as the next line of `batch` in the load's results, then moves the state."""
        counter = iter(range(1, 1 << 62))

        def record(result: LineResult, kind: str) -> None:
            self.results.add(result, batch, next(counter), kind)
            self.on_line_result(result)

        return record

    @asynccontextmanager
    async def downloads(self) -> AsyncIterator[Downloads]:
        """File downloads for this load, on their own HTTP client (other hosts than Akeneo's API)."""
        async with httpx.AsyncClient(headers=self.headers, timeout=self.akeneo.settings.timeout,
                                     transport=self.web_transport) as web:
            yield Downloads(web, self.akeneo, self.policy or MediaPolicy(), self.resolve)


async def send_media(sender: MediaSender, media_path: Path) -> dict[str, int]:
    """Each media row ends in its product value, by the cheapest way that is safe: nothing when Akeneo
    already holds that file, a collection PATCH (`sender.patch`) with the code of a file Akeneo stores (same
    URL or same content), else one download (under `sender.policy`, default Icecat's hosts only) and one upload
    per distinct file. Returns the URLs tried and the bodies fetched."""
    if not media_path.exists():
        return {"urls_tried": 0, "urls_fetched": 0}
    record = partial(sender.recorder(MEDIA_BATCH), kind="media")
    targets, registry, results = media_targets(media_path), sender.registry, sender.results

    def reused(result: LineResult) -> None:
        results.media_reused += result.ok
        record(result)

    pointing = _KnownCodes(sender.patch, reused)
    async with sender.downloads() as downloads:
        codes: dict[str, str] = {}  # sha256 -> code, so one file is uploaded once per run
        for record_batch in pq.ParquetFile(media_path).iter_batches(batch_size=MEDIA_ROWS_PER_ROUND):
            rows = record_batch.to_pylist()
            if registry is not None:
                registry.prepare(rows)
                kept = [row for row in rows if not registry.already_applied(row)]
                results.media_unchanged += len(rows) - len(kept)
                rows = kept
            pointing.add(await _send_round(sender.akeneo, downloads, _Round(rows, targets, registry, codes), record))
            await pointing.send_full()
        await pointing.send_full(everything=True)
    return {"urls_tried": downloads.urls_tried, "urls_fetched": downloads.fetched}


REFUSED_BY_POLICY = 422
"""Status of a media row the media policy refused (host, address, size, type): like Akeneo's own 422 it is a
refusal of this product's content, counted against `max_refused_ratio`, not a delivery failure that would fail
and retry the whole load on every run."""


@dataclass
class _Round:
    rows: list[dict[str, Any]]
    targets: dict[str, Target]
    registry: MediaRegistry | None
    codes: dict[str, str]


def refused(row: dict[str, Any], message: str, attempts: int = 1, status: int = MISSING_LINE_STATUS) -> LineResult:
    """A media row that never reached Akeneo, with the product and the field it was meant for. `status` is
    `REFUSED_BY_POLICY` when the media policy refused it (the product fails, the run goes on), else no answer."""
    where = {key: row.get(key) for key in ("attribute", "locale", "scope")}
    return LineResult(1, row["identifier"], status, None, [{**where, "message": message}], attempts=attempts)


async def _send_round(
    akeneo: AkeneoClient, downloads: Downloads, batch: _Round, record: OnLineResult
) -> list[tuple[dict[str, Any], str]]:
    """Uploads the files of one round of rows; returns the rows to point at a code Akeneo already holds."""
    reuse: list[tuple[dict[str, Any], str]] = []
    to_fetch: list[dict[str, Any]] = []
    for row in batch.rows:
        known = batch.registry.code_for_url(row["url"]) if batch.registry else None
        if known:
            reuse.append((row, known))
        elif akeneo.breaker.is_open():  # Akeneo is down: do not download what cannot be uploaded
            record(LineResult(1, row["identifier"], MISSING_LINE_STATUS, str(akeneo.breaker.unavailable(NOT_SENDING))))
        else:
            to_fetch.append(row)
    fetched = await downloads.distinct(to_fetch, batch.targets)
    for row in to_fetch:
        target = batch.targets.get(row["attribute"], Target())
        download = fetched[(row["url"], target.kind)]
        if download.failure:
            record(refused(row, download.failure, download.attempts,
                           REFUSED_BY_POLICY if download.refused_by_policy else MISSING_LINE_STATUS))
            continue
        found, problem = content_problem(download.content_type, download.content[:SIGNATURE_BYTES], target.kind,
                                         list(target.allowed_extensions))
        if problem:
            record(refused(row, f"media refused: {problem} ({redact(row['url'])})", download.attempts,
                           REFUSED_BY_POLICY))
            continue
        sha256 = hashlib.sha256(download.content).hexdigest()
        known = batch.codes.get(sha256) or (batch.registry.code_for_content(sha256) if batch.registry else None)
        if known:
            reuse.append((row, known))
            continue
        filename = media_filename(row["url"], found, list(target.allowed_extensions))
        result = await upload_once(akeneo, row, filename, download.content, download.attempts)
        if result.ok and result.message:
            batch.codes[sha256] = result.message
            if batch.registry is not None:
                batch.registry.remember(row, sha256, result.message)
        record(result)
    return reuse


async def upload_once(
    akeneo: AkeneoClient, row: dict[str, Any], filename: str, content: bytes, attempts: int
) -> LineResult:
    """Upload a file, retried like any call, except that after a failure whose answer may have been lost
    (the connection dropped after the file was sent) the product is read first: when its value already holds
    a file with this content, Akeneo applied the upload and it is not sent again (no second file)."""
    identifier, policy = row["identifier"], akeneo.settings.retry
    for attempt in range(1, policy.max_attempts + 1):
        try:
            result = await akeneo.upload_media(identifier, row["attribute"], row.get("locale"), row.get("scope"),
                                               filename, content)
        except AkeneoUnavailable as exc:
            result = LineResult(1, identifier, MISSING_LINE_STATUS, str(exc), attempts=attempts + attempt - 1)
            if akeneo.breaker.is_open():
                return result
            applied = await _code_holding(akeneo, row, hashlib.sha256(content).hexdigest())
            if applied:
                return _uploaded(row, LineResult(1, identifier, 201, applied), attempts + attempt - 1)
        else:
            if result.status_code not in RETRYABLE_STATUS:
                return _uploaded(row, result, attempts + attempt - 1)
        if attempt < policy.max_attempts:
            await akeneo.sleep(policy.delay(attempt))
    return result


async def _code_holding(akeneo: AkeneoClient, row: dict[str, Any], sha256: str) -> str | None:
    """The media code in the product's value for this row when that file has this content, else None."""
    try:
        product = await akeneo.get_product(row["identifier"])
        for value in ((product or {}).get("values") or {}).get(row["attribute"], []):
            if (value.get("locale"), value.get("scope")) == (row.get("locale"), row.get("scope")):
                content = await akeneo.download_media(str(value.get("data")))
                return str(value["data"]) if content and hashlib.sha256(content).hexdigest() == sha256 else None
    except AkeneoError:
        return None
    return None


def _uploaded(row: dict[str, Any], result: LineResult, attempts: int) -> LineResult:
    identifier = row["identifier"]
    if not result.ok:
        errors = result.errors or [{key: row.get(key) for key in ("attribute", "locale", "scope")}
                                   | {"message": result.message}]
        return LineResult(1, identifier, result.status_code, result.message, errors, attempts=attempts)
    held = {"locale": row.get("locale"), "scope": row.get("scope"), "data": result.message}
    return LineResult(1, identifier, result.status_code, result.message, attempts=attempts,
                      sent={"identifier": identifier, "values": {row["attribute"]: [held]}})


class _KnownCodes:
    """Product values to point at files Akeneo already stores, one collection PATCH line per product, sent
    `MAX_COLLECTION_LINES` products at a time across rounds: a round of rows holds ~40 products, and one PATCH
    per round made the load wait on 2-3x the round trips."""

    def __init__(self, patch: PatchLines, on_result: OnLineResult) -> None:
        self.patch, self.on_result = patch, on_result
        self.lines: dict[str, dict[str, Any]] = {}

    def add(self, reuse: list[tuple[dict[str, Any], str]]) -> None:
        for row, code in reuse:
            held = {"locale": row.get("locale"), "scope": row.get("scope"), "data": code}
            line = self.lines.setdefault(row["identifier"], {"identifier": row["identifier"], "values": {}})
            line["values"].setdefault(row["attribute"], []).append(held)

    async def send_full(self, *, everything: bool = False) -> None:
        """Send every full PATCH of lines (with `everything`, the last partial one too)."""
        while len(self.lines) >= MAX_COLLECTION_LINES or (everything and self.lines):
            names = list(self.lines)[:MAX_COLLECTION_LINES]
            for result in await self.patch([self.lines.pop(name) for name in names]):
                self.on_result(result)
