"""report.html: what the run report document says, arranged for a person (status sentence first, charts, the
lists to act on, then each step's numbers), rendered by the `report.html` template.

Links point only at what a browser opens (the JSON, the CSV exports, Great Expectations' Data Docs page);
Parquet artifacts are listed as plain paths.
"""
from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.artifacts import STEPS
from icecat_akeneo.completeness import delta_rows
from icecat_akeneo.steps.report_outcomes import GOOD_OUTCOMES, OUTCOME_LABELS
from icecat_akeneo.templates import render
from icecat_akeneo.templates.charts import BarChart, bar_chart

if TYPE_CHECKING:
    from icecat_akeneo.steps.report_lists import ExportList

TABLE_ROWS_SHOWN = 1000  # a list's first rows on the page (beyond, it gets slow to open); its CSV has every row
ROWS_SHOWN = {"refused": 50}  # lists whose page shows fewer rows: the first ones, with the total and the CSV
BROWSABLE_SUFFIXES = (".json", ".csv", ".html", ".txt")
# export name -> (section title, what the reader does with it)
LISTS = {
    "refused": ("Lines Akeneo refused or never got (every load attempt)",
                "Fix the value or the mapping (4xx), or rerun load once Akeneo answers (no answer, 413, 5xx)."),
    "not_in_icecat": ("Products not in Icecat", "Icecat has no sheet for these (yet): send the list as a "
                      "content request."),
    "full_icecat_only": ("Products only in Full Icecat", "Open Icecat has no sheet for these: a Full Icecat "
                         "subscription would."),
    "quarantined": ("Products quarantined by validation", "Not sent: they fail the mapping's completeness rules."),
}
HIDDEN_METRICS = ("artifacts", "top_errors")


def _status_label(code: str) -> str:
    try:
        return f"{code} {HTTPStatus(int(code)).phrase}"
    except ValueError:
        return f"{code} (no answer)" if code == "0" else code


def _charts(document: Mapping[str, Any]) -> list[BarChart]:
    outcomes = document["summary"].get("products_by_outcome") or {}
    tones = {OUTCOME_LABELS[key]: "good" if key in GOOD_OUTCOMES else "bad" for key in outcomes}
    lines = document["load"].get("lines_by_status") or {}
    durations = {step: document[step]["duration_s"] for step in STEPS if document[step].get("duration_s") is not None}
    return [
        bar_chart("Products by outcome", {OUTCOME_LABELS[key]: count for key, count in outcomes.items()},
                  tones=tones),
        bar_chart("PATCH lines by status", {_status_label(code): count for code, count in lines.items()},
                  tones={_status_label(code): "good" if code.startswith("2") else "bad" for code in lines}),
        bar_chart("Step durations", durations, unit=" s"),
    ]


def _tone(document: Mapping[str, Any]) -> str:
    summary = document["summary"]
    if summary.get("status") == "failed" or any(document[step].get("failed") for step in STEPS):
        return "bad"
    return "good" if all(key in GOOD_OUTCOMES for key in summary.get("products_by_outcome") or {}) else "warn"


def _steps(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for step in STEPS:
        report = document[step]
        status = "failed" if report.get("failed") else report["status"]
        metrics = {key: value for key, value in report.items() if key not in (*HIDDEN_METRICS, "status")}
        rows.append({"name": step, "status": status, "duration_s": report.get("duration_s"), "metrics": metrics})
    return rows


def rows_shown(name: str) -> int:
    """How many of the first rows of list `name` the page shows."""
    return ROWS_SHOWN.get(name, TABLE_ROWS_SHOWN)


def _lists(document: Mapping[str, Any], lists: Mapping[str, ExportList]) -> list[dict[str, Any]]:
    return [
        {"title": title, "advice": advice, "rows": lists[name].rows, "total": lists[name].total,
         "csv": document["exports"][name]}
        for name, (title, advice) in LISTS.items()
    ]


def _run_rows(document: Mapping[str, Any]) -> dict[str, Any]:
    run = document.get("run") or {}
    rows = {"client": document["client"], "run id": document["run_id"], "generated": document["generated_at"],
            "mode": run.get("mode"), "data interval": run.get("data_interval"), "params": run.get("params")}
    return {label: value for label, value in rows.items() if value not in (None, {}, "")}


def _relative_link(run_dir: Path, path: str | None) -> str | None:
    """`path` as a link relative to the report, when it is a file of this run folder."""
    if not path:
        return None
    try:
        relative = Path(path).resolve().relative_to(run_dir.resolve())
    except ValueError:
        return None
    return relative.as_posix() if (run_dir / relative).is_file() else None


def _data_docs_links(validate: Mapping[str, Any], run_dir: Path) -> list[dict[str, str]]:
    """One Data Docs link per shard that wrote a site (each shard validates in its own task and folder: the
    merged report's run-level path names no site), or the run's own site when it is one shard."""
    label = "Great Expectations Data Docs (validation results)"
    shards = validate.get("shards") or {".": validate}
    links = []
    for shard, report in shards.items():
        href = _relative_link(run_dir, (report.get("artifacts") or {}).get("data_docs"))
        if href:
            links.append({"label": label if shard == "." else f"{label}, shard {shard}", "href": href})
    return links


def _links(document: Mapping[str, Any], run_dir: Path) -> list[dict[str, str]]:
    links = [{"label": "report.json (everything on this page, for machines)", "href": "report.json"}]
    links += _data_docs_links(document["validate"], run_dir)
    links += [{"label": f"{LISTS[name][0]} (CSV)", "href": path} for name, path in document["exports"].items()]
    return links


def render_report(document: Mapping[str, Any], lists: Mapping[str, ExportList], run_dir: Path) -> str:
    """The page for `document` (report.json's content); `lists` are the exports (their first rows and totals)."""
    return render(
        "report.html",
        title=f"Icecat sync report: {document['client']}",
        status_line=f'{document["summary"]["status_reason"]} {document["summary"]["status_line"]}',
        tone=_tone(document),
        run=_run_rows(document),
        charts=_charts(document),
        top_errors=document["top_errors"],
        lists=_lists(document, lists),
        coverage=document.get("coverage") or {"attributes": [], "locales": []},
        completeness=delta_rows(**(document.get("completeness") or {})),
        state=document.get("state") or {},
        steps=_steps(document),
        links=_links(document, run_dir),
        artifacts=[{"path": path, "href": path if path.endswith(BROWSABLE_SUFFIXES) else None}
                   for path in document["artifacts"]],
    )
