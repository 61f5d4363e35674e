"""What the connector remembers between runs, per client: the base of incremental (partial) PATCH.

Without it every run re-pushes every value, re-uploads every image and forgets which products wait for
Icecat. With it a rerun with no change sends nothing, and a run killed mid-load resumes without loss: the
state only moves on Akeneo's 2xx line responses, each product's value hashes in the same transaction as its
status (a killed process leaves the whole batch or none of it).

Storage: SQLAlchemy on a SQLite file by default (`sqlite_url(data_root, client)` →
`<data root>/<client>/state.db`) or PostgreSQL by URL; every row carries its `client`, so one PostgreSQL
database serves every client. Schema changes ship as Alembic migrations in `state/migrations/`.

Use (the transform and load steps):

    store = StateStore(sqlite_url(data_root(), "acme"), "acme")
    store.migrate()                                   # once per run; a no-op when up to date
    store.use_uuids(lambda: {"sku-1": "3f1c...-uuid"})  # key products by uuid (Akeneo 7.0 / SaaS): a
                                                      # renamed SKU keeps its state (`state.keys`)
    store.record_seen([SeenProduct("sku-1", icecat_id="123", icecat_updated=when)])    # extract / enrich
    accepted = store.accepted_hashes(identifiers)    # {identifier: {(attribute, locale, scope): hash}}
    result = diff.partial_values(desired, accepted[identifier], current, identifier=identifier,
                                 manual_edits_win=True, per_attribute_override={"name": False})
    # transform writes a line only when result.has_changes, with result.values_to_send
    store.record_accepted(identifier, line_values)    # load: only for 2xx lines (idempotent);
    store.record_accepted_many({identifier: line_values, ...})   # ... or one collection response at once
    store.mark(identifier, ProductStatus.FAILED, reason="422 name: too long")
    store.mark_many({identifier: reason, ...}, ProductStatus.QUARANTINED)
    store.bump_attempt(identifier)                    # -> attempts so far
    store.pending(max_age=timedelta(days=30))         # products pending in Icecat, oldest first
    store.record_data_creation_request(identifier, request_id)
    store.media_code(sha256) / store.media_codes_for_urls(urls)  # files Akeneo already has
    store.remember_media(sha256, code, identifier=..., attribute=..., locale=..., scope=..., url=...)
    store.products(status=ProductStatus.QUARANTINED)  # -> [ProductState]
"""
from __future__ import annotations

from icecat_akeneo.state.engine import sqlite_url
from icecat_akeneo.state.models import ProductStatus
from icecat_akeneo.state.store import ProductState, SeenProduct, StateStore

__all__ = ["ProductState", "ProductStatus", "SeenProduct", "StateStore", "sqlite_url"]
