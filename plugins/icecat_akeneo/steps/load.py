"""Load: send the transform step's PATCH batches and media to Akeneo, and record what Akeneo answered.

Every line's answer is recorded in `load/results.parquet`, because a collection PATCH answers 200 even when
lines fail: a 422 is a product someone must fix, recorded with Akeneo's message while the run goes on.
Only a 2xx counts as done. A batch whose whole request failed (after the client's retries) is recorded
line by line with that failure; refused credentials stop the run, since no later batch could succeed.

Batches are read lazily and sent by `max_concurrency` workers, so memory stays bounded and Akeneo sees
at most that many calls at once. `on_line_result` lets a caller (the state store) act on each answer as
it arrives, e.g. remember what Akeneo accepted.

Media (images, PDFs) cannot be sent as URLs: each file is downloaded and uploaded through media-files,
which sets the product value itself. In UUID mode (extract's choice) lines and uploads go by uuid.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoError
from icecat_akeneo.akeneo.lines import MISSING_LINE_STATUS, LineResult, read_ndjson
from icecat_akeneo.artifacts import (
    ASSETS,
    LOAD_ATTEMPTS,
    MEDIA,
    REFUSED,
    RESULTS,
    RESULTS_SCHEMA,
    ParquetStream,
    batch_files,
)
from icecat_akeneo.media_policy import MediaPolicy
from icecat_akeneo.progress import Progress
from icecat_akeneo.steps.assets import send_assets
from icecat_akeneo.steps.extract import address_as_extracted
from icecat_akeneo.steps.load_models import Patch, send_model_lines
from icecat_akeneo.steps.media import MediaRegistry, MediaSender, send_media

TOP_MESSAGES = 10
TOO_LARGE, TOO_MANY_REQUESTS = 413, 429


def not_delivered(status_code: int) -> bool:
    """The line never reached a judgement by Akeneo: no answer (transport, breaker), too large, throttled or a
    server error. Unlike a 4xx refusal it says nothing about the product: the batch failed, and so the run."""
    return status_code in (0, TOO_LARGE, TOO_MANY_REQUESTS) or status_code >= 500


def refused_rows(result: LineResult, batch: str, line: int, kind: str, attempt: int) -> list[dict[str, Any]]:
    """One row per value Akeneo named in its errors (attribute/locale/scope), else one row for the line."""
    base = {"identifier": result.identifier, "status_code": result.status_code, "kind": kind, "batch": batch,
            "line": line, "attempt": attempt}
    where = [e for e in result.errors if isinstance(e, dict)] or [{}]
    return [{**base, "attribute": error.get("attribute") or error.get("property"), "locale": error.get("locale"),
             "scope": error.get("scope"),
             "message": " ".join(filter(None, (result.message, error.get("message")))) or result.detail}
            for error in where]

OnLineResult = Callable[[LineResult], None]
LineFilter = Callable[[dict[str, Any]], "dict[str, Any] | None"]


class LoadResults:
    """Streams result rows to Parquet (`artifacts.ParquetStream`) and keeps the counts the report needs."""

    def __init__(self, path: Path, attempt: int = 1) -> None:
        self._out = ParquetStream(path, RESULTS_SCHEMA)
        self.path, self.attempt = path, attempt
        self.refused: list[dict[str, Any]] = []
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
        if not result.ok:
            self.refused += refused_rows(result, batch, line, kind, self.attempt)
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
    media_policy: MediaPolicy | None = None,
    before_lines: Callable[[list[str]], None] | None = None,
) -> dict[str, Any]:
    """Send `transform/batch-*.ndjson` and `transform/media.parquet`; write `load/results.parquet`.

    `line_filter` may narrow or drop a line just before it is sent (values Akeneo accepted meanwhile);
    `before_lines(identifiers)` hears each batch file's products before `line_filter` sees them (per file);
    `media_registry` lets files Akeneo already holds be skipped or reused by code instead of uploaded again;
    `media_policy` says where media may be downloaded from (default: Icecat's hosts, `media_policy.py`).
    """
    return asyncio.run(
        _load(settings, Path(run_dir), media_headers or {}, on_line_result or (lambda _: None),
              (before_lines or (lambda _: None), line_filter or (lambda line: line)), media_registry, media_policy)
    )


async def _load(
    settings: AkeneoSettings,
    run_dir: Path,
    media_headers: dict[str, str],
    on_line_result: OnLineResult,
    filters: tuple[Callable[[list[str]], None], LineFilter],
    media_registry: MediaRegistry | None,
    media_policy: MediaPolicy | None = None,
) -> dict[str, Any]:
    started = time.monotonic()
    earlier = attempts_so_far(run_dir)
    results = LoadResults(RESULTS.path(run_dir), attempt=len(earlier) + 1)
    try:
        async with AkeneoClient(settings) as akeneo:
            address_as_extracted(akeneo, run_dir)  # by uuid in UUID mode
            await _send_batches(akeneo, run_dir, results, on_line_result, filters)
            def patch(lines: list[dict[str, Any]]) -> Awaitable[list[LineResult]]:
                return _patch_or_record_failure(akeneo, lines)

            model_lines = await send_model_lines(run_dir, results, partial(  # variant catalogues: product models
                _patch_or_record_failure, akeneo, patch=akeneo.patch_product_models), on_line_result, filters[1])
            sender = MediaSender(akeneo, results, media_headers, on_line_result, media_registry, patch, media_policy)
            fetched = await send_media(sender, MEDIA.path(run_dir))
            assets = await send_assets(sender, ASSETS.path(run_dir))
            stats = akeneo.stats()
    except BaseException:
        results.discard()
        raise
    results.close()
    REFUSED.write(run_dir, [*REFUSED.rows(run_dir), *results.refused])
    results.progress.finish()
    ok = sum(count for status, count in results.lines_by_status.items() if 200 <= status < 300)
    media_uploaded = results.media_by_status[201]
    statuses = results.lines_by_status + results.media_by_status
    report = {
        "lines": sum(results.lines_by_status.values()),
        "lines_ok": ok,
        "lines_failed": sum(results.lines_by_status.values()) - ok,
        "lines_by_status": {str(status): n for status, n in sorted(results.lines_by_status.items())},
        "unprocessable_top": results.top_unprocessable(),
        "lines_skipped_already_accepted": results.skipped_lines, "model_lines": model_lines,
        "media": {"uploaded": media_uploaded, "reused": results.media_reused, "unchanged": results.media_unchanged,
                  "failed": sum(results.media_by_status.values()) - media_uploaded - results.media_reused, **fetched},
        "assets": assets,
        "requests": stats["requests"],
        "requests_total": stats["requests_total"], "writes": stats["writes_total"],
        "retries": stats["retries_total"],
        "duration_s": round(time.monotonic() - started, 3),
        "lines_not_delivered": sum(n for status, n in statuses.items() if not_delivered(status)),
        "lines_not_delivered_by_status": {str(status): n for status, n in sorted(statuses.items())
                                          if not_delivered(status)},
        "attempt": results.attempt,
        "artifacts": {"results": str(results.path), "refused": str(REFUSED.path(run_dir))},
    }
    return {**report, "attempts": record_attempt(run_dir, earlier, report)}


def attempts_so_far(run_dir: Path) -> list[dict[str, Any]]:
    path = LOAD_ATTEMPTS.path(run_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def record_failed_attempt(run_dir: Path, error: BaseException) -> None:
    """A load attempt that stopped (auth refused, killed by an exception): listed, its lines unknown."""
    earlier = attempts_so_far(run_dir)
    record_attempt(run_dir, earlier, {"attempt": len(earlier) + 1, "failed": f"{type(error).__name__}: {error}"})


def record_attempt(run_dir: Path, earlier: list[dict[str, Any]], report: dict[str, Any]) -> dict[str, Any]:
    """Append this attempt to `load/attempts.json`; return every attempt and the totals over them, so a load
    retried by Airflow reports all its tries, not only the last."""
    keys = ("attempt", "lines", "lines_ok", "lines_failed", "lines_not_delivered", "duration_s")
    entry = {key: report.get(key) for key in keys}
    entry["lines_by_status"] = report.get("lines_by_status", {})
    if "failed" in report:
        entry["failed"] = report["failed"]
    every = [*earlier, entry]
    path = LOAD_ATTEMPTS.path(run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(every, indent=2), encoding="utf-8")
    totals = {key: sum(int(a.get(key) or 0) for a in every) for key in ("lines", "lines_ok", "lines_failed")}
    return {"count": len(every), "per_attempt": every, "totals": totals}


async def _read_batches(
    run_dir: Path, line_filter: LineFilter, results: LoadResults,
    before_lines: Callable[[list[str]], None] = lambda _: None,
) -> AsyncIterator[tuple[str, int, list[dict[str, Any]]]]:
    """(batch name, line offset, up to 100 PATCH bodies) for each batch file, in file order."""
    for path in batch_files(run_dir):
        offset, chunk = 0, []
        bodies: list[dict[str, Any]] = list(read_ndjson(path))    # one file: the transform's batch_size lines
        before_lines([body["identifier"] for body in bodies])
        for body in bodies:
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
    filters: tuple[Callable[[list[str]], None], LineFilter],
) -> None:
    """At most `max_concurrency` batches in flight; the next file chunk is read only when one finishes."""

    async def send(batch: str, offset: int, lines: list[dict[str, Any]]) -> None:
        for result in await _patch_or_record_failure(akeneo, lines):
            results.add(result, batch, offset + result.line, "values")
            on_line_result(result)

    in_flight: set[asyncio.Task[None]] = set()
    try:
        async for batch, offset, lines in _read_batches(run_dir, filters[1], results, filters[0]):
            if len(in_flight) >= akeneo.settings.max_concurrency:
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            in_flight.add(asyncio.create_task(send(batch, offset, lines)))
        await asyncio.gather(*in_flight)
    finally:
        for task in in_flight:
            task.cancel()


async def _patch_or_record_failure(akeneo: AkeneoClient, lines: list[dict[str, Any]],
                                   patch: Patch | None = None) -> list[LineResult]:
    try:
        return await (patch or akeneo.patch_products)(lines)
    except AkeneoAuthError:
        raise
    except AkeneoError as exc:
        status = exc.status_code or MISSING_LINE_STATUS
        return [
            LineResult(number, line.get("identifier"), status, f"batch not accepted: {exc}", sent=line)
            for number, line in enumerate(lines, start=1)
        ]
