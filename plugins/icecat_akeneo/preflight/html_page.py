"""The one small HTML page builder of the preflight pages (readiness report, mapping draft review)."""

from __future__ import annotations

import html
from collections.abc import Sequence

STYLE = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
    ".fail{background:#fdd}.pass{background:#dfd}.low{color:#888}"
)


def table(columns: Sequence[str], rows: Sequence[tuple[str, Sequence[object]]]) -> str:
    """`rows` are (css class, cells); every cell is escaped."""
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        f'<tr class="{css}">' + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>"
        for css, cells in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, *sections: str) -> str:
    """`sections` are HTML fragments (already escaped)."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>"
    )
