"""Redaction of secrets before a response body or a URL goes into a message, a log line or an artifact.

An API error body can echo the request (Icecat's does, with the app_key of the query string), and URLs carry
query strings with keys. So every such text passes through `redact`: each secret of the Connection is
replaced, and every query string is cut, whatever it holds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"
_QUERY = re.compile(r"\?[^\s\"'<>]*")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets (longest first, so one never leaves half of another) nor queries."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _QUERY.sub("?" + MASK, text)


class QueryKeyFilter(logging.Filter):
    """Masks one query parameter (Icecat's app_key) in log records, e.g. the URLs httpx logs at INFO."""

    def __init__(self, parameter: str) -> None:
        super().__init__()
        self._pattern = re.compile(rf"({re.escape(parameter)}=)[^&;\s\"']+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._pattern.sub(r"\1" + MASK, message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
