"""A gallery (or any list of file URLs) into an Akeneo Asset Manager collection attribute
(`pim_catalog_asset_collection`, Enterprise / SaaS): what transform asks the load step to do.

Akeneo takes asset codes there, not URLs: the load step (`steps/assets.py`) downloads each distinct file
under the media policy, makes it one asset of the attribute's family (`reference_data_name`), coded by its
content hash, and sets the codes in this order. Nothing here does I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icecat_akeneo.catalog.taxonomy import ASSET_COLLECTION
from icecat_akeneo.media_policy import url_problem

__all__ = ["ASSET_COLLECTION", "AssetCollectionUpload", "asset_collection"]


@dataclass(frozen=True)
class AssetCollectionUpload:
    """The file URLs to become assets of `family`, in the order the collection lists them."""
    urls: tuple[str, ...]
    family: str


def asset_collection(value: object, attribute: dict[str, Any], *_: object) -> AssetCollectionUpload:
    """Each URL once, in order; ValueError (the value is rejected, with this reason) for a URL no download
    may follow or an attribute without an asset family."""
    family = attribute.get("reference_data_name")
    if not family:
        raise ValueError(f"asset collection {attribute.get('code')} names no asset family (reference_data_name)")
    items = value if isinstance(value, list) else [value]
    urls = tuple(dict.fromkeys(str(item).strip() for item in items if item is not None and str(item).strip()))
    for url in urls:
        problem = url_problem(url)
        if problem:
            raise ValueError(f"expects file URLs to download, got {url[:80]!r}: {problem}")
    return AssetCollectionUpload(urls, str(family))
