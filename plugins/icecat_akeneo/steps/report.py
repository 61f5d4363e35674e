"""The run report: `report.json` for machines and `report.html` for the PIM manager, built from the reports
each step saved in the run folder (not from XCom), so a run whose validate or load failed still gets one.
"""
from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import STEPS, artifact_rows


def _step_report(run_dir: Path, step: str) -> dict[str, Any]:
    path = run_dir / step / "report.json"
    if not path.exists():
        return {"status": "not run"}
    return {"status": "done", **json.loads(path.read_text(encoding="utf-8"))}


def _top_errors(run_dir: Path, limit: int = 10) -> list[dict[str, Any]]:
    """Failures a person has to act on, most frequent first, each with an example product."""
    problems: list[tuple[str, str, str]] = []
    for row in artifact_rows(run_dir / "enrich" / "lookups.parquet"):
        if row.get("outcome") not in ("found", None):
            problems.append(("enrich", f"{row['outcome']}: {row.get('message') or ''}".strip(), row["identifier"]))
    for row in artifact_rows(run_dir / "validate" / "quarantine.parquet"):
        problems.append(("validate", f"{row.get('rule')}: {row.get('message')}", row["identifier"]))
    for row in artifact_rows(run_dir / "transform" / "rejected.parquet"):
        problems.append(("transform", f"{row.get('attribute')}: {row.get('message')}", row["identifier"]))
    for row in artifact_rows(run_dir / "load" / "results.parquet"):
        if not 200 <= int(row.get("status_code") or 0) < 300:
            problems.append(("load", f"{row.get('status_code')}: {row.get('message')}", row["identifier"]))
    counts = Counter((step, message) for step, message, _ in problems)
    example = {}
    for step, message, identifier in problems:
        example.setdefault((step, message), identifier)
    return [
        {"step": step, "message": message, "count": count, "example_identifier": example[(step, message)]}
        for (step, message), count in counts.most_common(limit)
    ]


def _summary(reports: dict[str, dict[str, Any]], top_errors: list[dict[str, Any]]) -> dict[str, Any]:
    failed_steps = [step for step in STEPS if reports[step].get("status") != "done"]
    return {
        "status": "success" if not failed_steps else "incomplete",
        "steps_not_done": failed_steps,
        "products_selected": reports["extract"].get("products"),
        "found_in_icecat": (reports["enrich"].get("outcomes") or {}).get("found"),
        "quarantined": reports["validate"].get("quarantined"),
        "lines_sent": reports["load"].get("lines"),
        "lines_by_status": reports["load"].get("lines_by_status"),
        "manual_edits_kept": reports["transform"].get("manual_edits_kept"),
        "top_errors": top_errors[:3],
    }


def write_report(run_dir: Path, *, client: str, run_id: str, state: dict[str, Any] | None = None) -> dict[str, Any]:
    reports = {step: _step_report(run_dir, step) for step in STEPS}
    top_errors = _top_errors(run_dir)
    document = {
        **reports,
        "summary": {**_summary(reports, top_errors), **(state or {})},
        "state": state or {},
        "top_errors": top_errors,
        "client": client,
        "run_id": run_id,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "artifacts": sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file()
                            and "gx" not in p.relative_to(run_dir).parts[:2]),
    }
    (run_dir / "report.json").write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    (run_dir / "report.html").write_text(render_html(document), encoding="utf-8")
    return {"report_json": str(run_dir / "report.json"), "report_html": str(run_dir / "report.html"),
            **document["summary"]}


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    columns = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _readable(value: Any) -> str:
    """Counts read as `204: 7, 422: 2`; other structures stay JSON."""
    if isinstance(value, dict) and all(not isinstance(v, (dict, list)) for v in value.values()):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
    return json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)


def _scalars(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A step's report as metric/value rows (artifacts and the error list have sections of their own)."""
    return [{"metric": k, "value": _readable(v)} for k, v in report.items() if k not in ("artifacts", "top_errors")]


def render_html(document: dict[str, Any]) -> str:
    title = f"Icecat sync report: {document['client']} / {document['run_id']}"
    sections = [f"<h1>{html.escape(title)}</h1>", "<h2>Summary</h2>", _table(_scalars(document["summary"])),
                "<h2>Top errors</h2>", _table(document["top_errors"])]
    coverage = document["transform"].get("values_per_locale") or {}
    if coverage:
        sections += ["<h2>Per-locale coverage</h2>",
                     _table([{"locale": k, "values": v} for k, v in sorted(coverage.items())])]
    for step in STEPS:
        sections += [f"<h2>{step}</h2>", _table(_scalars(document[step]))]
    gx_docs = document["validate"].get("data_docs")
    if gx_docs:
        sections.append(f'<p><a href="{html.escape(str(gx_docs))}">Great Expectations Data Docs</a></p>')
    sections += ["<h2>Artifacts</h2>", "<ul>" + "".join(
        f'<li><a href="{html.escape(a)}">{html.escape(a)}</a></li>' for a in document["artifacts"]) + "</ul>"]
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(sections)}</body></html>")
