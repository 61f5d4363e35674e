"""The preflight run: collect, check and exercise everything the readiness report answers, for one client.

`run_preflight` (the checklist, option 3's taxonomy creation included) and `suggest_mapping` (option 2) are
the entry points the preflight DAG, `tasks.py` and the CLI call; `readiness` turns the results into the report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.catalog import taxonomy as t
from icecat_akeneo.catalog.snapshots import (
    diff_taxonomy,
    drift_errors,
    latest_snapshot,
    save_snapshot,
)
from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.icecat.client import IcecatClient, IcecatSettings
from icecat_akeneo.icecat.lookup import Outcome, ProductKeys
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.preflight.api_session import ProbeTargets
from icecat_akeneo.preflight.api_tests import run_api_tests
from icecat_akeneo.preflight.filters import dry_run_selection
from icecat_akeneo.preflight.first_sync import predicted_refusals
from icecat_akeneo.preflight.icecat_taxonomy import (
    OPTION_CALLS_PER_SECOND,
    Pacer,
    apply_plan,
    plan_icecat_taxonomy,
)
from icecat_akeneo.preflight.mapping_check import (
    ICECAT_TAXONOMY_OPTION,
    check_mapping,
    errors,
    unmapped_features,
)
from icecat_akeneo.preflight.readiness import readiness_report
from icecat_akeneo.preflight.samples import profile_features
from icecat_akeneo.preflight.suggest import DEFAULT_THRESHOLD, propose, write_draft
from icecat_akeneo.preflight.variants import variant_families
from icecat_akeneo.run_folder import data_root

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping


DEFAULT_SAMPLE_SIZE = 10


def probe_targets(mapping: ClientMapping, taxonomy: Taxonomy) -> ProbeTargets:
    """The dedicated test product and which mapped attributes the API tests write."""
    mapped = [taxonomy.attribute(field.attribute) for field in mapping.fields]
    mapped = [attribute for attribute in mapped if attribute]

    def first(*types: str) -> str | None:
        ranked = sorted(
            (attribute for attribute in mapped if attribute["type"] in types),
            key=lambda attribute: (
                types.index(attribute["type"]),
                not attribute.get("localizable"),
                not attribute.get("scopable"),
            ),
        )
        return ranked[0]["code"] if ranked else None

    families = mapping.selection.families or []
    return ProbeTargets(
        family=families[0] if families else None,
        channel=mapping.channel,
        locales=tuple(mapping.locales),
        text_attribute=first(t.TEXTAREA, t.TEXT),
        image_attribute=first(t.IMAGE, t.FILE),
    )


async def sample_records(
    icecat_settings: IcecatSettings, keys: list[tuple[str, ProductKeys]], languages: list[str]
) -> tuple[list[ProductRecord], dict[str, Any]]:
    records: list[ProductRecord] = []
    outcomes: dict[str, int] = {}
    async with IcecatClient(icecat_settings) as icecat:
        async for _, result in icecat.enrich_many(keys, languages):
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            if result.outcome == Outcome.FOUND:
                records.extend(result.records)
    return records, {"products": len(keys), "records": len(records), "outcomes": outcomes}


async def _preflight(
    mapping: ClientMapping,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    client_root: Path,
    sample_size: int,
    option_calls_per_second: float,
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "client": mapping.client,
        "mapping_option": mapping.mapping_option,
        "akeneo_url": akeneo_settings.base_url,
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    async with AkeneoClient(akeneo_settings) as akeneo:
        raw = await akeneo.get_taxonomy()
        previous = latest_snapshot(client_root)
        snapshot = save_snapshot(raw, client_root)
        results["taxonomy"] = {
            "snapshot": str(snapshot),
            **{
                kind: len(raw.get(kind, []))
                for kind in ("attributes", "families", "channels", "locales", "measurement_families")
            },
            "diff": diff_taxonomy(previous, raw) if previous else None,
            "drift_errors": drift_errors(mapping, previous, raw) if previous else [],
        }
        results["filters"], keys = await dry_run_selection(akeneo, mapping, sample_size)
        families = mapping.selection.families or [family["code"] for family in raw.get("families", [])]
        results["variants"] = await variant_families(akeneo, families, [field.attribute for field in mapping.fields])
        records, results["icecat_sample"] = await sample_records(
            icecat_settings, keys, list(mapping.languages)
        )
        features = profile_features(records)
        if mapping.mapping_option == ICECAT_TAXONOMY_OPTION:
            # option 3 first creates what the mapping will write into, so the check below sees it
            plan = plan_icecat_taxonomy(records, mapping.languages, raw, mapping.selection.families or [])
            applied = await apply_plan(akeneo, plan, Pacer(option_calls_per_second))
            results["option"] = {"icecat_taxonomy": applied, "implied_fields": applied.pop("fields")}
            raw = await akeneo.get_taxonomy()
        taxonomy = Taxonomy(raw)
        findings = check_mapping(mapping, taxonomy, features) + predicted_refusals(mapping, taxonomy, records)
        results["mapping_check"] = {
            "errors": [str(finding) for finding in errors(findings)],
            "warnings": [str(finding) for finding in findings if finding.severity != "error"],
            "findings": [finding.to_dict() for finding in findings],
            "unmapped_features": unmapped_features(mapping, features),
        }
    api = await run_api_tests(akeneo_settings, probe_targets(mapping, taxonomy), taxonomy)
    results["api_tests"] = [check.to_dict() for check in api]
    return results


def run_preflight(
    mapping: ClientMapping,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    out_dir: str | Path,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    root: Path | None = None,
    option_calls_per_second: float = OPTION_CALLS_PER_SECOND,
    environment: str = "DEV",
) -> dict[str, Any]:
    """The whole preflight for one client; writes `readiness.json` / `readiness.html` into `out_dir`.

    Taxonomy snapshots go to `<data root>/<client>/taxonomy/`. Under option 3 (`icecat_taxonomy`) it also
    creates the missing `icecat_*` attributes and options, pacing option writes. `environment` (DEV / PROD)
    labels the checklist's URL line. Returns the readiness JSON.
    """
    client_root = (root or data_root()) / mapping.client
    results = asyncio.run(
        _preflight(
            mapping, akeneo_settings, icecat_settings, client_root, sample_size, option_calls_per_second
        )
    )
    document, html_page = readiness_report({**results, "environment": environment})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "preflight-results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (out / "readiness.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (out / "readiness.html").write_text(html_page, encoding="utf-8")
    return document


async def _suggest(
    mapping: ClientMapping,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    out_dir: Path,
    sample_size: int,
    threshold: float,
) -> dict[str, Any]:
    async with AkeneoClient(akeneo_settings) as akeneo:
        raw = await akeneo.get_taxonomy()
        _, keys = await dry_run_selection(akeneo, mapping, sample_size)
    records, sample = await sample_records(icecat_settings, keys, list(mapping.languages))
    taken = [field.attribute for field in mapping.fields if not field.source.startswith("feature:")]
    proposals = propose(records, raw, mapping.languages, mapping.selection.families, taken)
    return {
        "sample": sample,
        **write_draft(proposals, mapping.client, mapping.languages, mapping.channel, out_dir, threshold),
    }


def suggest_mapping(
    mapping: ClientMapping,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    out_dir: str | Path,
    sample_size: int = 20,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """Option 2: sample the client's selected products in Icecat and write `<client>.draft.yaml/.html/.json`.

    `mapping` supplies the selection, languages, channel and the non-feature fields already decided.
    """
    return asyncio.run(
        _suggest(mapping, akeneo_settings, icecat_settings, Path(out_dir), sample_size, threshold)
    )
