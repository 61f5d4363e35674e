"""The run report: `report.json` for machines, `report.html` and CSV exports for the PIM manager, built from the
reports and artifacts each step saved in the run folder (not from XCom), so a run whose validate or load failed
still gets one.

The lists a person acts on (lines Akeneo refused, products Icecat lacks, Full-Icecat-only products, quarantined
products) are written in full as `exports/<list>.csv` beside it, to send on as content requests or fix lists;
the page shows each list's first rows and total. Every artifact is read a batch at a time (`report_lists`,
`report_outcomes`): the report's memory does not grow with the catalogue.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.artifacts import STEPS, step_report
from icecat_akeneo.completeness import load_saved
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.steps.report_coverage import coverage_matrix
from icecat_akeneo.steps.report_lists import EXPORTS_DIR, top_errors, write_exports
from icecat_akeneo.steps.report_outcomes import (
    DEFAULT_MAX_REFUSED_RATIO,
    RunOutcomes,
    line_statuses,
    product_outcomes,
    run_status,
    status_line,
)
from icecat_akeneo.steps.report_page import render_report, rows_shown

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping

__all__ = ["EXPORTS_DIR", "write_report"]


def _step_report(run_dir: Path, step: str) -> dict[str, Any]:
    path = step_report(run_dir, step)
    if not path.exists():
        return {"status": "not run"}
    return {"status": "done", **json.loads(path.read_text(encoding="utf-8"))}


def _summary(reports: dict[str, dict[str, Any]], errors: list[dict[str, Any]], outcomes: dict[str, int],
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
        "top_errors": errors[:3],
    }


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
    errors = top_errors(run_dir)
    status = run_status(reports, line_statuses(run_dir), float((params or {}).get("max_refused_ratio",
                                                                                  DEFAULT_MAX_REFUSED_RATIO)))
    with RunOutcomes.open(run_dir) as outcomes:
        by_outcome = product_outcomes(outcomes, reports)
        lists = write_exports(outcomes, rows_shown)
    document = {
        **reports,
        "summary": {**_summary(reports, errors, by_outcome, status), "refused_total": lists["refused"].total,
                    **(state or {})},
        "state": state or {},
        "top_errors": errors,
        "client": client,
        "run_id": run_id,
        "run": _run_info(params, data_interval),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "exports": {name: export.path.relative_to(run_dir).as_posix() for name, export in lists.items()},
        "coverage": coverage_matrix(run_dir, coverage_of) if coverage_of else None,
        "completeness": load_saved(run_dir),
        "artifacts": sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file()
                            and "gx" not in p.relative_to(run_dir).parts[:2]),
    }
    (run_dir / "report.json").write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    (run_dir / "report.html").write_text(render_report(document, lists, run_dir), encoding="utf-8")
    return {"report_json": str(run_dir / "report.json"), "report_html": str(run_dir / "report.html"),
            **document["summary"]}
