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
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoError
from icecat_akeneo.akeneo.lines import MISSING_LINE_STATUS, LineResult, read_ndjson
from icecat_akeneo.artifacts import MEDIA, RESULTS, RESULTS_SCHEMA, ParquetStream, batch_files
from icecat_akeneo.progress import Progress
from icecat_akeneo.steps.media import MediaRegistry, send_media

TOP_MESSAGES = 10

OnLineResult = Callable[[LineResult], None]
LineFilter = Callable[[dict[str, Any]], "dict[str, Any] | None"]


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
        self.progress = Progress("load", unit="answers", live=lambda: {"media_reused": self.media_reused,
                                                                       "lines_skipped": self.skipped_lines})

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
        self.progress.advance(**{_progress_counter(result, kind): 1})
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


def _progress_counter(result: LineResult, kind: str) -> str:
    """The load progress counter a result adds to: lines accepted / refused, media uploaded / failed."""
    ok = 200 <= result.status_code < 300
    if kind == "values":
        return "lines_accepted" if ok else "lines_refused"
    return "media_uploaded" if ok else "media_failed"


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
            await send_media(
                akeneo,
                MEDIA.path(run_dir),
                results,
                media_headers,
                on_line_result,
                media_registry,
                patch=lambda lines: _patch_or_record_failure(akeneo, lines),
            )
            stats = akeneo.stats()
    except BaseException:
        results.discard()
        raise
    results.close()
    results.progress.finish()
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
