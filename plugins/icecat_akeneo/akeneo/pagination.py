"""Following Akeneo's `_links.next.href`, as a small pure object.

Akeneo says "always follow `_links.next` verbatim; never build `search_after` yourself". A server (or a
proxy) that hands out the same next link twice would make a naive loop run forever, so the paginator
remembers the links it followed and fails loudly on a repeat.
"""

from __future__ import annotations

from typing import Any

from icecat_akeneo.akeneo.errors import PaginationLoopError


def page_items(page: Any) -> list[dict]:
    """The items of a list response: `_embedded.items`, or the body itself for the few un-paged lists."""
    if isinstance(page, list):
        return page
    return list(((page or {}).get("_embedded") or {}).get("items") or [])


class LinkPaginator:
    """Given each page, says which URL to fetch next, or None when the listing is done."""

    def __init__(self) -> None:
        self._followed: set[str] = set()

    def next_url(self, page: Any) -> str | None:
        if isinstance(page, list) or not page_items(page):
            return None
        href = (((page.get("_links") or {}).get("next")) or {}).get("href")
        if not href:
            return None
        if href in self._followed:
            raise PaginationLoopError(
                f"Akeneo returned the next-page link {href} a second time; "
                "stopping instead of looping forever"
            )
        self._followed.add(href)
        return href
