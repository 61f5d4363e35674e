"""Asset collection values of the load step (Akeneo Enterprise / SaaS Asset Manager): each distinct file of
a gallery becomes one asset, once, and the product's collection attribute lists the asset codes in order.

A file is downloaded under the media policy (the same hosts, addresses, size caps and type-by-signature
rules as product media), named by its content hash (`icecat_<sha256>`) and, unless the family already
holds that asset, uploaded once as an asset media file and created as an asset of the attribute's family
(`reference_data_name`), its file in the family's `attribute_as_main_media`. The state's media table
remembers file -> asset (keys namespaced by family, so a product media file with the same bytes is never
taken for an asset): a rerun neither downloads nor uploads, and another product showing the same picture
reuses the asset. Only when every file of a value is an asset is the collection set (one collection PATCH
line): a failed download, upload or asset write fails that product's line, reported and retried by the
next run, and never sets a partial collection.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, AkeneoClient
from icecat_akeneo.akeneo.errors import AkeneoError
from icecat_akeneo.akeneo.lines import MISSING_LINE_STATUS, LineResult
from icecat_akeneo.media_policy import FILE
from icecat_akeneo.media_types import SIGNATURE_BYTES, content_problem, media_filename
from icecat_akeneo.redaction import redact
from icecat_akeneo.steps.downloads import Download, Downloads
from icecat_akeneo.steps.media import (
    REFUSED_BY_POLICY,
    MediaRegistry,
    MediaSender,
    refused,
)

ASSET_ROWS_PER_ROUND = 64
ASSETS_BATCH = "assets"


def asset_code(sha256: str) -> str:
    """The code of the asset holding a file with this content: the same file is the same asset everywhere."""
    return f"icecat_{sha256}"


def url_key(family: str, url: str) -> str:
    """The state's `url` for an asset of `family` downloaded from `url` (apart from product media's)."""
    return f"asset:{family}:{url}"


def content_key(family: str, sha256: str) -> str:
    """The state's `sha256` column (64 hex characters) for a file of `family`."""
    return hashlib.sha256(f"asset:{family}:{sha256}".encode()).hexdigest()


@dataclass
class AssetCounts:
    uploaded: int = 0     # asset media files uploaded: one per new distinct file
    created: int = 0      # assets created
    reused: int = 0       # files already assets (known to the state, met earlier in the run, or in Akeneo)
    unchanged: int = 0    # collection values Akeneo already held: nothing downloaded or sent
    failed: int = 0       # collection values not set because one of their files failed


class _Failed(Exception):
    """One file of a value could not become an asset: the product's line fails with this."""

    def __init__(self, message: str, status: int = MISSING_LINE_STATUS, attempts: int = 1) -> None:
        super().__init__(message)
        self.status, self.attempts = status, attempts


class _Assets:
    """One load's asset work, with per-run memory (file -> asset, family -> its main media attribute)."""

    def __init__(self, akeneo: AkeneoClient, downloads: Downloads, registry: MediaRegistry | None) -> None:
        self.akeneo, self.downloads, self.registry = akeneo, downloads, registry
        self.counts = AssetCounts()
        self._by_url: dict[tuple[str, str], str] = {}
        self._by_content: dict[tuple[str, str], str] = {}
        self._main_media: dict[str, str] = {}

    def known(self, family: str, url: str) -> str | None:
        """The asset code of a file this URL gave before (this run or an earlier one), without downloading."""
        if (family, url) in self._by_url:
            return self._by_url[(family, url)]
        return self.registry.code_for_url(url_key(family, url)) if self.registry else None

    async def prefetch(self, row: dict[str, Any]) -> dict[str, Download]:
        """The row's files not yet known as assets, downloaded concurrently (within the downloads' limit)."""
        wanted = [url for url in row["urls"] if not self.known(row["family"], url)]
        return dict(zip(wanted, await asyncio.gather(*(self.downloads.fetch(url, FILE) for url in wanted)),
                        strict=True))

    async def code_for(self, row: dict[str, Any], url: str, fetched: dict[str, Download]) -> str:
        """The code of the asset holding this URL's file, made when needed; `_Failed` when it cannot be."""
        family = row["family"]
        known = self.known(family, url)
        if known:
            self.counts.reused += 1
            return known
        download = fetched.pop(url, None) or await self.downloads.fetch(url, FILE)
        if download.failure:
            status = REFUSED_BY_POLICY if download.refused_by_policy else MISSING_LINE_STATUS
            raise _Failed(download.failure, status, download.attempts)
        found, problem = content_problem(download.content_type, download.content[:SIGNATURE_BYTES], FILE, [])
        if problem:
            raise _Failed(f"media refused: {problem} ({redact(url)})", REFUSED_BY_POLICY, download.attempts)
        sha256 = hashlib.sha256(download.content).hexdigest()
        code = self._by_content.get((family, sha256)) or (
            self.registry.code_for_content(content_key(family, sha256)) if self.registry else None)
        if code:
            self.counts.reused += 1
        else:
            code = await self._make(family, asset_code(sha256), media_filename(url, found), download.content)
        self._by_url[(family, url)] = self._by_content[(family, sha256)] = code
        if self.registry is not None:
            self.registry.remember({**row, "url": url_key(family, url)}, content_key(family, sha256), code)
        return code

    async def _make(self, family: str, code: str, filename: str, content: bytes) -> str:
        """The asset `code` of `family`, uploaded and created unless Akeneo already holds it (lost state)."""
        try:
            if await self.akeneo.get_asset(family, code) is not None:
                self.counts.reused += 1
                return code
            attribute = await self._main_media_of(family)
            uploaded = await self.akeneo.upload_asset_media(filename, content)
            if not uploaded.ok:
                raise _Failed(f"asset media upload of {filename} answered {uploaded.status_code}: "
                              f"{uploaded.message}", uploaded.status_code or MISSING_LINE_STATUS)
            self.counts.uploaded += 1
            media = {attribute: [{"locale": None, "channel": None, "data": uploaded.message}]}
            written = await self.akeneo.patch_asset(family, {"code": code, "values": media})
        except AkeneoError as error:
            raise _Failed(f"asset {code} of family {family} not written: {error}") from None
        if not written.ok:
            raise _Failed(f"asset {code} of family {family} refused: {written.detail}",
                          written.status_code or MISSING_LINE_STATUS)
        self.counts.created += 1
        return code

    async def _main_media_of(self, family: str) -> str:
        if family not in self._main_media:
            found = await self.akeneo.get_asset_family(family)
            if not found or not found.get("attribute_as_main_media"):
                raise _Failed(f"asset family {family} does not exist in Akeneo (or has no main media)", 422)
            self._main_media[family] = str(found["attribute_as_main_media"])
        return self._main_media[family]


async def _codes_or_failure(assets: _Assets, row: dict[str, Any]) -> list[str] | LineResult:
    """The asset codes of every URL of the row in order, or the failure of the product's line."""
    try:
        fetched = await assets.prefetch(row)
        return [await assets.code_for(row, url, fetched) for url in row["urls"]]
    except _Failed as failure:
        assets.counts.failed += 1
        return refused(row, str(failure), failure.attempts, failure.status)


async def send_assets(sender: MediaSender, assets_path: Path) -> dict[str, int]:
    """Each asset collection row ends in its product's value (see the module docstring); returns the counts
    (`AssetCounts`) for the load report."""
    if not assets_path.exists():
        return asdict(AssetCounts())
    record, registry = sender.recorder(ASSETS_BATCH), sender.registry
    async with sender.downloads() as downloads:
        assets = _Assets(sender.akeneo, downloads, registry)
        for batch in pq.ParquetFile(assets_path).iter_batches(batch_size=ASSET_ROWS_PER_ROUND):
            lines: list[dict[str, Any]] = []
            for row in batch.to_pylist():
                if registry is not None and _unchanged(assets, registry, row):
                    assets.counts.unchanged += 1
                    continue
                codes = await _codes_or_failure(assets, row)
                if isinstance(codes, LineResult):
                    record(codes, "media")
                    continue
                held = {"locale": row.get("locale"), "scope": row.get("scope"), "data": codes}
                lines.append({"identifier": row["identifier"], "values": {row["attribute"]: [held]}})
            for start in range(0, len(lines), MAX_COLLECTION_LINES):
                for result in await sender.patch(lines[start:start + MAX_COLLECTION_LINES]):
                    record(result, "values")
    return asdict(assets.counts)


def _unchanged(assets: _Assets, registry: MediaRegistry, row: dict[str, Any]) -> bool:
    """Akeneo already holds these very assets in this order: nothing to download, nothing to send."""
    codes = [assets.known(row["family"], url) for url in row["urls"]]
    return all(codes) and registry.held_value(row) == codes

