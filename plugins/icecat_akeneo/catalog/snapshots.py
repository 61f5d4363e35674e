"""Versioned taxonomy snapshots, and the drift between two of them.

A client's PIM changes under the connector: an attribute is renamed, retyped or deleted and every following
PATCH fails with the same 422. Each preflight saves the taxonomy as `<data root>/<client>/taxonomy/
<timestamp>.json`; comparing the newest two shows what changed, and every sync run compares the live taxonomy
with the last snapshot so it can stop at once with a message naming the mapped attribute that moved.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.catalog.taxonomy import Taxonomy, short_type

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping

SNAPSHOT_FOLDER = "taxonomy"
TRACKED_PROPERTIES = (
    "type",
    "localizable",
    "scopable",
    "metric_family",
    "default_metric_unit",
    "decimals_allowed",
    "available_locales",
)


def save_snapshot(taxonomy: dict[str, Any], client_root: Path, now: dt.datetime | None = None) -> Path:
    folder = client_root / SNAPSHOT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}.json"
    path.write_text(json.dumps(taxonomy, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return path


def snapshots(client_root: Path) -> list[Path]:
    """Snapshots oldest first (timestamps sort as text)."""
    return sorted((client_root / SNAPSHOT_FOLDER).glob("*.json"))


def load_snapshot(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def latest_snapshot(client_root: Path) -> dict[str, Any] | None:
    found = snapshots(client_root)
    return load_snapshot(found[-1]) if found else None


def diff_taxonomy(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """New, removed and changed attributes (with before/after per changed property) and option changes."""
    before, after = Taxonomy(old).attributes, Taxonomy(new).attributes
    changed = {}
    for code in sorted(before.keys() & after.keys()):
        changes = {
            key: {"before": before[code].get(key), "after": after[code].get(key)}
            for key in TRACKED_PROPERTIES
            if before[code].get(key) != after[code].get(key)
        }
        if changes:
            changed[code] = changes
    options_before, options_after = old.get("attribute_options", {}), new.get("attribute_options", {})
    removed_options = {}
    for code in sorted(options_before.keys() & options_after.keys()):
        gone = {option["code"] for option in options_before[code]} - {
            option["code"] for option in options_after[code]
        }
        if gone:
            removed_options[code] = sorted(gone)
    return {
        "new": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": changed,
        "removed_options": removed_options,
    }


def drift_errors(mapping: ClientMapping, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Messages for mapped attributes that disappeared or changed type/localizable/scopable since `old`.

    Meant for the start of a sync run: a non-empty list means stop before any PATCH.
    """
    diff = diff_taxonomy(old, new)
    messages = []
    mapped = [(f"fields[{index}]", field.attribute) for index, field in enumerate(mapping.fields)]
    mapped += [(f"identifiers.{key}", code) for key, code in mapping.identifiers.model_dump().items() if code]
    for where, code in mapped:
        if code in diff["removed"]:
            messages.append(
                f"client {mapping.client}: {where}: attribute {code!r} was deleted in Akeneo since the "
                "last taxonomy snapshot; remap the field or recreate the attribute"
            )
            continue
        for key in ("type", "localizable", "scopable", "metric_family"):
            change = diff["changed"].get(code, {}).get(key)
            if change:
                before, after = change["before"], change["after"]
                if key == "type":
                    before, after = short_type(str(before)), short_type(str(after))
                messages.append(
                    f"client {mapping.client}: {where}: attribute {code!r} changed {key} from "
                    f"{before} to {after} in Akeneo since the last taxonomy snapshot; review the "
                    "mapping and rerun the preflight"
                )
    return messages
