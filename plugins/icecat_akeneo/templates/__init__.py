"""The connector's one HTML template set: the run report, the readiness report and the mapping-draft review page.

Every page is a Jinja2 template in this folder, rendered with autoescaping on: product identifiers, Icecat
feature names and Akeneo's error messages come from outside, and one holding `<script>` must be shown, never
run. All pages share `base.html` (which inlines `style.css`, so a page still reads well when opened from disk
or mailed) and the macros in `macros.html`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

FOLDER = Path(__file__).parent


@cache
def environment() -> jinja2.Environment:
    """Strict: a misspelled variable fails the render instead of printing an empty cell."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FOLDER),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["columns"] = columns
    return env


def columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The keys of all rows, in order of first appearance: a table's header when rows differ in keys."""
    return list(dict.fromkeys(key for row in rows for key in row))


def render(template: str, **context: Any) -> str:
    """The page `template` (a file name in this folder) filled with `context`, every value escaped."""
    return environment().get_template(template).render(**context)
