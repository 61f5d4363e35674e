"""`python -m icecat_akeneo ...`: the connector's actions outside Airflow (inspection, onboarding, dry runs).

Each sub-command imports its module only when called, so `--help` is instant; its result is printed as JSON
on stdout, and everything libraries log goes to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from typing import Any

Outcome = tuple[int, Any]  # exit code, JSON payload for stdout (None: nothing)


def _normalize(args: argparse.Namespace) -> Outcome:
    from icecat_akeneo.icecat.normalize import NormalizeError, normalize_file
    from icecat_akeneo.icecat.record_json import record_to_row_json

    try:
        records = normalize_file(args.file, lang=args.lang)
    except NormalizeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1, None
    rendered = [record_to_row_json(record) for record in records]
    return 0, rendered[0] if len(rendered) == 1 else rendered


def _sync_run(args: argparse.Namespace, run_name: str, params: dict | None = None, run_id: str | None = None):
    """A run folder for a CLI action, with settings taken from the client's Airflow Connections (env)."""
    import datetime as dt
    from pathlib import Path

    from icecat_akeneo.mapping import load_mapping
    from icecat_akeneo.tasks import connected_run

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return connected_run(load_mapping(Path(args.mappings) / f"{args.client}.yaml"),
                         run_id or f"{run_name}__{stamp}", params)


def _sync(args: argparse.Namespace) -> Outcome:
    """The DAG's five steps and report in this process; exit 0 only when the run succeeded (the report's
    status rule, `report_outcomes.run_status`), so cron and scripts can trust the exit code."""
    import datetime as dt

    from icecat_akeneo import pipeline

    params = {} if args.full_refresh is None else {"full_refresh": args.full_refresh}
    sync = _sync_run(args, "cli", params, args.run_id)
    if not sync.params.get("full_refresh", True):  # the last day, as a daily scheduled run would take it
        end = dt.datetime.now(dt.UTC)
        sync.interval = (end - dt.timedelta(days=1), end)
    summary = pipeline.run_sync(sync, stop_on_failure=True)
    print(f"{summary['status']}: {summary['status_reason']} {summary['status_line']}\n"
          f"report: {summary['report_html']}", file=sys.stderr)
    return (0 if summary["status"] == "success" else 1), summary


def _preflight(args: argparse.Namespace) -> Outcome:
    from icecat_akeneo.preflight.runner import run_preflight

    sync = _sync_run(args, "preflight")
    document = run_preflight(sync.mapping, sync.resolve_akeneo(), sync.resolve_icecat(), sync.run.path,
                             sample_size=args.sample, environment=args.environment)
    return (0 if document["ready"] else 1), {"ready": document["ready"], **document["summary"],
                                             "recommended": document["recommended"],
                                             "report": str(sync.run.path / "readiness.html")}


def _suggest_mapping(args: argparse.Namespace) -> Outcome:
    from icecat_akeneo.preflight.runner import suggest_mapping

    sync = _sync_run(args, "suggest-mapping")
    result = suggest_mapping(sync.mapping, sync.resolve_akeneo(), sync.resolve_icecat(), sync.run.path,
                             sample_size=args.sample)
    return 0, result


def _dry_run(args: argparse.Namespace) -> Outcome:
    from icecat_akeneo import pipeline
    from icecat_akeneo.artifacts import Step

    # a preview shows what validation would quarantine instead of stopping at the failure ratio
    sync = _sync_run(args, "dry-run", {"dry_run": True, "sample_size": args.sample, "failure_ratio": 1.0})
    summary = pipeline.run_sync(sync)
    return 0, {**summary, "load": sync.run.step_report(Step.LOAD)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m icecat_akeneo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    normalize = commands.add_parser("normalize", help="print the normalized record(s) of a saved Icecat response")
    normalize.add_argument("file", help="a saved Icecat JSON or XML product response")
    normalize.add_argument("--lang", help="Icecat language code (default: the one the document declares)")
    normalize.set_defaults(handler=_normalize)

    sync = commands.add_parser("sync", help="one sync run, the DAG's steps and report (exit 1 unless it succeeded)")
    sync.add_argument("--client", required=True, help="mapping file name without .yaml")
    sync.add_argument("--mappings", default="include/mappings", help="folder of mapping files")
    sync.add_argument("--run-id", help="run id (default cli__<UTC time>); reusing one resumes that run")
    sync.add_argument("--full-refresh", dest="full_refresh", action="store_true", default=None,
                      help="take the whole selection (the mapping's default when neither flag is given)")
    sync.add_argument("--incremental", dest="full_refresh", action="store_false",
                      help="take the products updated in the last day, plus what changed in Icecat")
    sync.set_defaults(handler=_sync)

    for name, handler, help_text in (
        ("preflight", _preflight, "pre-production checks and readiness report (exit 1 when not ready)"),
        ("suggest-mapping", _suggest_mapping, "draft a mapping (option 2): <client>.draft.yaml + review page"),
        ("dry-run", _dry_run, "what a sync would change in Akeneo (before -> after), writing nothing"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--client", required=True, help="mapping file name without .yaml")
        command.add_argument("--mappings", default="include/mappings", help="folder of mapping files")
        command.add_argument("--sample", type=int, default=10 if name != "dry-run" else 0,
                             help="products sampled (dry-run: 0 = the whole selection)")
        if name == "preflight":
            command.add_argument("--environment", default="DEV", choices=["DEV", "PROD"])
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Library logs (Airflow, Alembic, GX) go to stderr: stdout carries only the command's JSON."""
    from icecat_akeneo.log_levels import configure_cli_logging

    args = build_parser().parse_args(argv)
    configure_cli_logging()
    with contextlib.redirect_stdout(sys.stderr):
        code, payload = args.handler(args)
    if payload is not None:
        print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    return code
