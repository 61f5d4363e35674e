"""Turn Icecat answers (JSON API envelopes, bare `data` objects, XML data-sheets, saved files) into
ProductRecords: the only place in the connector that knows Icecat's raw shapes.

`normalize_response` serves the client (one answer, known language); `normalize_file` serves the CLI and the
tests (saved responses, including the airbyte fixture that wraps a response in a JSON list). Whatever the
document holds, both raise only `NormalizeError` (naming the product or source, the field and the problem):
one hostile document is one failed product, never a failed run. Bad single values do not even fail the
product: they are refused into `ProductRecord.refusals` (see `fields`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from icecat_akeneo.icecat.fields import MAX_DEPTH, NormalizeError, describe
from icecat_akeneo.icecat.json_sheet import read_json_data
from icecat_akeneo.icecat.record import EVERYTHING, ProductRecord, RecordScope
from icecat_akeneo.icecat.xml_sheet import parse_xml, read_xml_product

__all__ = ["NormalizeError", "normalize_file", "normalize_response"]

UNEXPECTED = "unexpected error while reading (a connector bug: please report it)"
T = TypeVar("T")


def _unwrap_json(document: Any, source: str) -> dict[str, Any]:
    """The `data` of an envelope `{"msg": "OK", "data": {...}}`, or a bare data object."""
    if not isinstance(document, dict):
        raise NormalizeError(source, "document", f"expected a JSON object, got {describe(document)}")
    if "StatusCode" in document and "data" not in document:
        status, message = (_plain(document.get(key)) for key in ("StatusCode", "Message"))
        raise NormalizeError(source, "StatusCode", f"Icecat error {status}: {message}")
    _check_depth(document, source)
    return document["data"] if isinstance(document.get("data"), dict) else document


def _plain(value: Any) -> str:
    """Icecat's own error code / message as text, cut short; anything odd described instead."""
    if isinstance(value, str) or (type(value) is int and value.bit_length() <= 64):
        return str(value)[:300]
    return describe(value)


_CONTAINERS = (dict, list)


def _check_depth(document: Any, source: str) -> None:
    """Refuse documents nested deeper than MAX_DEPTH (walked level by level, without recursion)."""
    level, depth = [document], 1
    while level:
        if depth > MAX_DEPTH:
            raise NormalizeError(source, "document", f"nested deeper than {MAX_DEPTH} levels")
        level = [child for value in level for child in (value.values() if type(value) is dict else value)
                 if type(child) in _CONTAINERS]
        depth += 1


def _decode_json(text: str | bytes, source: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise NormalizeError(source, "document", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise NormalizeError(source, "document", f"not valid JSON: {str(exc)[:200]}") from None


def _is_xml(text: str | bytes) -> bool:
    head = text.lstrip()[:1]
    return head in ("<", b"<")


def _guarded(source: str, read: Callable[[], T]) -> T:
    """`read()`, with any exception but NormalizeError turned into one: a bug met by one odd document must
    cost that product only (the message says it is a bug, so it is reported rather than hidden)."""
    try:
        return read()
    except NormalizeError:
        raise
    except Exception as exc:  # noqa: BLE001 - isolation boundary of one Icecat document
        raise NormalizeError(source, "document", f"{UNEXPECTED}: {type(exc).__name__}: {str(exc)[:200]}") from exc


def normalize_response(
    body: bytes | str | dict[str, Any], lang: str, source: str = "response", scope: RecordScope = EVERYTHING
) -> ProductRecord:
    """One Icecat answer (JSON envelope / data object, or XML) in language `lang`, keeping what `scope` keeps
    (a client's: what its mapping reads, `sources.scope_of_mapping`)."""

    def read() -> ProductRecord:
        if not isinstance(body, dict) and _is_xml(body):
            return read_xml_product(parse_xml(body, source), lang, source, scope)
        document = body if isinstance(body, dict) else _decode_json(body, source)
        return read_json_data(_unwrap_json(document, source), lang, source, scope)

    return _guarded(source, read)


def normalize_file(path: str | Path, lang: str | None = None) -> list[ProductRecord]:
    """Every data-sheet in a saved Icecat file; `lang` defaults to the language the content is in."""
    path = Path(path)
    source = path.name
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise NormalizeError(source, "file", f"cannot read {path}: {exc.strerror}") from None

    def read() -> list[ProductRecord]:
        if _is_xml(content):
            return [read_xml_product(parse_xml(content, source), lang, source)]
        document = _decode_json(content, source)
        documents = document if isinstance(document, list) else [document]
        return [read_json_data(_unwrap_json(item, source), lang, source) for item in documents]

    return _guarded(source, read)
