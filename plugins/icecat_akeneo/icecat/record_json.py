"""A ProductRecord as compact JSON text and back, so the cache can hand out a record without normalizing the
raw Icecat answer again: decoding a 50-150 KB answer and walking it was most of a no-change rerun's enrich.

`NORMALIZER_VERSION` fingerprints the source of every module that shapes a record. A record stored by
another normalizer is not used (the raw answer is normalized again), so a normalizer fix can never hide
behind the cache, and nobody has to remember bumping a number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from icecat_akeneo.icecat.record import EVERYTHING, ProductRecord, RecordScope, record_from_row

NORMALIZER_MODULES = (
    "fields", "html_text", "json_sheet", "languages", "normalize", "plain", "record", "sheet_parts", "xml_sheet",
)


def _normalizer_version() -> str:
    digest = hashlib.sha256()
    for module in NORMALIZER_MODULES:
        digest.update((Path(__file__).parent / f"{module}.py").read_bytes())
    return digest.hexdigest()[:16]


NORMALIZER_VERSION = _normalizer_version()


def normalizer_key(scope: RecordScope) -> str:
    """What a stored record was normalized by: the normalizer's version and what it kept (a record normalized
    for another mapping's scope is not used: the raw answer is normalized again)."""
    if scope == EVERYTHING:
        return NORMALIZER_VERSION
    kept = repr((None if scope.features is None else sorted(scope.features), scope.related))
    return f"{NORMALIZER_VERSION}:{hashlib.sha256(kept.encode()).hexdigest()[:12]}"

# JSON has no dates: these record fields travel as ISO 8601 text (derived from the annotations, so a new
# date field cannot be forgotten).
_DATE_FIELDS = tuple(
    name for name, field in ProductRecord.__dataclass_fields__.items() if str(field.type).startswith("dt.date ")
)
_TIMESTAMP_FIELDS = tuple(
    name
    for name, field in ProductRecord.__dataclass_fields__.items()
    if str(field.type).startswith("dt.datetime ")
)


def record_to_row_json(record: ProductRecord) -> dict[str, Any]:
    """`record.to_row()` with dates and timestamps as ISO text, ready for `json.dump`."""
    row = record.to_row()
    for name in (*_DATE_FIELDS, *_TIMESTAMP_FIELDS):
        row[name] = row[name].isoformat() if row[name] is not None else None
    return row


def record_from_row_json(row: dict[str, Any]) -> ProductRecord:
    """The inverse of `record_to_row_json`; ValueError / TypeError / KeyError on a damaged row."""
    if row.keys() != ProductRecord.__dataclass_fields__.keys():
        raise ValueError(f"record fields differ: {sorted(row.keys() ^ ProductRecord.__dataclass_fields__.keys())}")
    row = dict(row)
    for name in _DATE_FIELDS:
        row[name] = dt.date.fromisoformat(row[name]) if row[name] else None
    for name in _TIMESTAMP_FIELDS:
        row[name] = dt.datetime.fromisoformat(row[name]) if row[name] else None
    return record_from_row(row)

