"""What a product lookup is and how an Icecat answer is classified: the pure part of the client.

The outcomes are the ones a customer acts on: found; not in Icecat (ask for data creation); needs Full
Icecat (buy access or skip); retryable (try the next run); fatal (fix the configuration or report a bug);
no identifiers (fix the product in Akeneo).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from icecat_akeneo.icecat.record import ProductRecord


class Outcome(StrEnum):
    """What happened to one product's lookup; str-valued, so the `outcome` column of `enrich/lookups.parquet`
    and the step reports hold these very strings."""

    FOUND = "found"
    NOT_IN_ICECAT = "not_in_icecat"
    FULL_ICECAT_REQUIRED = "full_icecat_required"
    RETRYABLE_ERROR = "retryable_error"
    FATAL_ERROR = "fatal_error"
    NO_IDENTIFIERS = "no_identifiers"
    PENDING_IN_ICECAT = "pending_in_icecat"  # requested earlier, not in the daily index yet: not looked up again
    UNCHANGED = "unchanged"  # unchanged in Akeneo and Icecat since its last accepted build: skipped (unchanged.py)

    @property
    def is_failure(self) -> bool:
        """Icecat had nothing usable for a reason someone must act on (not "not in Icecat yet", not found)."""
        return self in FAILURES


FAILURES = frozenset({Outcome.FULL_ICECAT_REQUIRED, Outcome.FATAL_ERROR, Outcome.RETRYABLE_ERROR,
                      Outcome.NO_IDENTIFIERS})
# The module-level names the Icecat client classifies with (icecat/client.py).
FOUND, NOT_IN_ICECAT, FATAL_ERROR = Outcome.FOUND, Outcome.NOT_IN_ICECAT, Outcome.FATAL_ERROR
RETRYABLE_ERROR, NO_IDENTIFIERS = Outcome.RETRYABLE_ERROR, Outcome.NO_IDENTIFIERS

# Icecat JSON StatusCodes (api notes §2): 8 = not present, 4 = identifier not correct (a malformed GTIN is
# "not found" for us, and the next key may still match); 9 = Full Icecat only, 12 = outside the subscribed
# vertical. The rest (1-3, 5-7, 10) are account or request configuration errors.
_NOT_FOUND_CODES = frozenset({4, 8})
_ACCESS_CODES = frozenset({9, 12})


@dataclass(frozen=True)
class ProductKeys:
    gtin: str | None = None
    brand: str | None = None
    mpn: str | None = None
    icecat_id: str | None = None

    def candidates(self) -> list[tuple[str, dict[str, str]]]:
        """(matched_by, query params) in lookup order GTIN → Brand+MPN → icecat_id; missing keys skipped."""
        gtin, brand, mpn, icecat_id = (
            str(v).strip() if v is not None else "" for v in (self.gtin, self.brand, self.mpn, self.icecat_id)
        )
        found: list[tuple[str, dict[str, str]]] = []
        if gtin:
            found.append(("gtin", {"GTIN": gtin}))
        if brand and mpn:
            found.append(("brand_mpn", {"Brand": brand, "ProductCode": mpn}))
        if icecat_id:
            found.append(("icecat_id", {"icecat_id": icecat_id}))
        return found


@dataclass(frozen=True)
class LookupResult:
    outcome: Outcome
    matched_by: str | None = None
    icecat_id: int | None = None
    records: list[ProductRecord] = field(default_factory=list)
    message: str | None = None
    from_cache: bool = False

    @property
    def languages(self) -> list[str]:
        return [record.lang for record in self.records]

    @property
    def updated(self) -> dt.datetime | None:
        stamps = [record.updated for record in self.records if record.updated is not None]
        return max(stamps) if stamps else None


@dataclass(frozen=True)
class Answer:
    """One Icecat answer, classified: `data` is set only for found."""

    outcome: Outcome
    message: str | None = None
    data: dict[str, Any] | None = None


def classify(status_code: int, body: bytes) -> Answer:
    """Classify a final (not to be retried) Icecat JSON answer."""
    try:
        document = json.loads(body) if body else None
    except ValueError:
        document = None
    if status_code == 200 and isinstance(document, dict) and isinstance(document.get("data"), dict):
        return Answer(Outcome.FOUND, data=document["data"])
    code = document.get("StatusCode") if isinstance(document, dict) else None
    message = document.get("Message") if isinstance(document, dict) else None
    described = f"HTTP {status_code}" + (
        f", Icecat error {code}: {message}"
        if code is not None
        else f": {body[:200].decode('utf-8', 'replace')}"
    )
    if code in _NOT_FOUND_CODES or (code is None and status_code == 404):
        return Answer(Outcome.NOT_IN_ICECAT, described)
    if code in _ACCESS_CODES:
        return Answer(Outcome.FULL_ICECAT_REQUIRED, described)
    if status_code == 429 or status_code >= 500:
        return Answer(Outcome.RETRYABLE_ERROR, described)
    return Answer(Outcome.FATAL_ERROR, described)
