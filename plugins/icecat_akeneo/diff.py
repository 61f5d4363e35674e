"""Which values of a product must be PATCHed: the pure core of incremental (partial) loading.

A rerun with nothing new must send nothing, and a value someone edited in the PIM must survive. Both come
down to comparing three versions of each value, keyed by `(attribute, locale, scope)`:

- `desired`  — what the transform wants Akeneo to hold now (Akeneo `values` shape);
- `accepted` — the hash of what Akeneo last accepted from us (a 2xx line), kept in the state store;
- `current`  — what Akeneo holds now (extract's `values_json`).

Hash normalisation (`value_hash`), so a value Akeneo stored compares equal to the value we sent:
- empty data (`null`, `""`, `[]`) is one "empty" value: Akeneo drops empty values, so a missing key is empty;
- numbers are compared as decimals: a JSON number (not a boolean) and any string in plain decimal notation
  with a fraction (`"190.0000"`) become the shortest decimal string (`190`, `"190"`, `"190.0000"` and `190.0`
  are equal; `"12.5000"` equals `"12.5"`). Strings without a fraction are left alone, so leading zeros
  (`"0012345"`, a GTIN held in a text attribute) stay significant. The one collision accepted: a text value
  changing from `"190"` to `"190.0"` is not seen as a change;
- read-only keys Akeneo adds on GET are ignored: `symbol` inside metric data;
- lists are compared as sets (multiselect option codes and price collections are unordered in Akeneo);
- object keys are sorted.
Dates must be sent in Akeneo's own form (`2018-05-23T00:00:00+00:00`, what the transform produces).

Rules of `partial_values`, per desired key (`wins` = the attribute's `manual_edits_win`, else the param):
1. Akeneo already holds our value (desired == current) → unchanged, not sent.
2. We pushed this key before (it is in `accepted`):
   - Akeneo still holds what we pushed (current == accepted) → our value changed → sent;
   - Akeneo differs from what we pushed (edited or cleared in the PIM) → a manual edit: kept and reported
     when `wins`, overwritten (sent) otherwise.
3. Never pushed: sent when Akeneo's value is empty; when Akeneo holds other data the first push only fills
   EMPTY values if `wins` (theirs is kept and reported as a manual edit), and overwrites it otherwise.
Values absent from `desired` are never touched (the transform sends `data: null` to clear one).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

ValueKey = tuple[str, str | None, str | None]
Values = dict[str, list[dict[str, Any]]]

_DECIMAL_WITH_FRACTION = re.compile(r"^-?\d+\.\d+$")
_READ_ONLY_METRIC_KEYS = frozenset({"symbol"})


def _canonical_decimal(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


def _canonical(data: Any) -> Any:
    if data is None or data == "" or data == []:
        return None
    if isinstance(data, bool):
        return data
    if isinstance(data, (int, float)):
        return _canonical_decimal(Decimal(repr(data)) if isinstance(data, float) else Decimal(data))
    if isinstance(data, str):
        return _canonical_decimal(Decimal(data)) if _DECIMAL_WITH_FRACTION.match(data) else data
    if isinstance(data, Mapping):
        is_metric = "amount" in data and "unit" in data
        return {str(key): _canonical(item) for key, item in data.items()
                if not (is_metric and key in _READ_ONLY_METRIC_KEYS)}
    if isinstance(data, (list, tuple)):
        items = [_canonical(item) for item in data]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    raise TypeError(f"value data of type {type(data).__name__} cannot be hashed: {data!r}")


def value_hash(data: Any) -> str:
    """SHA-256 of the canonical JSON of one value's `data` (see the module docstring for the rules)."""
    canonical = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


EMPTY_HASH = value_hash(None)


def value_entries(values: Mapping[str, list[Mapping[str, Any]]]) -> dict[ValueKey, Any]:
    """Akeneo `values` as `{(attribute, locale, scope): data}` (extra keys such as `_links` dropped)."""
    return {(attribute, entry.get("locale"), entry.get("scope")): entry.get("data")
            for attribute, entries in values.items() for entry in entries}


def value_hashes(values: Mapping[str, list[Mapping[str, Any]]]) -> dict[ValueKey, str]:
    """`{(attribute, locale, scope): value_hash(data)}` for Akeneo `values`: what the state store keeps."""
    return {key: value_hash(data) for key, data in value_entries(values).items()}


@dataclass(frozen=True)
class ManualEdit:
    """A value someone changed in the PIM that we keep (manual edits win) and list in the report."""

    identifier: str
    attribute: str
    locale: str | None
    scope: str | None
    ours: Any
    theirs: Any


@dataclass(frozen=True)
class PartialResult:
    values_to_send: Values
    unchanged: list[ValueKey] = field(default_factory=list)
    manual_edits: list[ManualEdit] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        """False means: write no PATCH line for this product."""
        return bool(self.values_to_send)


class Decision(Enum):
    SEND = "send"
    UNCHANGED = "unchanged"
    KEEP_MANUAL_EDIT = "keep_manual_edit"


def decide(desired: str, accepted: str | None, current: str, *, manual_edits_win: bool) -> Decision:
    """The rules of the module docstring, on the hashes of one value's three versions."""
    if desired == current:
        return Decision.UNCHANGED
    pushed_before = accepted is not None
    edited_in_pim = current != accepted if pushed_before else current != EMPTY_HASH
    return Decision.KEEP_MANUAL_EDIT if edited_in_pim and manual_edits_win else Decision.SEND


def partial_values(desired: Mapping[str, list[Mapping[str, Any]]], accepted: Mapping[ValueKey, str],
                   current: Mapping[str, list[Mapping[str, Any]]], *, identifier: str, manual_edits_win: bool,
                   per_attribute_override: Mapping[str, bool] | None = None) -> PartialResult:
    """Split one product's desired values into what to send, what is unchanged and the manual edits kept.

    `accepted` is `StateStore.accepted_hashes(...)[identifier]`; `current` the product's values from Akeneo
    (extract's `values_json`, `{}` for a product Akeneo does not have); `per_attribute_override` maps an
    attribute to its mapping field's `manual_edits_win`. `identifier` only labels the manual edits.
    """
    overrides = per_attribute_override or {}
    current_data = value_entries(current)
    to_send: Values = {}
    unchanged: list[ValueKey] = []
    manual_edits: list[ManualEdit] = []
    for attribute, entries in desired.items():
        wins = overrides.get(attribute, manual_edits_win)
        for entry in entries:
            key: ValueKey = (attribute, entry.get("locale"), entry.get("scope"))
            theirs = current_data.get(key)
            decision = decide(value_hash(entry.get("data")), accepted.get(key), value_hash(theirs),
                              manual_edits_win=wins)
            if decision is Decision.SEND:
                to_send.setdefault(attribute, []).append(dict(entry))
            elif decision is Decision.KEEP_MANUAL_EDIT:
                manual_edits.append(ManualEdit(identifier, attribute, key[1], key[2], entry.get("data"),
                                               theirs))
            else:
                unchanged.append(key)
    return PartialResult(to_send, unchanged, manual_edits)
