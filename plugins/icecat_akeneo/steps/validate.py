"""Validate step: the client's completeness rules as a Great Expectations suite, run on the enriched records.

Products that fail a rule are quarantined (`validate/quarantine.parquet`, one row per failure with the rule
and the reason) and the transform step leaves them out; the run itself fails only when the quarantined
share is above `failure_ratio`, because then the cause is systemic (a wrong mapping, an Icecat outage), not
a few bad products. The suite is built in code from the mapping's `completeness` rules and run on batches of
whole products (memory bounded by the batch, not the catalogue); the batches' results merged into one JSON and
one Data Docs site stay in the run folder (`validate/gx/`) as evidence. Great Expectations is imported inside
`run_validate` only: it takes seconds to import and the DAG files import this module.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.artifacts import PRODUCTS, QUARANTINE, RECORDS, Step, step_dir
from icecat_akeneo.catalog.gtin import check_gtin
from icecat_akeneo.mapping import PER_LANGUAGE_RULES, ClientMapping, CompletenessRule
from icecat_akeneo.progress import Progress
from icecat_akeneo.steps.batches import KeyedStore, parquet_pairs, product_batches

if TYPE_CHECKING:
    import pandas as pd

PRODUCTS_PER_BATCH = 2000
"""Products per Great Expectations run: the frame holds only the checked columns, so a batch is a few MB and
a 1M-product run is 500 checkpoint runs."""


class ValidationFailed(RuntimeError):
    """Too many products quarantined for the run to continue; `report` holds the step report."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(
            f"validation quarantined {report['quarantined']} of {report['checked']} products "
            f"({report['quarantined_ratio']:.0%}), above failure_ratio {report['failure_ratio']:.0%}; "
            f"see {report['artifacts']['quarantine']} and the Data Docs {report['artifacts']['data_docs']}")
        self.report = report


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _title_sources(mapping: ClientMapping) -> list[str]:
    """The title rule follows the field that writes the title (its fallbacks count as a title)."""
    return next((field.sources for field in mapping.fields if field.source == "title"), ["title"])


def _check_frame(records: list[dict[str, Any]], gtins: dict[str, str | None],
                 mapping: ClientMapping) -> pd.DataFrame:
    """One row per (product, Icecat language) with the columns the expectations look at; list fields of the
    records come as their lengths (`_record_columns`)."""
    import pandas as pd

    images: Counter[str] = Counter()
    present: dict[tuple[str, str], str] = {}
    fields = [rule.field for rule in mapping.completeness if rule.rule == "field_present" and rule.field]
    for row in records:
        identifier = row["identifier"]
        images[identifier] = max(images[identifier], row.get("images") or 0)
        for field in fields:
            value = row.get(field)
            if value not in (None, "", []) and (not isinstance(value, str) or value.strip()):
                present.setdefault((identifier, field), str(value))
    title_sources = _title_sources(mapping)
    rows = []
    for row in records:
        identifier = row["identifier"]
        gtin = gtins.get(identifier)
        frame_row = {
            "identifier": identifier,
            "lang": row.get("lang"),
            "title": next(filter(None, (_text(row.get(source)) for source in title_sources)), None),
            "image_count": images[identifier],
            "description": _text(row.get("description_text")) or _text(row.get("description_html")) or "",
            "akeneo_gtin": gtin,
            "akeneo_gtin_is_ean13": None if not _text(gtin) else check_gtin(gtin).valid,
        }
        frame_row.update({f"has_{field}": present.get((identifier, field)) for field in fields})
        rows.append(frame_row)
    return pd.DataFrame(rows)


def _record_columns(mapping: ClientMapping) -> list[str]:
    """The record columns the rules read: validate never decodes features or media it does not check."""
    return sorted({"lang", "images", "description_text", "description_html", *_title_sources(mapping),
                   *(rule.field for rule in mapping.completeness if rule.field)})


def _expectation(rule: CompletenessRule) -> tuple[Any, str]:
    """The GX expectation for one rule, and the frame column it checks."""
    import great_expectations as gx

    meta: dict[str, Any] = {"rule": rule.name}
    only: dict[str, Any] = {}
    if rule.languages:
        only = {"row_condition": f"lang.isin({[language.upper() for language in rule.languages]!r})",
                "condition_parser": "pandas"}
    if rule.rule == "title_present":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column="title", meta=meta, **only), "title"
    if rule.rule == "min_images":
        return gx.expectations.ExpectColumnValuesToBeBetween(column="image_count", min_value=rule.value,
                                                             meta=meta), "image_count"
    if rule.rule == "description_min_length":
        return gx.expectations.ExpectColumnValueLengthsToBeBetween(column="description", min_value=rule.value,
                                                                   meta=meta, **only), "description"
    if rule.rule == "valid_ean13":
        return gx.expectations.ExpectColumnValuesToBeInSet(column="akeneo_gtin_is_ean13", value_set=[True],
                                                           meta=meta), "akeneo_gtin_is_ean13"
    column = f"has_{rule.field}"
    return gx.expectations.ExpectColumnValuesToNotBeNull(column=column, meta=meta), column


def _message(rule: CompletenessRule, row: dict[str, Any]) -> str:
    if rule.rule == "title_present":
        return f"no title in Icecat language {row['lang']}"
    if rule.rule == "min_images":
        return f"{row['image_count']} image(s) in Icecat, at least {rule.value} required"
    if rule.rule == "description_min_length":
        return (f"description in Icecat language {row['lang']} has {len(row['description'])} characters, "
                f"at least {rule.value} required")
    if rule.rule == "valid_ean13":
        return f"GTIN {row['akeneo_gtin']!r} in Akeneo {check_gtin(row['akeneo_gtin']).problem}: correct it in Akeneo"
    return f"record field {rule.field} is empty in Icecat"


class _Suite:
    """The mapping's suite in one GX file project for the run; `run(frame)` validates one batch of products.

    Every batch is a checkpoint run of the same validation definition (its result stored in the project),
    the Data Docs site is built once at the end (`finish`), and `summary` merges the batches' statistics per
    expectation: the evidence of one run, whatever the number of batches."""

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
        self.rules: dict[str, tuple[CompletenessRule, str]] = {}
        for rule in mapping.completeness:
            expectation, column = _expectation(rule)
            suite.add_expectation(expectation)
            self.rules[rule.name] = (rule, column)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{mapping.client}_records", data=batch, suite=suite))
        self.checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=f"{mapping.client}_validate", validation_definitions=[definition],
            result_format={"result_format": "COMPLETE"}))
        self.statistics: dict[str, dict[str, Any]] = {}
        self.batches = 0

    def run(self, frame: pd.DataFrame) -> list[dict[str, Any]]:
        """Validate one batch's frame; returns its quarantine rows (one per product, language and rule)."""
        result = self.checkpoint.run(batch_parameters={"dataframe": frame})
        self.batches += 1
        records = frame.to_dict("records")
        failures, seen = [], set()
        for validation in result.run_results.values():
            for outcome in validation.results:
                rule, column = self.rules[outcome.expectation_config.meta["rule"]]
                self._count(rule, outcome)
                for index in outcome.result.get("unexpected_index_list") or []:
                    row = records[int(index)]
                    lang = row["lang"] if rule.rule in PER_LANGUAGE_RULES else None
                    if (row["identifier"], lang, rule.name) in seen:
                        continue
                    seen.add((row["identifier"], lang, rule.name))
                    failures.append({"identifier": row["identifier"], "lang": lang, "rule": rule.name,
                                     "expectation": outcome.expectation_config.type, "column": column,
                                     "message": _message(rule, row)})
        return failures

    def _count(self, rule: CompletenessRule, outcome: Any) -> None:
        merged = self.statistics.setdefault(rule.name, {
            "expectation": outcome.expectation_config.type, "column": self.rules[rule.name][1],
            "success": True, "element_count": 0, "unexpected_count": 0})
        merged["success"] = merged["success"] and bool(outcome.success)
        merged["element_count"] += int(outcome.result.get("element_count") or 0)
        merged["unexpected_count"] += int(outcome.result.get("unexpected_count") or 0)

    def finish(self) -> dict[str, Any]:
        """Build the Data Docs site (every batch's validation) once; the merged results."""
        self.context.build_data_docs()
        return {"success": all(rule["success"] for rule in self.statistics.values()),
                "batches": self.batches, "expectations": self.statistics}


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
    checked = quarantined = 0
    progress = Progress("validate", unit="products checked")
    by_rule: Counter[str] = Counter()
    suite = _Suite(mapping, out) if mapping.completeness else None
    with KeyedStore(out / ".validate-keys.sqlite") as keyed, QUARANTINE.stream(run_dir) as quarantine:
        keyed.put("gtin", parquet_pairs(PRODUCTS.path(run_dir), "identifier", "gtin"))
        for batch in product_batches(RECORDS.path(run_dir), products_per_batch, columns=_record_columns(mapping),
                                     list_lengths=True):
            checked += len(batch)
            if suite is None:
                progress.advance(len(batch))
                continue
            gtins = keyed.get_many("gtin", (identifier for identifier, _ in batch))
            failures = suite.run(_check_frame([row for _, rows in batch for row in rows], gtins, mapping))
            quarantine.extend(failures)
            newly_quarantined = len({failure["identifier"] for failure in failures})
            quarantined += newly_quarantined
            progress.advance(len(batch), quarantined=newly_quarantined)
            by_rule.update(rule for _, rule in {(row["identifier"], row["rule"]) for row in failures})
    if suite is not None and suite.batches:
        results_path.write_text(json.dumps(suite.finish(), indent=2, default=str), encoding="utf-8")
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
