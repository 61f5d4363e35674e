"""On-disk cache of Icecat answers, so an unchanged product costs no Icecat call on the next run.

Two small kinds of files under `cache_dir`:
- `content/<icecat_id>/<LANG>.json`: the raw `data` object Icecat sent, its `Updated`, when it was fetched,
  and the daily-index `Updated` seen then;
- `keys/<hash>.json`: the Icecat id a lookup key (GTIN, brand+MPN, icecat_id) resolved to, and its kind.

An entry is reused only when Icecat's daily index proves the product did not change since it was fetched:
the entry is younger than the index window (24 h) and the index does not list the product with a newer
`Updated`. Anything else (no index, older entry, newer Updated) means "fetch again". Files are written
atomically (temp file + rename), so parallel workers and crashed runs never leave half an entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DAILY_INDEX_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class CachedContent:
    data: dict[str, Any]
    updated: dt.datetime | None
    fetched_at: dt.datetime
    index_updated: dt.datetime | None

    def unchanged_per(self, index_updated: dt.datetime | None, index_generated: dt.datetime | None) -> bool:
        """True when the daily index (listing `index_updated` for this product, or None) proves no change."""
        if index_generated is None or self.fetched_at < index_generated - DAILY_INDEX_WINDOW:
            return False
        if index_updated is None:
            return True
        known = [stamp for stamp in (self.updated, self.index_updated) if stamp is not None]
        return bool(known) and index_updated <= max(known)


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _unstamp(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # a damaged entry is a miss, never a crash: it gets rewritten


class IcecatCache:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _content_path(self, icecat_id: int, lang: str) -> Path:
        return self.root / "content" / str(icecat_id) / f"{lang.upper()}.json"

    def _key_path(self, kind: str, value: str) -> Path:
        digest = hashlib.sha256(f"{kind}\0{value.strip().lower()}".encode()).hexdigest()
        return self.root / "keys" / f"{digest[:40]}.json"

    def content(self, icecat_id: int, lang: str) -> CachedContent | None:
        entry = _read(self._content_path(icecat_id, lang))
        if entry is None or not isinstance(entry.get("data"), dict):
            return None
        return CachedContent(
            entry["data"],
            _unstamp(entry.get("updated")),
            _unstamp(entry["fetched_at"]),
            _unstamp(entry.get("index_updated")),
        )

    def store_content(
        self,
        icecat_id: int,
        lang: str,
        data: dict[str, Any],
        updated: dt.datetime | None,
        index_updated: dt.datetime | None,
        fetched_at: dt.datetime,
    ) -> None:
        _write_atomically(
            self._content_path(icecat_id, lang),
            {
                "data": data,
                "updated": _stamp(updated),
                "fetched_at": _stamp(fetched_at),
                "index_updated": _stamp(index_updated),
            },
        )

    def resolved(self, kind: str, value: str) -> int | None:
        entry = _read(self._key_path(kind, value))
        return int(entry["icecat_id"]) if entry and str(entry.get("icecat_id", "")).isdigit() else None

    def remember(self, kind: str, value: str, icecat_id: int) -> None:
        _write_atomically(self._key_path(kind, value), {"kind": kind, "value": value, "icecat_id": icecat_id})
