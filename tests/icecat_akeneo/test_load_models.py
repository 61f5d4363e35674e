"""steps/load_models.py: product-model lines go through the load's line handling under `model:<code>`."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.lines import LineResult, write_ndjson
from icecat_akeneo.artifacts import model_batch_path
from icecat_akeneo.steps.load_models import send_model_lines


class Results:
    def __init__(self) -> None:
        self.skipped_lines = 0
        self.rows: list[tuple[str | None, int, int]] = []

    def add(self, result: LineResult, batch: str, line: int, kind: str) -> None:
        self.rows.append((result.identifier, line, result.status_code))


def test_model_lines_are_sent_in_chunks_of_100_and_answered_under_their_state_key(tmp_path: Path) -> None:
    path = model_batch_path(tmp_path, 1)
    path.parent.mkdir(parents=True)
    write_ndjson(path, [{"code": f"M{n:03d}", "values": {"name": [{"locale": None, "scope": None, "data": n}]}}
                        for n in range(150)])
    sent: list[list[dict[str, Any]]] = []

    async def patch(lines: list[dict[str, Any]]) -> list[LineResult]:
        sent.append(lines)  # Akeneo answers by `code`; one refused
        return [LineResult(n, line["code"], 422 if line["code"] == "M120" else 204)
                for n, line in enumerate(lines, start=1)]

    heard: list[LineResult] = []
    drop_first = lambda line: None if line["identifier"] == "model:M000" else line  # noqa: E731 - accepted earlier
    results = Results()
    count = asyncio.run(send_model_lines(tmp_path, results, patch, heard.append, drop_first))
    assert count == 149 and [len(lines) for lines in sent] == [100, 49] and results.skipped_lines == 1
    assert sent[0][0] == {"code": "M001", "values": {"name": [{"locale": None, "scope": None, "data": 1}]}}
    assert results.rows[0] == ("model:M001", 1, 204) and ("model:M120", 120, 422) in results.rows
    assert {result.identifier for result in heard} == {f"model:M{n:03d}" for n in range(1, 150)}
    assert heard[0].sent == sent[0][0], "the state records the very line sent"
