"""What Icecat changed lately, read from its daily index: the Icecat side of an incremental run's selection."""

from __future__ import annotations

import asyncio
import datetime as dt

from icecat_akeneo.icecat.client import DailyIndex, IcecatClient, IcecatSettings


def daily_index(settings: IcecatSettings, language: str) -> DailyIndex | None:
    """Icecat's daily index in `language` (None when it cannot be read)."""

    async def read() -> DailyIndex | None:
        async with IcecatClient(settings) as icecat:
            return await icecat.daily_index_once(language)

    return asyncio.run(read())


def icecat_updates(settings: IcecatSettings, language: str) -> dict[int, dt.datetime]:
    """Icecat ids the daily index lists as changed, with their `Updated` (empty when it cannot be read)."""
    index = daily_index(settings, language)
    return dict(index.updated) if index else {}
