"""The run report: `report.json` for machines, `report.html` and CSV exports for the PIM manager, built from the
reports and artifacts each step saved in the run folder (not from XCom), so a run whose validate or load failed
still gets one.

The lists a person acts on (lines Akeneo refused, products Icecat lacks, Full-Icecat-only products, quarantined
products) are shown in full on the page and written as `exports/<list>.csv` beside it, to send on as content
requests or fix lists.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.artifacts import STEPS, step_report
from icecat_akeneo.completeness import load_saved
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.steps.report_coverage import coverage_matrix
from icecat_akeneo.steps.report_outcomes import (
    DEFAULT_MAX_REFUSED_RATIO,
    KEY_COLUMNS,
    RunArtifacts,
    accepted,
    product_outcomes,
    run_status,
    status_line,
)
from icecat_akeneo.steps.report_page import render_report

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping

EXPORTS_DIR = "exports"
REFUSED_COLUMNS = ("identifier", "attribute", "locale", "scope", "status_code", "message", "kind", "attempt")
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _step_report(run_dir: Path, step: str) -> dict[str, Any]:
    path = step_report(run_dir, step)
    if not path.exists():
        return {"status": "not run"}
    return {"status": "done", **json.loads(path.read_text(encoding="utf-8"))}


def _top_errors(artifacts: RunArtifacts, limit: int = 10) -> list[dict[str, Any]]:
    """Failures a person has to act on, most frequent first, each with an example product."""
    problems: list[tuple[str, str, str]] = []
    for row in artifacts.lookups:
        if row.get("outcome") not in (Outcome.FOUND, Outcome.UNCHANGED, None):
            problems.append(("enrich", f"{row['outcome']}: {row.get('message') or ''}".strip(), row["identifier"]))
    for row in artifacts.quarantine:
        problems.append(("validate", f"{row.get('rule')}: {row.get('message')}", row["identifier"]))
    for row in artifacts.rejected:
        problems.append(("transform", f"{row.get('attribute')}: {row.get('message')}", row["identifier"]))
    for row in artifacts.results:
        if not accepted(row):
            problems.append(("load", f"{row.get('status_code')}: {row.get('message')}", row["identifier"]))
    counts = Counter((step, message) for step, message, _ in problems)
    example = {}
    for step, message, identifier in problems:
        example.setdefault((step, message), identifier)
    return [
        {"step": step, "message": message, "count": count, "example_identifier": example[(step, message)]}
        for (step, message), count in counts.most_common(limit)
    ]


def _summary(reports: dict[str, dict[str, Any]], top_errors: list[dict[str, Any]], outcomes: dict[str, int],
             status: tuple[str, str]) -> dict[str, Any]:
    failed_steps = [step for step in STEPS if reports[step].get("status") != "done"]
    return {
        "status": status[0],
        "status_reason": status[1],
        "status_line": status_line(outcomes, reports),
        "steps_not_done": failed_steps,
        "products_selected": reports["extract"].get("products"),
        "products_by_outcome": outcomes,
        "found_in_icecat": (reports["enrich"].get("outcomes") or {}).get(Outcome.FOUND),
        "quarantined": reports["validate"].get("quarantined"),
        "lines_sent": reports["load"].get("lines"),
        "lines_by_status": reports["load"].get("lines_by_status"),
        "manual_edits_kept": reports["transform"].get("manual_edits_kept"),
        "top_errors": top_errors[:3],
    }


def exports(artifacts: RunArtifacts) -> dict[str, list[dict[str, Any]]]:
    """The lists a PIM manager acts on, as rows with the same columns in the CSV and on the page."""
    keys = {row["identifier"]: {column: row.get(column) for column in KEY_COLUMNS} for row in artifacts.products}

    def lookup_rows(*outcomes: str) -> list[dict[str, Any]]:
        return [{"identifier": row["identifier"], **keys.get(row["identifier"], dict.fromkeys(KEY_COLUMNS)),
                 "outcome": row["outcome"], "icecat_id": row.get("icecat_id"), "message": row.get("message")}
                for row in artifacts.lookups if row.get("outcome") in outcomes]

    return {
        "refused": [{column: row.get(column) for column in REFUSED_COLUMNS} for row in artifacts.refused],
        "not_in_icecat": lookup_rows(Outcome.NOT_IN_ICECAT, Outcome.PENDING_IN_ICECAT),
        "full_icecat_only": lookup_rows(Outcome.FULL_ICECAT_REQUIRED),
        "quarantined": [{"identifier": row["identifier"], "lang": row.get("lang"), "rule": row.get("rule"),
                         "column": row.get("column"), "message": row.get("message")}
                        for row in artifacts.quarantine],
    }


def _csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a message starting with `=` or `@` must not run as a formula."""
    return f"'{value}" if isinstance(value, str) and value.startswith(CSV_FORMULA_START) else value


def write_exports(run_dir: Path, tables: Mapping[str, list[dict[str, Any]]]) -> dict[str, str]:
    """`exports/<name>.csv` for every list (header only when empty); returns name -> path relative to the run."""
    folder = run_dir / EXPORTS_DIR
    folder.mkdir(exist_ok=True)
    written = {}
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            if rows:
                writer.writerow(rows[0])
            writer.writerows([_csv_cell(value) for value in row.values()] for row in rows)
        written[name] = path.relative_to(run_dir).as_posix()
    return written


def _run_info(params: Mapping[str, Any] | None, data_interval: tuple[Any, Any] | None) -> dict[str, Any]:
    mode = None if params is None else ("full refresh" if params.get("full_refresh", True) else "incremental")
    interval = None if data_interval is None else {"start": str(data_interval[0]), "end": str(data_interval[1])}
    return {"mode": mode, "dry_run": bool(params.get("dry_run")) if params is not None else None,
            "data_interval": interval, "params": dict(params or {})}


def write_report(run_dir: Path, *, client: str, run_id: str, state: dict[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None, data_interval: tuple[Any, Any] | None = None,
                 coverage_of: ClientMapping | None = None) -> dict[str, Any]:
    """Write `report.json`, `report.html` and `exports/*.csv`; return the summary (with both report paths).

    `params` (the run's DAG params) and `data_interval` name the run mode and interval on the page;
    `coverage_of` (the client's mapping) adds the language coverage matrix."""
    reports = {step: _step_report(run_dir, step) for step in STEPS}
    artifacts = RunArtifacts.read(run_dir)
    top_errors = _top_errors(artifacts)
    tables = exports(artifacts)
    status = run_status(reports, artifacts.results, float((params or {}).get("max_refused_ratio",
                                                                            DEFAULT_MAX_REFUSED_RATIO)))
    document = {
        **reports,
        "summary": {**_summary(reports, top_errors, product_outcomes(artifacts, reports), status),
                    "refused_total": len(tables["refused"]), **(state or {})},
        "state": state or {},
        "top_errors": top_errors,
        "client": client,
        "run_id": run_id,
        "run": _run_info(params, data_interval),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "exports": write_exports(run_dir, tables),
        "coverage": coverage_matrix(run_dir, coverage_of) if coverage_of else None,
        "completeness": load_saved(run_dir),
        "artifacts": sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file()
                            and "gx" not in p.relative_to(run_dir).parts[:2]),
    }
    (run_dir / "report.json").write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    (run_dir / "report.html").write_text(render_report(document, tables, run_dir), encoding="utf-8")
    return {"report_json": str(run_dir / "report.json"), "report_html": str(run_dir / "report.html"),
            **document["summary"]}
