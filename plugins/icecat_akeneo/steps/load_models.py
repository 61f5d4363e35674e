"""Load's product-model part: the transform's model lines as collection PATCHes of `/product-models`.

The same machinery as product lines (`steps.load`): at most 100 lines per request, every answer line recorded
in `load/results.parquet` (its `identifier` is `model:<code>`), refused and undelivered lines in
`load/refused.parquet`, the state moved by the same `on_line_result` on 2xx answers only, the same
`line_filter` (values accepted by an earlier try of this load are not sent again). Akeneo keys the answer
lines of product models by `code`; each is taken back to the `model:<code>` key of the line sent at its
position, so a model's state can never be mistaken for a product's.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES
from icecat_akeneo.akeneo.lines import LineResult, read_ndjson
from icecat_akeneo.artifacts import model_batch_files
from icecat_akeneo.catalog.levels import model_key

Patch = Callable[[list[dict[str, Any]]], Awaitable[list[LineResult]]]


class Results(Protocol):
    """What of `steps.load.LoadResults` the model lines use."""

    skipped_lines: int

    def add(self, result: LineResult, batch: str, line: int, kind: str) -> None: ...


def _model_line(body: dict[str, Any], line_filter: Callable[[dict[str, Any]], dict[str, Any] | None]
                ) -> dict[str, Any] | None:
    """The `{"code", "values"}` line to send, after `line_filter` saw it under the model's state key."""
    kept = line_filter({"identifier": model_key(body["code"]), "values": body.get("values") or {}})
    return {"code": body["code"], "values": kept["values"]} if kept and kept.get("values") else None


async def send_model_lines(run_dir: Path, results: Results, patch: Patch,
                           on_line_result: Callable[[LineResult], None],
                           line_filter: Callable[[dict[str, Any]], dict[str, Any] | None]) -> int:
    """Send `transform/models-batch-*.ndjson` in chunks of at most 100 lines through `patch` (a collection
    PATCH of product models that records a failed request as a failure of each line); returns lines sent."""
    sent = 0
    for path in model_batch_files(run_dir):
        chunk: list[dict[str, Any]] = []
        offset = 0
        for body in read_ndjson(path):
            line = _model_line(body, line_filter)
            if line is None:
                results.skipped_lines += 1
                continue
            chunk.append(line)
            if len(chunk) == MAX_COLLECTION_LINES:
                await _send(path.stem, offset, chunk, results, patch, on_line_result)
                offset, sent, chunk = offset + len(chunk), sent + len(chunk), []
        if chunk:
            await _send(path.stem, offset, chunk, results, patch, on_line_result)
            sent += len(chunk)
    return sent


async def _send(batch: str, offset: int, lines: list[dict[str, Any]], results: Results, patch: Patch,
                on_line_result: Callable[[LineResult], None]) -> None:
    for answer in await patch(lines):
        result = replace(answer, identifier=model_key(lines[answer.line - 1]["code"]), sent=lines[answer.line - 1])
        results.add(result, batch, offset + answer.line, "values")
        on_line_result(result)
