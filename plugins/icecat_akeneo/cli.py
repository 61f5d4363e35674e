"""`python -m icecat_akeneo ...`: the connector's actions outside Airflow (inspection, onboarding, dry runs).

Each sub-command imports its module only when called, so `--help` is instant.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def _normalize(args: argparse.Namespace) -> int:
    from icecat_akeneo.icecat.normalize import NormalizeError, normalize_file, record_to_json

    try:
        records = normalize_file(args.file, lang=args.lang)
    except NormalizeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    rendered = [record_to_json(record) for record in records]
    print(json.dumps(rendered[0] if len(rendered) == 1 else rendered, indent=2, ensure_ascii=False))
    return 0


def _sync_run(args: argparse.Namespace, run_name: str, params: dict | None = None):
    """A run folder for a CLI action, with settings taken from the client's Airflow Connections (env)."""
    import datetime as dt
    from pathlib import Path

    from icecat_akeneo import pipeline
    from icecat_akeneo.hooks.akeneo import AkeneoHook
    from icecat_akeneo.hooks.icecat import IcecatHook
    from icecat_akeneo.mapping import load_mapping
    from icecat_akeneo.run_folder import RunFolder

    mapping = load_mapping(Path(args.mappings) / f"{args.client}.yaml")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return pipeline.SyncRun(
        mapping=mapping,
        run=RunFolder.for_run(mapping.client, f"{run_name}__{stamp}"),
        params=pipeline.run_params(mapping, params),
        interval=None,
        resolve_akeneo=AkeneoHook(mapping.connections.akeneo).get_settings,
        resolve_icecat=IcecatHook(mapping.connections.icecat).get_settings,
    )


def _preflight(args: argparse.Namespace) -> int:
    from icecat_akeneo.preflight.readiness import run_preflight

    sync = _sync_run(args, "preflight")
    document = run_preflight(sync.mapping, sync.resolve_akeneo(), sync.resolve_icecat(), sync.run.path,
                             sample_size=args.sample, environment=args.environment)
    print(json.dumps({"ready": document["ready"], **document["summary"],
                      "recommended": document["recommended"],
                      "report": str(sync.run.path / "readiness.html")}, indent=2, default=str))
    return 0 if document["ready"] else 1


def _suggest_mapping(args: argparse.Namespace) -> int:
    from icecat_akeneo.preflight.readiness import suggest_mapping

    sync = _sync_run(args, "suggest-mapping")
    result = suggest_mapping(sync.mapping, sync.resolve_akeneo(), sync.resolve_icecat(), sync.run.path,
                             sample_size=args.sample)
    print(json.dumps(result, indent=2, default=str))
    return 0


def _dry_run(args: argparse.Namespace) -> int:
    from icecat_akeneo import pipeline

    sync = _sync_run(args, "dry-run", {"dry_run": True, "sample_size": args.sample})
    summary = pipeline.run_sync(sync)
    print(json.dumps({**summary, "load": json.loads((sync.run.path / "load" / "report.json").read_text())},
                     indent=2, default=str))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m icecat_akeneo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    normalize = commands.add_parser("normalize", help="print the normalized record(s) of a saved Icecat response")
    normalize.add_argument("file", help="a saved Icecat JSON or XML product response")
    normalize.add_argument("--lang", help="Icecat language code (default: the one the document declares)")
    normalize.set_defaults(handler=_normalize)

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
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
