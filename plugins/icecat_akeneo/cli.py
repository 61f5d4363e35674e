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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m icecat_akeneo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    normalize = commands.add_parser("normalize", help="print the normalized record(s) of a saved Icecat response")
    normalize.add_argument("file", help="a saved Icecat JSON or XML product response")
    normalize.add_argument("--lang", help="Icecat language code (default: the one the document declares)")
    normalize.set_defaults(handler=_normalize)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
