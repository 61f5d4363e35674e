"""Turn Icecat answers (JSON API envelopes, bare `data` objects, XML data-sheets, saved files) into
ProductRecords: the only place in the connector that knows Icecat's raw shapes.

`normalize_response` serves the client (one answer, known language); `normalize_file` serves the CLI and the
tests (saved responses, including the airbyte fixture that wraps a response in a JSON list).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from icecat_akeneo.icecat.fields import NormalizeError
from icecat_akeneo.icecat.json_sheet import read_json_data
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.icecat.xml_sheet import parse_xml, read_xml_product

__all__ = ["NormalizeError", "normalize_file", "normalize_response"]


def _unwrap_json(document: Any, source: str) -> dict[str, Any]:
    """The `data` of an envelope `{"msg": "OK", "data": {...}}`, or a bare data object."""
    if not isinstance(document, dict):
        raise NormalizeError(source, "document", f"expected a JSON object, got {type(document).__name__}")
    if "StatusCode" in document and "data" not in document:
        raise NormalizeError(
            source, "StatusCode", f"Icecat error {document.get('StatusCode')}: {document.get('Message')}"
        )
    return document["data"] if isinstance(document.get("data"), dict) else document


def _decode_json(text: str | bytes, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise NormalizeError(source, "document", f"not valid JSON: {exc}") from None


def _is_xml(text: str | bytes) -> bool:
    head = text.lstrip()[:1]
    return head in ("<", b"<")


def normalize_response(
    body: bytes | str | dict[str, Any], lang: str, source: str = "response"
) -> ProductRecord:
    """One Icecat answer (JSON envelope / data object, or XML) in language `lang`."""
    if isinstance(body, dict):
        return read_json_data(_unwrap_json(body, source), lang, source)
    if _is_xml(body):
        return read_xml_product(parse_xml(body, source), lang, source)
    return read_json_data(_unwrap_json(_decode_json(body, source), source), lang, source)


def normalize_file(path: str | Path, lang: str | None = None) -> list[ProductRecord]:
    """Every data-sheet in a saved Icecat file; `lang` defaults to the language the content is in."""
    path = Path(path)
    source = path.name
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise NormalizeError(source, "file", f"cannot read {path}: {exc.strerror}") from None
    if _is_xml(content):
        return [read_xml_product(parse_xml(content, source), lang, source)]
    document = _decode_json(content, source)
    documents = document if isinstance(document, list) else [document]
    return [read_json_data(_unwrap_json(item, source), lang, source) for item in documents]
