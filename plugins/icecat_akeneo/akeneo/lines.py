"""The NDJSON of collection PATCH: encoding the request lines and reading Akeneo's per-line answers.

The one NDJSON codec of the connector: the transform writes its batch files with `write_ndjson`, the load
and the dry run read them back with `read_ndjson`, and the client encodes request bodies with `encode_ndjson`.

A collection PATCH answers HTTP 200 even when every line failed: each line's real status is in the body,
one JSON object per line. Those statuses are data (a 422 is a product to fix, not a failed request), so
they are parsed into `LineResult`s and never raised. Each answer is trusted only when its line number and
its key (identifier, uuid or code) match the line sent (`parse_line_results`).

Lines are split on "\\n" only. JSON escapes a newline inside a string, so a multi-line description stays
on one line; but `str.splitlines()` also splits on U+2028, U+2029 and U+0085, which JSON leaves raw, so it
would cut such a value in two. For the same reason those characters are escaped in what we send.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LINE_BREAKS_JSON_LEAVES_RAW = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"}
MISSING_LINE_STATUS = 0


@dataclass(frozen=True)
class LineResult:
    """Akeneo's answer for one line (one product, option, ...) of a collection or single request."""

    line: int
    identifier: str | None
    status_code: int
    message: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 1
    sent: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Only a 2xx means Akeneo stored the line."""
        return 200 <= self.status_code < 300

    @property
    def detail(self) -> str | None:
        """Akeneo's message plus each validation error, e.g. `Validation failed. [name/en_US] too long`."""
        parts = [self.message] if self.message else []
        for error in self.errors:
            where = "/".join(str(error[key]) for key in ("attribute", "locale", "scope") if error.get(key))
            parts.append(f"[{where or error.get('property', '?')}] {error.get('message', '')}".strip())
        return " ".join(parts) or None


def encode_line(body: dict[str, Any]) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in LINE_BREAKS_JSON_LEAVES_RAW.items():
        text = text.replace(raw, escaped)
    return text


def encode_ndjson(bodies: list[dict[str, Any]]) -> bytes:
    return "\n".join(encode_line(body) for body in bodies).encode("utf-8")


def decode_lines(text: str) -> Iterator[Any]:
    """The JSON values of an NDJSON answer, split on "\\n" only; blank lines and lines that are not JSON are
    skipped (an answer line missing that way is reported by the caller, never taken as a success)."""
    for raw in text.split("\n"):
        if raw.strip():
            try:
                yield json.loads(raw)
            except json.JSONDecodeError:
                continue


def write_ndjson(path: Path, bodies: Iterable[dict[str, Any]]) -> int:
    """One encoded line per body, each ended by "\\n", UTF-8; returns the number of lines written."""
    lines = [encode_line(body) + "\n" for body in bodies]
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return len(lines)


def read_ndjson(path: Path) -> Iterator[dict[str, Any]]:
    """The bodies of an NDJSON file, split on "\\n" only (blank lines skipped); a line that is not JSON
    raises ValueError naming the file and line number."""
    with path.open(encoding="utf-8", newline="\n") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                yield json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number} is not a JSON line: {exc}") from exc


def parse_line_results(
    text: str, sent: list[dict[str, Any]], attempts: int = 1, *, key_field: str = "identifier"
) -> list[LineResult]:
    """One `LineResult` per sent line, in order, named by the key the line was sent with (`key_field`:
    `identifier`, `uuid` for /products-uuid, `code` for options and product models).

    An answer counts only when its line number AND its key match the sent line: an answer naming another
    product, a 2xx answer naming none, a line answered twice or not at all fails that line (status 0, never a
    success), so the values of one product are never recorded as accepted for another. Akeneo leaves the
    key out of a line it could not read (400 "Invalid json message received"): that refusal stands."""
    answered: dict[int, list[dict[str, Any]]] = {}
    for answer in decode_lines(text):
        if isinstance(answer, dict) and isinstance(answer.get("line"), int):
            answered.setdefault(answer["line"], []).append(answer)
    return [_judged(number, body, answered.get(number, []), attempts, key_field)
            for number, body in enumerate(sent, start=1)]


def answer_mismatch(number: int, sent_key: str | None, answers: list[dict[str, Any]], key_field: str) -> str | None:
    """Why the answers given for line `number` cannot be taken as the answer to the line sent, or None."""
    if not answers:
        return "Akeneo's response has no result for this line"
    if len(answers) > 1:
        return f"Akeneo answered line {number} {len(answers)} times; the line sent was {sent_key}"
    named = answers[0].get(key_field)
    if named is None:
        status = answers[0].get("status_code")
        ok = isinstance(status, int) and 200 <= status < 300
        return f"Akeneo's answer line {number} names no {key_field}, the line sent was {sent_key}" if ok else None
    if str(named) != sent_key:
        return f"Akeneo's answer line {number} names {named}, the line sent was {sent_key}"
    return None


def _judged(number: int, body: dict[str, Any], answers: list[dict[str, Any]], attempts: int,
            key_field: str) -> LineResult:
    sent_key = None if body.get(key_field) is None else str(body[key_field])
    mismatch = answer_mismatch(number, sent_key, answers, key_field)
    if mismatch is not None:
        return LineResult(number, sent_key, MISSING_LINE_STATUS, mismatch, attempts=attempts, sent=body)
    answer = answers[0]
    return LineResult(
        line=number,
        identifier=sent_key,
        status_code=int(answer.get("status_code", MISSING_LINE_STATUS)),
        message=answer.get("message"),
        errors=list(answer.get("errors") or []),
        attempts=attempts,
        sent=body,
    )
