"""Redaction of secrets before a response body or a URL goes into a message, a log line or an artifact.

An API error body can echo the request (Icecat's does, with the app_key of the query string), and URLs carry
query strings with keys. So every such text passes through `redact`: each secret of the Connection is
replaced, and every query string is cut, whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
_QUERY = re.compile(r"\?[^\s\"'<>]*")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets (longest first, so one never leaves half of another) nor queries."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _QUERY.sub("?" + MASK, text)
