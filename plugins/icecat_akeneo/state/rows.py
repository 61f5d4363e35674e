"""Rows of the state as the store's callers see them, and the small conversions between them and SQL."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from itertools import islice

from icecat_akeneo.state.models import NO_LOCALE_OR_SCOPE, Product, ProductStatus

PRODUCT = Product.__table__


@dataclass(frozen=True)
class SeenProduct:
    """A product met by a run (extract/enrich): refreshes its Icecat match and `last_seen`."""

    identifier: str
    icecat_id: str | None = None
    icecat_updated: dt.datetime | None = None


@dataclass(frozen=True)
class ProductState:
    identifier: str
    icecat_id: str | None
    icecat_updated: dt.datetime | None
    status: str | None
    reason: str | None
    status_since: dt.datetime | None
    attempts: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    last_synced: dt.datetime | None
    data_creation_request_id: str | None
    data_creation_requested_at: dt.datetime | None


PRODUCT_STATE_COLUMNS = [PRODUCT.c[f.name] for f in fields(ProductState)]


def stored(locale_or_scope: str | None) -> str:
    return NO_LOCALE_OR_SCOPE if locale_or_scope is None else locale_or_scope


def loaded(locale_or_scope: str) -> str | None:
    return None if locale_or_scope == NO_LOCALE_OR_SCOPE else locale_or_scope


def chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def checked_status(status: ProductStatus | str) -> str:
    try:
        return ProductStatus(status).value
    except ValueError:
        allowed = ", ".join(member.value for member in ProductStatus)
        raise ValueError(f"unknown product status {status!r}: use one of {allowed}") from None
