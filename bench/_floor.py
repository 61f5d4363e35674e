"""Benchmark baseline: the wire floor, a hand-written asyncio sync that sends only the minimal requests.

Why: "first sync at the wire floor" needs a floor measured on the same sandboxes in the same invocation.
This script does what any sync must do and nothing else: one Akeneo token, the selection's `search_after`
pages, one Icecat JSON call per product and language (by GTIN) at 8 in flight, and one collection PATCH per
100 products (name per locale, description per locale on the channel) at 4 in flight. No cache, no state, no
normalization beyond reading two fields, no artifacts. It runs in its own process so its peak RSS is its own:
    .venv/bin/python -m bench._floor floor|sequential <akeneo_url> <icecat_url>   # prints one JSON line
`bench.scale` (contender mode) starts it on fresh sandboxes, once as the floor and once as the sequential loop.
"""
from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from icecat_akeneo.mapping import load_mapping

from bench.sync_incremental import AKENEO_USER, MAPPING
from sandbox.connections import ICECAT_OPEN_USER

API = "/api/rest/v1"


@dataclass(frozen=True)
class Shape:
    """How much is in flight: the floor (8 Icecat calls, 4 PATCHes of 100 lines) or a sequential loop (one
    call at a time, one PATCH per product, the first `products` only: how peers' importers work)."""

    icecat_in_flight: int = 8
    patch_in_flight: int = 4
    patch_lines: int = 100
    products: int | None = None


SEQUENTIAL = Shape(1, 1, 1, 500)


async def _send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """The answer after any 429 (paging overlaps the PATCHes, so a 5th call on the token can be refused)."""
    while (response := await client.request(method, url, **kwargs)).status_code == 429:
        await asyncio.sleep(0.05)
    return response


async def _token(akeneo: httpx.AsyncClient) -> str:
    response = await akeneo.post("/api/oauth/v1/token", auth=(AKENEO_USER.client_id, AKENEO_USER.secret),
                                 json={"grant_type": "password", "username": AKENEO_USER.username,
                                       "password": AKENEO_USER.password})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _pages(akeneo: httpx.AsyncClient, search: dict[str, Any], out: asyncio.Queue, limit: int | None) -> int:
    """The selected products' (identifier, GTIN) into `out`, page after page (`_links.next` verbatim)."""
    sent = 0
    url: str | None = f"{API}/products"
    params: dict[str, Any] | None = {"pagination_type": "search_after", "limit": 100,
                                     "search": json.dumps(search), "attributes": "ean"}
    while url:
        page = (await _send(akeneo, "GET", url, params=params)).raise_for_status().json()
        for product in page["_embedded"]["items"]:
            if limit is not None and sent == limit:
                return sent
            ean = (product.get("values", {}).get("ean") or [{}])[0].get("data")
            await out.put((product["identifier"], ean))
            sent += 1
        url, params = page.get("_links", {}).get("next", {}).get("href"), None
    return sent


async def _enrich(icecat: httpx.AsyncClient, languages: dict[str, str], inbox: asyncio.Queue,
                  outbox: asyncio.Queue, counts: dict[str, int]) -> None:
    """One Icecat call per language of each product; a found product becomes one PATCH line."""
    while (item := await inbox.get()) is not None:
        identifier, gtin = item
        values: dict[str, list[dict[str, Any]]] = {"name": [], "description": []}
        for lang, locale in languages.items():
            params = {"lang": lang, "shopname": ICECAT_OPEN_USER, "GTIN": gtin}
            response = await _send(icecat, "GET", "/api", params=params)
            if response.status_code != 200:
                counts[f"icecat_{response.status_code}"] = counts.get(f"icecat_{response.status_code}", 0) + 1
                continue
            info = orjson.loads(response.content)["data"]["GeneralInfo"]
            values["name"].append({"locale": locale, "scope": None, "data": info.get("Title")})
            description = (info.get("Description") or {}).get("LongDesc")
            if description:
                values["description"].append({"locale": locale, "scope": "ecommerce", "data": description})
        if values["name"]:
            await outbox.put({"identifier": identifier, "values": {k: v for k, v in values.items() if v}})


async def _patch(akeneo: httpx.AsyncClient, inbox: asyncio.Queue, counts: dict[str, int]) -> None:
    while (lines := await inbox.get()) is not None:
        body = b"\n".join(orjson.dumps(line) for line in lines)
        response = await _send(akeneo, "PATCH", f"{API}/products", content=body,
                                      headers={"Content-Type": "application/vnd.akeneo.collection+json"})
        for answer in response.raise_for_status().text.splitlines():
            status = str(orjson.loads(answer).get("status_code"))
            counts[f"line_{status}"] = counts.get(f"line_{status}", 0) + 1


async def _batches(lines: asyncio.Queue, batches: asyncio.Queue, size: int) -> None:
    batch: list[dict[str, Any]] = []
    while (line := await lines.get()) is not None:
        batch.append(line)
        if len(batch) == size:
            await batches.put(batch)
            batch = []
    if batch:
        await batches.put(batch)


async def run_floor(akeneo_url: str, icecat_url: str, shape: Shape = Shape()) -> dict[str, Any]:
    mapping = load_mapping(MAPPING)
    counts: dict[str, int] = {}
    keys: asyncio.Queue = asyncio.Queue(maxsize=1000)
    lines: asyncio.Queue = asyncio.Queue(maxsize=1000)
    batches: asyncio.Queue = asyncio.Queue(maxsize=shape.patch_in_flight)
    limits = httpx.Limits(max_connections=shape.icecat_in_flight + shape.patch_in_flight + 1)
    async with httpx.AsyncClient(base_url=akeneo_url, timeout=120, limits=limits) as akeneo, \
            httpx.AsyncClient(base_url=icecat_url, timeout=120, limits=limits) as icecat:
        akeneo.headers["Authorization"] = f"Bearer {await _token(akeneo)}"
        enrichers = [asyncio.create_task(_enrich(icecat, dict(mapping.languages), keys, lines, counts))
                     for _ in range(shape.icecat_in_flight)]
        batcher = asyncio.create_task(_batches(lines, batches, shape.patch_lines))
        patchers = [asyncio.create_task(_patch(akeneo, batches, counts)) for _ in range(shape.patch_in_flight)]
        counts["products"] = await _pages(akeneo, mapping.akeneo_search(None), keys, shape.products)
        for _ in enrichers:
            await keys.put(None)
        await asyncio.gather(*enrichers)
        await lines.put(None)
        await batcher
        for _ in patchers:
            await batches.put(None)
        await asyncio.gather(*patchers)
    return counts


def main(argv: list[str]) -> None:
    mode, akeneo_url, icecat_url = argv
    started = time.perf_counter()
    counts = asyncio.run(run_floor(akeneo_url, icecat_url, SEQUENTIAL if mode == "sequential" else Shape()))
    print(json.dumps({"step": mode, "seconds": round(time.perf_counter() - started, 2), "counts": counts,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    main(sys.argv[1:])
