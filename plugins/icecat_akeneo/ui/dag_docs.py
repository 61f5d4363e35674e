"""The DAGs' Docs panel for operators: a markdown page (`include/docs/<dag>.md`) with the client's values
filled in (`$client`, `$params`, ...), so the words live in markdown, not in Python strings."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from string import Template
from typing import Any


def params_table(params: Mapping[str, Any]) -> str:
    """Markdown table of a DAG's params (Airflow `Param`s): name, default, what it does."""
    rows = ["| param | default | what it does |", "|---|---|---|"]
    for name, param in params.items():
        rows.append(f"| `{name}` | `{json.dumps(param.value)}` | {param.description or ''} |")
    return "\n".join(rows)


def dag_doc_md(page: Path, params: Mapping[str, Any], **values: str) -> str:
    """The markdown `page` with `$params` (the table) and each of `values` substituted; a placeholder
    without a value fails the DAG file's import, naming it, instead of showing `$name` to operators."""
    text = page.read_text(encoding="utf-8")
    return Template(text).substitute(params=params_table(params), **values)
