"""The completeness rules evaluated in plain Python, row by row, with the semantics of their GX expectations.

Why not Great Expectations on every batch: each checkpoint run keeps its result in the GX project (about
0.5 MB per run) and the Data Docs render every stored result, so a 1M-product validation grew without bound.
Here every rule is judged on every row of every batch and counted exactly (`RuleCheck`); Great Expectations
runs once, at the end, on the evidence this module keeps (`Evidence`: the failing rows up to a cap and a
sample of passing ones), so the suite, a validation result and the Data Docs stay while their size no
longer depends on the catalogue. The semantics follow the expectations `validate._expectation` builds:
`languages:` restricts a per-language rule to those rows (GX `row_condition`); "not null" rules count a
missing value as unexpected, the others (`between`, `lengths between`, `in set`) ignore missing values, as
GX column-map expectations do.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from icecat_akeneo.catalog.gtin import check_gtin
from icecat_akeneo.mapping import PER_LANGUAGE_RULES, ClientMapping, CompletenessRule

EVIDENCE_FAILING_ROWS = 5000
"""Failing rows kept for the final GX run (and its Data Docs): enough to read the failures, bounded."""
EVIDENCE_PASSING_ROWS = 1000


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def title_sources(mapping: ClientMapping) -> list[str]:
    """The title rule follows the field that writes the title (its fallbacks count as a title)."""
    return next((field.sources for field in mapping.fields if field.source == "title"), ["title"])


def record_columns(mapping: ClientMapping) -> list[str]:
    """The record columns the rules read: validate never decodes features or media it does not check."""
    return sorted({"lang", "images", "description_text", "description_html", *title_sources(mapping),
                   *(rule.field for rule in mapping.completeness if rule.field)})


EXPECTATION_TYPES = {"title_present": "expect_column_values_to_not_be_null",
                     "min_images": "expect_column_values_to_be_between",
                     "description_min_length": "expect_column_value_lengths_to_be_between",
                     "valid_ean13": "expect_column_values_to_be_in_set",
                     "field_present": "expect_column_values_to_not_be_null"}
"""The GX expectation type of each rule (`validate._expectation` builds them), named in the quarantine."""


def rule_column(rule: CompletenessRule) -> str:
    """The check row's column a rule looks at (the column of its GX expectation)."""
    return {"title_present": "title", "min_images": "image_count", "description_min_length": "description",
            "valid_ean13": "akeneo_gtin_is_ean13"}.get(rule.rule, f"has_{rule.field}")


def check_rows(records: list[dict[str, Any]], gtins: dict[str, str | None],
               mapping: ClientMapping) -> list[dict[str, Any]]:
    """One row per (product, Icecat language) with the columns the rules look at; list fields of the
    records come as their lengths (`batches.product_batches(list_lengths=True)`)."""
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
    sources = title_sources(mapping)
    rows = []
    for row in records:
        identifier = row["identifier"]
        gtin = gtins.get(identifier)
        check = {
            "identifier": identifier,
            "lang": row.get("lang"),
            "title": next(filter(None, (_text(row.get(source)) for source in sources)), None),
            "image_count": images[identifier],
            "description": _text(row.get("description_text")) or _text(row.get("description_html")) or "",
            "akeneo_gtin": gtin,
            "akeneo_gtin_is_ean13": None if not _text(gtin) else check_gtin(gtin).valid,
        }
        check.update({f"has_{field}": present.get((identifier, field)) for field in fields})
        rows.append(check)
    return rows


def applies(rule: CompletenessRule, row: dict[str, Any]) -> bool:
    """Whether the rule looks at this row at all (`languages:`, GX's row condition)."""
    return not rule.languages or row["lang"] in {language.upper() for language in rule.languages}


def unexpected(rule: CompletenessRule, row: dict[str, Any]) -> bool:
    """Whether the row fails the rule (call only where `applies`)."""
    value = row[rule_column(rule)]
    if rule.rule in ("title_present", "field_present"):
        return value is None
    if value is None:
        return False
    if rule.rule == "min_images":
        return value < (rule.value or 0)
    if rule.rule == "description_min_length":
        return len(value) < (rule.value or 0)
    return value is not True


def message(rule: CompletenessRule, row: dict[str, Any]) -> str:
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


class Evidence:
    """The rows the final GX run sees: every failing row up to a cap, then the first passing rows."""

    def __init__(self, failing_cap: int = EVIDENCE_FAILING_ROWS, passing_cap: int = EVIDENCE_PASSING_ROWS) -> None:
        self.failing: list[dict[str, Any]] = []
        self.passing: list[dict[str, Any]] = []
        self.caps = (failing_cap, passing_cap)
        self.capped = False

    def add(self, row: dict[str, Any], failed: bool) -> None:
        kept, cap = (self.failing, self.caps[0]) if failed else (self.passing, self.caps[1])
        if len(kept) < cap:
            kept.append(row)
        else:
            self.capped = True

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.failing + self.passing


class RuleCheck:
    """The mapping's rules over every batch: quarantine rows, exact per-rule counts, the evidence rows."""

    def __init__(self, rules: Iterable[CompletenessRule], evidence: Evidence | None = None) -> None:
        self.rules = list(rules)
        self.evidence = evidence or Evidence()
        self.statistics = {rule.name: {"expectation": EXPECTATION_TYPES[rule.rule],
                                       "column": rule_column(rule), "success": True, "element_count": 0,
                                       "unexpected_count": 0} for rule in self.rules}

    def run(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Judge one batch's check rows; its quarantine rows (one per product, language if per-language,
        and rule)."""
        failures, seen = [], set()
        for row in rows:
            failed = False
            for rule in self.rules:
                if not applies(rule, row):
                    continue
                counts = self.statistics[rule.name]
                counts["element_count"] += 1
                if not unexpected(rule, row):
                    continue
                failed = True
                counts["unexpected_count"] += 1
                counts["success"] = False
                lang = row["lang"] if rule.rule in PER_LANGUAGE_RULES else None
                if (row["identifier"], lang, rule.name) not in seen:
                    seen.add((row["identifier"], lang, rule.name))
                    failures.append({"identifier": row["identifier"], "lang": lang, "rule": rule.name,
                                     "expectation": EXPECTATION_TYPES[rule.rule], "column": rule_column(rule),
                                     "message": message(rule, row)})
            self.evidence.add(row, failed)
        return failures

    def evidence_counts(self) -> dict[str, int]:
        """Unexpected rows per rule among the evidence rows: what the final GX run must find too."""
        return {rule.name: sum(applies(rule, row) and unexpected(rule, row) for row in self.evidence.rows)
                for rule in self.rules}
