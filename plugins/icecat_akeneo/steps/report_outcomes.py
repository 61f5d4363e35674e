"""What happened to each product of a run, read from the artifacts the steps left: the counts behind the run
report's status sentence and its products-by-outcome chart.

Every selected product gets exactly one outcome, its first problem along the pipeline: a product Icecat does
not know is "not in Icecat" even though it was never validated, a quarantined one is never "failed in Akeneo".
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, QUARANTINE, REFUSED, REJECTED, RESULTS, STEPS
from icecat_akeneo.icecat.lookup import Outcome

KEY_COLUMNS = ("gtin", "brand", "mpn")
# outcome key -> how the status sentence and the chart say it, in the order they are listed
OUTCOME_LABELS = {
    "synced": "synced", "up_to_date": "already up to date", Outcome.UNCHANGED: "unchanged, skipped",
    "not_sent_dry_run": "not sent (dry run)",
    "quarantined": "quarantined by validation", "failed": "failed in Akeneo", Outcome.NOT_IN_ICECAT: "not in Icecat",
    Outcome.PENDING_IN_ICECAT: "waiting for Icecat", Outcome.FULL_ICECAT_REQUIRED: "only in Full Icecat",
    Outcome.NO_IDENTIFIERS: "without identifiers", Outcome.RETRYABLE_ERROR: "Icecat lookup to retry",
    Outcome.FATAL_ERROR: "Icecat lookup failed", "not_reached": "not reached (a step did not run)",
}
GOOD_OUTCOMES = ("synced", "up_to_date", Outcome.UNCHANGED, "not_sent_dry_run")


@dataclass(frozen=True)
class RunArtifacts:
    """The rows of the step artifacts the report reads; empty for a step that did not run."""

    products: list[dict[str, Any]]
    lookups: list[dict[str, Any]]
    quarantine: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    results: list[dict[str, Any]]
    refused: list[dict[str, Any]]  # every attempt's, `load/refused.parquet`

    @classmethod
    def read(cls, run_dir: Path) -> RunArtifacts:
        import pyarrow.parquet as pq

        products_path = PRODUCTS.path(run_dir)
        products = (pq.read_table(products_path, columns=["identifier", *KEY_COLUMNS]).to_pylist()
                    if products_path.exists() else [])
        return cls(products, LOOKUPS.rows(run_dir),
                   QUARANTINE.rows(run_dir),
                   REJECTED.rows(run_dir),
                   RESULTS.rows(run_dir),
                   REFUSED.rows(run_dir))


def accepted(row: Mapping[str, Any]) -> bool:
    """A load result row Akeneo accepted (2xx)."""
    return 200 <= int(row.get("status_code") or 0) < 300


def product_outcomes(artifacts: RunArtifacts, reports: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """How many selected products ended how, in `OUTCOME_LABELS` order; outcomes no product had are left out."""
    lookups = {row["identifier"]: row.get("outcome") for row in artifacts.lookups}
    quarantined = {row["identifier"] for row in artifacts.quarantine}
    failed = {row["identifier"] for row in artifacts.results if not accepted(row)}
    sent = {row["identifier"] for row in artifacts.results if accepted(row)}
    load = reports["load"]
    counts: Counter[str] = Counter()
    for product in artifacts.products:
        identifier = product["identifier"]
        outcome = lookups.get(identifier)
        if outcome is not None and outcome != Outcome.FOUND:
            counts[outcome] += 1
        elif identifier in quarantined:
            counts["quarantined"] += 1
        elif outcome is None or load.get("status") != "done":
            counts["not_reached"] += 1
        elif load.get("dry_run"):
            counts["not_sent_dry_run"] += 1
        elif identifier in failed:
            counts["failed"] += 1
        else:
            counts["synced" if identifier in sent else "up_to_date"] += 1
    return {key: counts[key] for key in OUTCOME_LABELS if counts[key]}


def _failure(reports: Mapping[str, Mapping[str, Any]]) -> str | None:
    """`<step> failed: <first line of its error>` for the first step that saved a failure."""
    for step in STEPS:
        if reports[step].get("failed"):
            return f"{step} failed: {str(reports[step]['failed']).splitlines()[0]}"
    return None


def status_line(outcomes: Mapping[str, int], reports: Mapping[str, Mapping[str, Any]]) -> str:
    """What happened, in words: `7 of 14 products synced; 2 quarantined by validation; ... — see below.`"""
    if reports["extract"].get("status") != "done":
        return "Nothing was synced: the run stopped before the product selection was read — see below."
    selected = sum(outcomes.values())
    load = reports["load"]
    if load.get("dry_run"):
        lead = (f"Dry run of {selected} products: {load.get('products_changed', 0)} would change in Akeneo, "
                "nothing was sent")
    else:
        lead = f"{outcomes.get('synced', 0)} of {selected} products synced"
    skipped = ("synced", "not_sent_dry_run")
    parts = [lead, *(f"{count} {OUTCOME_LABELS[key]}" for key, count in outcomes.items() if key not in skipped)]
    not_done = [step for step in STEPS if reports[step].get("status") != "done"]
    failure = _failure(reports)
    if failure or not_done:
        parts.append(failure or f"did not run: {', '.join(not_done)}")
    problems = failure or not_done or any(key not in GOOD_OUTCOMES for key in outcomes)
    return "; ".join(parts) + (" — see below." if problems else ".")


DEFAULT_MAX_REFUSED_RATIO = 0.01


def run_status(reports: Mapping[str, Mapping[str, Any]], results: list[dict[str, Any]],
               max_refused_ratio: float = DEFAULT_MAX_REFUSED_RATIO) -> tuple[str, str]:
    """`("success" | "failed", why in one sentence)`: the run failed when a step did not complete, when lines
    of the last load attempt never reached Akeneo's judgement (no answer, 413, 429, 5xx), or when Akeneo
    refused a larger share of the lines than `max_refused_ratio`. The DAG and the CLI both end on this."""
    from icecat_akeneo.steps.load import not_delivered

    not_done = [step for step in STEPS if reports[step].get("status") != "done" or reports[step].get("failed")]
    if not_done:
        failure = _failure(reports)
        return "failed", (f"Failed: {failure}." if failure else f"Failed: {', '.join(not_done)} did not complete.")
    if reports["load"].get("dry_run"):
        return "success", "Success: dry run, nothing was sent."
    statuses = Counter(int(row.get("status_code") or 0) for row in results)
    sent = sum(statuses.values())
    undelivered = {code: n for code, n in sorted(statuses.items()) if not_delivered(code)}
    if undelivered:
        by_status = ", ".join(f"{n} with {code or 'no answer'}" for code, n in undelivered.items())
        return "failed", (f"Failed: {sum(undelivered.values())} of {sent} lines did not reach Akeneo "
                          f"({by_status}).")
    refused = sum(n for code, n in statuses.items() if not 200 <= code < 300)
    if sent and refused / sent > max_refused_ratio:
        return "failed", (f"Failed: Akeneo refused {refused} of {sent} lines ({refused / sent:.1%}), more than "
                          f"max_refused_ratio {max_refused_ratio:g}.")
    tail = f", {refused} refused (within max_refused_ratio {max_refused_ratio:g})" if refused else ""
    return "success", f"Success: {sent - refused} of {sent} lines accepted by Akeneo{tail}."
