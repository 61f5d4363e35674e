"""The mapping's `events:` block (a field of `mapping_schema.ClientMapping`, kept here so that module stays small)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Events(BaseModel):
    """Near-real-time runs (`icecat_sync_new__<client>`): Akeneo is asked every `poll_seconds` for products
    created or updated since the last poll; each asset event carries at most `batch` of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    poll_seconds: int = Field(default=60, ge=5, le=86400)
    batch: int = Field(default=500, ge=1, le=10000)
