"""The run report's lists a person acts on, streamed: the CSV exports written row by row, the top errors counted
row by row, so the report's memory does not grow with the catalogue.

The CSVs are complete (a PIM manager sends them on as content requests or fix lists); the page gets only the
first rows of each list and its total (`report_page.ROWS_SHOWN`), never a 1M-row table.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import LOOKUPS, QUARANTINE, REFUSED, REJECTED, RESULTS
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.steps.report_outcomes import KEY_COLUMNS, RunOutcomes, accepted, row_batches

EXPORTS_DIR = "exports"
REFUSED_COLUMNS = ("identifier", "attribute", "locale", "scope", "status_code", "message", "kind", "attempt")
LOOKUP_COLUMNS = ("identifier", *KEY_COLUMNS, "outcome", "icecat_id", "message")
QUARANTINE_COLUMNS = ("identifier", "lang", "rule", "column", "message")
# export name -> its columns, in the order the report lists them
EXPORT_COLUMNS = {"refused": REFUSED_COLUMNS, "not_in_icecat": LOOKUP_COLUMNS, "full_icecat_only": LOOKUP_COLUMNS,
                  "quarantined": QUARANTINE_COLUMNS}
LOOKUP_LISTS = {Outcome.NOT_IN_ICECAT: "not_in_icecat", Outcome.PENDING_IN_ICECAT: "not_in_icecat",
                Outcome.FULL_ICECAT_REQUIRED: "full_icecat_only"}
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a message starting with `=` or `@` must not run as a formula."""
    return f"'{value}" if isinstance(value, str) and value.startswith(CSV_FORMULA_START) else value


class ExportList:
    """One list, written to its CSV as its rows come (a header even when it stays empty); keeps the first
    `shown` rows for the page and counts them all."""

    def __init__(self, path: Path, columns: tuple[str, ...], shown: int) -> None:
        self.path, self.columns, self.shown = path, columns, shown
        self.rows: list[dict[str, Any]] = []
        self.total = 0
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(columns)

    def add(self, row: Mapping[str, Any]) -> None:
        values = {column: row.get(column) for column in self.columns}
        self._writer.writerow([_csv_cell(value) for value in values.values()])
        if len(self.rows) < self.shown:
            self.rows.append(values)
        self.total += 1

    def close(self) -> None:
        self._file.close()


def _fill(lists: Mapping[str, ExportList], outcomes: RunOutcomes) -> None:
    run_dir = outcomes.run_dir
    for rows in row_batches(REFUSED.path(run_dir), list(REFUSED_COLUMNS)):
        for row in rows:
            lists["refused"].add(row)
    for rows in row_batches(LOOKUPS.path(run_dir), ["outcome", "icecat_id", "message"]):
        listed = [row for row in rows if row.get("outcome") in LOOKUP_LISTS]
        keys = outcomes.keys_of(row["identifier"] for row in listed)
        for row in listed:
            lists[LOOKUP_LISTS[row["outcome"]]].add({**keys.get(row["identifier"], {}), **row})
    for rows in row_batches(QUARANTINE.path(run_dir), list(QUARANTINE_COLUMNS)):
        for row in rows:
            lists["quarantined"].add(row)


def write_exports(outcomes: RunOutcomes, shown: Callable[[str], int]) -> dict[str, ExportList]:
    """`exports/<name>.csv` for every list of `EXPORT_COLUMNS`, each with the first `shown(name)` rows kept."""
    folder = outcomes.run_dir / EXPORTS_DIR
    folder.mkdir(exist_ok=True)
    lists = {name: ExportList(folder / f"{name}.csv", columns, shown(name)) for name, columns in EXPORT_COLUMNS.items()}
    try:
        _fill(lists, outcomes)
    finally:
        for export in lists.values():
            export.close()
    return lists


def _problems(run_dir: Path) -> Iterator[tuple[str, str, str]]:
    """(step, message, identifier) of every failure a person has to act on, artifact by artifact."""
    for rows in row_batches(LOOKUPS.path(run_dir), ["outcome", "message"]):
        yield from (("enrich", f"{row['outcome']}: {row.get('message') or ''}".strip(), row["identifier"])
                    for row in rows if row.get("outcome") not in (Outcome.FOUND, Outcome.UNCHANGED, None))
    for rows in row_batches(QUARANTINE.path(run_dir), ["rule", "message"]):
        yield from (("validate", f"{row.get('rule')}: {row.get('message')}", row["identifier"]) for row in rows)
    for rows in row_batches(REJECTED.path(run_dir), ["attribute", "message"]):
        yield from (("transform", f"{row.get('attribute')}: {row.get('message')}", row["identifier"])
                    for row in rows)
    for rows in row_batches(RESULTS.path(run_dir), ["status_code", "message"]):
        yield from (("load", f"{row.get('status_code')}: {row.get('message')}", row["identifier"])
                    for row in rows if not accepted(row))


def top_errors(run_dir: Path, limit: int = 10) -> list[dict[str, Any]]:
    """Failures a person has to act on, most frequent first, each with an example product (the first one):
    counted per distinct message while the artifacts stream by."""
    counted: dict[tuple[str, str], list[Any]] = {}
    for step, message, identifier in _problems(run_dir):
        entry = counted.setdefault((step, message), [0, identifier])
        entry[0] += 1
    ranked = sorted(counted.items(), key=lambda item: -item[1][0])  # stable: ties in first-seen order
    return [{"step": step, "message": message, "count": count, "example_identifier": example}
            for (step, message), (count, example) in ranked[:limit]]
