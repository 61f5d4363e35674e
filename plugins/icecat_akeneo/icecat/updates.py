"""What Icecat changed lately, read from its daily index: the Icecat side of an incremental run's selection."""

from __future__ import annotations

import asyncio
import datetime as dt

from icecat_akeneo.icecat.client import IcecatClient, IcecatSettings


def icecat_updates(settings: IcecatSettings, language: str) -> dict[int, dt.datetime]:
    """Icecat ids the daily index lists as changed, with their `Updated` (empty when it cannot be read)."""

    async def read() -> dict[int, dt.datetime]:
        async with IcecatClient(settings) as icecat:
            index = await icecat.daily_index_once(language)
        return dict(index.updated) if index else {}

    return asyncio.run(read())
