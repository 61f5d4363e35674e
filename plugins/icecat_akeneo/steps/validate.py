"""Validate step: the client's completeness rules as a Great Expectations suite, run on the enriched records.

Products that fail a rule are quarantined (`validate/quarantine.parquet`, one row per failure with the rule
and the reason) and the transform step leaves them out; the run itself fails only when the quarantined
share is above `failure_ratio`, because then the cause is systemic (a wrong mapping, an Icecat outage), not
a few bad products. The rules are judged on batches of whole products in plain Python (`validate_rules`, with
the expectations' semantics: memory bounded by the batch, exact counts over the catalogue); the suite, built
in code from the mapping's `completeness` rules, runs once at the end on the evidence rows (the failing rows
up to a cap and a sample of passing ones), and its result, the exact counts (`gx/results.json`) and one Data
Docs site stay in the run folder (`validate/gx/`) as evidence. Great Expectations is imported at the end of
`run_validate` only: it takes seconds to import and the DAG files import this module.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import PRODUCTS, QUARANTINE, RECORDS, Step, step_dir
from icecat_akeneo.mapping import ClientMapping, CompletenessRule
from icecat_akeneo.progress import Progress
from icecat_akeneo.steps.batches import KeyedStore, parquet_pairs, product_batches
from icecat_akeneo.steps.validate_rules import RuleCheck, check_rows, record_columns, rule_column

PRODUCTS_PER_BATCH = 2000
"""Products judged at a time: the check rows hold only the checked columns, so a batch is a few MB."""
log = logging.getLogger(__name__)


class ValidationFailed(RuntimeError):
    """Too many products quarantined for the run to continue; `report` holds the step report."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(
            f"validation quarantined {report['quarantined']} of {report['checked']} products "
            f"({report['quarantined_ratio']:.0%}), above failure_ratio {report['failure_ratio']:.0%}; "
            f"see {report['artifacts']['quarantine']} and the Data Docs {report['artifacts']['data_docs']}")
        self.report = report


def _expectation(rule: CompletenessRule) -> Any:
    """The GX expectation for one rule, on the check rows' column the rule looks at (`rule_column`)."""
    import great_expectations as gx

    meta: dict[str, Any] = {"rule": rule.name}
    only: dict[str, Any] = {}
    if rule.languages:
        only = {"row_condition": f"lang.isin({[language.upper() for language in rule.languages]!r})",
                "condition_parser": "pandas"}
    if rule.rule == "title_present":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column="title", meta=meta, **only)
    if rule.rule == "min_images":
        return gx.expectations.ExpectColumnValuesToBeBetween(column="image_count", min_value=rule.value,
                                                             meta=meta)
    if rule.rule == "description_min_length":
        return gx.expectations.ExpectColumnValueLengthsToBeBetween(column="description", min_value=rule.value,
                                                                   meta=meta, **only)
    if rule.rule == "valid_ean13":
        return gx.expectations.ExpectColumnValuesToBeInSet(column="akeneo_gtin_is_ean13", value_set=[True],
                                                           meta=meta)
    return gx.expectations.ExpectColumnValuesToNotBeNull(column=rule_column(rule), meta=meta)


class _Suite:
    """The mapping's suite in one GX file project for the run, run once (`validate`) on the evidence rows.

    The exact per-rule counts over the whole catalogue come from `validate_rules.RuleCheck`; this run keeps
    the evidence a GX user expects (the suite, a validation result, the Data Docs site), with a size bounded
    by the evidence caps, whatever the catalogue size."""

    def __init__(self, mapping: ClientMapping, gx_root: Path) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("TQDM_DISABLE", "1")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        shutil.rmtree(gx_root / "gx", ignore_errors=True)     # a rerun of the task starts from a clean project
        self.context = gx.get_context(mode="file", project_root_dir=str(gx_root))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch = self.context.data_sources.add_pandas("icecat").add_dataframe_asset("records") \
            .add_batch_definition_whole_dataframe("run")
        suite = self.context.suites.add(gx.ExpectationSuite(name=f"{mapping.client}_completeness"))
        for rule in mapping.completeness:
            suite.add_expectation(_expectation(rule))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{mapping.client}_records", data=batch, suite=suite))
        self.checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=f"{mapping.client}_validate", validation_definitions=[definition],
            result_format={"result_format": "SUMMARY"}))

    def validate(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Run the checkpoint on the evidence rows and build the Data Docs; unexpected rows per rule."""
        import pandas as pd

        result = self.checkpoint.run(batch_parameters={"dataframe": pd.DataFrame(rows)})
        self.context.build_data_docs()
        return {outcome.expectation_config.meta["rule"]: int(outcome.result.get("unexpected_count") or 0)
                for validation in result.run_results.values() for outcome in validation.results}


def _results(check: RuleCheck, suite: _Suite, batches: int) -> dict[str, Any]:
    """results.json: exact counts per rule over the catalogue, and what the GX run saw on the evidence."""
    evidence = check.evidence
    found = suite.validate(evidence.rows)
    agrees = found == check.evidence_counts()
    if not agrees:
        log.warning("Great Expectations and the rule check disagree on the evidence rows: %s vs %s",
                    found, check.evidence_counts())
    return {"success": all(rule["success"] for rule in check.statistics.values()), "batches": batches,
            "expectations": check.statistics,
            "evidence": {"rows": len(evidence.rows), "failing_rows": len(evidence.failing),
                         "capped": evidence.capped, "gx_unexpected": found, "gx_agrees": agrees}}


def run_validate(run_dir: str | Path, mapping: ClientMapping, *, failure_ratio: float,
                 products_per_batch: int = PRODUCTS_PER_BATCH, unchanged: int = 0) -> dict[str, Any]:
    """Quarantine the products failing the mapping's completeness rules; raise `ValidationFailed` above
    `failure_ratio` (quarantined / checked, the `unchanged` products skipped since a build that passed count
    as passed). Records are validated `products_per_batch` products at a time."""
    started = time.monotonic()
    run_dir = Path(run_dir)
    out = step_dir(run_dir, Step.VALIDATE)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "gx" / "results.json"
    docs_index = out / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    checked = quarantined = batches = 0
    progress = Progress("validate", unit="products checked")
    by_rule: Counter[str] = Counter()
    check = RuleCheck(mapping.completeness)
    with KeyedStore(out / ".validate-keys.sqlite") as keyed, QUARANTINE.stream(run_dir) as quarantine:
        keyed.put("gtin", parquet_pairs(PRODUCTS.path(run_dir), "identifier", "gtin"))
        for batch in product_batches(RECORDS.path(run_dir), products_per_batch, columns=record_columns(mapping),
                                     list_lengths=True):
            checked += len(batch)
            batches += 1
            if not check.rules:
                progress.advance(len(batch))
                continue
            gtins = keyed.get_many("gtin", (identifier for identifier, _ in batch))
            failures = check.run(check_rows([row for _, rows in batch for row in rows], gtins, mapping))
            quarantine.extend(failures)
            newly_quarantined = len({failure["identifier"] for failure in failures})
            quarantined += newly_quarantined
            progress.advance(len(batch), quarantined=newly_quarantined)
            by_rule.update(rule for _, rule in {(row["identifier"], row["rule"]) for row in failures})
    if check.rules and batches:
        results = _results(check, _Suite(mapping, out), batches)
        results_path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    ratio = quarantined / (checked + unchanged) if checked + unchanged else 0.0
    progress.finish(rules=len(mapping.completeness))
    report = {
        "checked": checked,
        "passed": checked - quarantined,
        "unchanged_skipped": unchanged,
        "quarantined": quarantined,
        "quarantined_ratio": round(ratio, 4),
        "failure_ratio": failure_ratio,
        "by_rule": dict(by_rule.most_common()),
        "rules": [rule.name for rule in mapping.completeness],
        "duration_s": round(time.monotonic() - started, 3),
        "artifacts": {"quarantine": str(quarantine.path),
                      "results": str(results_path) if results_path.exists() else None,
                      "data_docs": str(docs_index) if docs_index.exists() else None},
    }
    if ratio > failure_ratio:
        raise ValidationFailed(report)
    return report
