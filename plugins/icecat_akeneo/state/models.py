"""Tables of the state store: what the connector knows about each client's products between runs.

Every table carries a `client` column (part of the primary key): one PostgreSQL database serves every client
in production without provisioning a database per client, while the SQLite default still gets one file per
client (`<data root>/<client>/state.db`) — the same schema and queries either way.

`locale` and `scope` are part of the value key; SQL primary keys cannot hold NULL, so "no locale / no scope"
is stored as `""` (`NO_LOCALE_OR_SCOPE`) and turned back into `None` by the store.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NO_LOCALE_OR_SCOPE = ""


class ProductStatus(StrEnum):
    SYNCED = "synced"
    PENDING_IN_ICECAT = "pending_in_icecat"
    QUARANTINED = "quarantined"
    FAILED = "failed"


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on both backends (SQLite stores naive text); a naive input is taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class Product(Base):
    """One Akeneo product of one client: its Icecat match and where it stands in the sync.

    `identifier` is the product's stable key (as in `AcceptedValue`): its Akeneo uuid when known (7.0 / SaaS),
    else its identifier (5.0 / 6.0); `akeneo_identifier` is the identifier last seen (None: the product has
    none). So a SKU renamed in Akeneo keeps its state (`state.keys`)."""

    __tablename__ = "state_product"
    __table_args__ = (Index("ix_state_product_status", "client", "status"),
                      Index("ix_state_product_akeneo_identifier", "client", "akeneo_identifier"))

    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    akeneo_identifier: Mapped[str | None] = mapped_column(String(255))
    icecat_id: Mapped[str | None] = mapped_column(String(64))
    icecat_updated: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    status_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_synced: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    data_creation_request_id: Mapped[str | None] = mapped_column(String(255))
    data_creation_requested_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class AcceptedValue(Base):
    """Hash of the data Akeneo last accepted (2xx) for one value of the product keyed `identifier` (its uuid
    when known, see `Product`).

    One hash serves both "what we sent" and "what Akeneo held right after": `diff.value_hash` normalises data
    the way Akeneo stores it ("190" and "190.0000" hash alike), so the two are equal by construction.
    """

    __tablename__ = "state_value"

    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    attribute: Mapped[str] = mapped_column(String(255), primary_key=True)
    locale: Mapped[str] = mapped_column(String(100), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    data_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class MediaFile(Base):
    """A file uploaded to Akeneo, by content hash, so the same bytes are never uploaded twice.

    `url` is where the file was downloaded from: a URL seen before can be matched without downloading it.
    """

    __tablename__ = "state_media"
    __table_args__ = (Index("ix_state_media_url", "client", "url"),)

    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(512))
    url: Mapped[str | None] = mapped_column(Text)
    identifier: Mapped[str | None] = mapped_column(String(255))
    attribute: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(100))
    scope: Mapped[str | None] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class ProductMark(Base):
    """What a product's last fully accepted build depended on, so a rerun can skip it (`unchanged.py`).

    `akeneo_updated` is the product's `updated` exactly as Akeneo returned it when the connector read the
    product back after that build (Akeneo's clock, never ours), `icecat_updated` the Icecat `Updated` of the
    content built from, `fingerprint` what else shapes the values (mapping, taxonomy, value-building version),
    `proven_at` the newest moment Icecat's daily index (or the fetch itself) proved that content current.
    Keyed like `Product` (uuid when known)."""

    __tablename__ = "state_product_mark"

    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    akeneo_updated: Mapped[str] = mapped_column(String(64))
    family: Mapped[str | None] = mapped_column(String(255))
    icecat_id: Mapped[str | None] = mapped_column(String(64))
    icecat_updated: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    fingerprint: Mapped[str] = mapped_column(String(64))
    proven_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    marked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class RunLock(Base):
    """The lease of the run syncing a client now (`run_id` NULL: nobody); see `state.lock`."""

    __tablename__ = "state_run_lock"

    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    run_id: Mapped[str | None] = mapped_column(String(250))
    acquired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


EVENT_CURSOR = Table(
    "state_event_cursor", Base.metadata,
    Column("client", String(100), primary_key=True),
    Column("cursor", UtcDateTime(), nullable=False),
    Column("polled_at", UtcDateTime(), nullable=False),
)
"""Each client's Akeneo poll cursor (event-driven runs, `state.events`)."""
EVENT_QUEUE = Table(
    "state_event_queue", Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(100), nullable=False),
    Column("event_key", String(512), nullable=False),
    Column("identifier", String(255), nullable=False),
    Column("source", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("queued_at", UtcDateTime(), nullable=False),
    Column("emitted_at", UtcDateTime()),
    Column("served_run", String(255)),
    UniqueConstraint("client", "event_key", name="uq_state_event_queue_key"),
    Index("ix_state_event_queue_emitted", "client", "emitted_at"),
)
"""Product events queued by the poller and the webhook, until a run serves them (`state.events`)."""
