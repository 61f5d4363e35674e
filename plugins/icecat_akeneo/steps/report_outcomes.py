"""What happened to each product of a run, read from the artifacts the steps left: the counts behind the run
report's status sentence and its products-by-outcome chart.

Every selected product gets exactly one outcome, its first problem along the pipeline: a product Icecat does
not know is "not in Icecat" even though it was never validated, a quarantined one is never "failed in Akeneo".
"""
from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, QUARANTINE, RESULTS, STEPS
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.steps.batches import SQLITE_VARIABLES, KeyedStore, parquet_pairs, product_batches

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


def row_batches(path: Path, columns: list[str]) -> Iterator[list[dict[str, Any]]]:
    """The rows of a Parquet artifact (`identifier` plus the named `columns` it has), a few hundred at a time in
    file order; none when its step wrote none."""
    for batch in product_batches(path, SQLITE_VARIABLES, columns=columns):
        yield [row for _, rows in batch for row in rows]


def accepted_status(code: int | None) -> bool:
    """A status of a line Akeneo accepted (2xx)."""
    return 200 <= int(code or 0) < 300


def accepted(row: Mapping[str, Any]) -> bool:
    """A load result row Akeneo accepted (2xx)."""
    return accepted_status(row.get("status_code"))


def _results(run_dir: Path, *, accepted_ones: bool) -> Iterator[tuple[str, None]]:
    for identifier, code in parquet_pairs(RESULTS.path(run_dir), "identifier", "status_code"):
        if accepted_status(code) == accepted_ones:
            yield identifier, None


def _keys(run_dir: Path) -> Iterator[tuple[str, str]]:
    for rows in row_batches(PRODUCTS.path(run_dir), list(KEY_COLUMNS)):
        yield from ((row["identifier"], json.dumps([row.get(column) for column in KEY_COLUMNS])) for row in rows)


@dataclass(frozen=True)
class RunOutcomes:
    """What each step said of each product, in a scratch keyed store filled once from the artifacts and asked a
    batch of products at a time: the report holds no catalogue-wide list, dict or set (reading the artifacts
    whole, it took 551 MB at 100k products, twice its 10k peak)."""

    run_dir: Path
    keyed: KeyedStore

    @classmethod
    @contextmanager
    def open(cls, run_dir: Path) -> Iterator[RunOutcomes]:
        with tempfile.TemporaryDirectory() as scratch, KeyedStore(Path(scratch) / "outcomes.sqlite") as keyed:
            keyed.put("lookup", parquet_pairs(LOOKUPS.path(run_dir), "identifier", "outcome"))
            keyed.put("quarantined", parquet_pairs(QUARANTINE.path(run_dir), "identifier"))
            keyed.put("failed", _results(run_dir, accepted_ones=False))
            keyed.put("sent", _results(run_dir, accepted_ones=True))
            keyed.put("keys", _keys(run_dir))
            yield cls(run_dir, keyed)

    def keys_of(self, identifiers: Iterable[str]) -> dict[str, dict[str, Any]]:
        """`{identifier: {gtin, brand, mpn}}` of these selected products, as extract read them."""
        return {identifier: dict(zip(KEY_COLUMNS, json.loads(keys), strict=True))
                for identifier, keys in self.keyed.get_many("keys", identifiers).items()}


def line_statuses(run_dir: Path) -> Counter[int]:
    """How many lines of the last load attempt got which status (0: no answer); empty before load."""
    return Counter(int(code or 0) for code, _ in parquet_pairs(RESULTS.path(run_dir), "status_code"))


def _outcome(identifier: str, outcome: str | None, asked: Mapping[str, Mapping[str, Any]],
             load: Mapping[str, Any]) -> str:
    """A product's first problem along the pipeline (or how it ended well)."""
    if outcome is not None and outcome != Outcome.FOUND:
        return outcome
    if identifier in asked["quarantined"]:
        return "quarantined"
    if outcome is None or load.get("status") != "done":
        return "not_reached"
    if load.get("dry_run"):
        return "not_sent_dry_run"
    if identifier in asked["failed"]:
        return "failed"
    return "synced" if identifier in asked["sent"] else "up_to_date"


def product_outcomes(outcomes: RunOutcomes, reports: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """How many selected products ended how, in `OUTCOME_LABELS` order; outcomes no product had are left out."""
    counts: Counter[str] = Counter()
    for rows in row_batches(PRODUCTS.path(outcomes.run_dir), []):
        identifiers = [row["identifier"] for row in rows]
        asked = {table: outcomes.keyed.get_many(table, identifiers) for table in ("lookup", "quarantined",
                                                                                  "failed", "sent")}
        counts.update(_outcome(identifier, asked["lookup"].get(identifier), asked, reports["load"])
                      for identifier in identifiers)
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


def run_status(reports: Mapping[str, Mapping[str, Any]], statuses: Counter[int],
               max_refused_ratio: float = DEFAULT_MAX_REFUSED_RATIO) -> tuple[str, str]:
    """`("success" | "failed", why in one sentence)`: the run failed when a step did not complete, when lines
    of the last load attempt never reached Akeneo's judgement (no answer, 413, 429, 5xx), or when Akeneo
    refused a larger share of the lines (`statuses`, from `line_statuses`) than `max_refused_ratio`. The DAG and
    the CLI both end on this."""
    from icecat_akeneo.steps.load import not_delivered

    not_done = [step for step in STEPS if reports[step].get("status") != "done" or reports[step].get("failed")]
    if not_done:
        failure = _failure(reports)
        return "failed", (f"Failed: {failure}." if failure else f"Failed: {', '.join(not_done)} did not complete.")
    if reports["load"].get("dry_run"):
        return "success", "Success: dry run, nothing was sent."
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
