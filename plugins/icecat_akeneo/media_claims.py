"""One upload per media content across a run's concurrent load shards.

The load's media registry (`incremental.IncrementalRun`) reuses a file Akeneo already holds with the same
content; two shards meeting a new content at the same time would both miss it and upload it twice. Here each
new content is claimed first, with a PostgreSQL advisory lock keyed by client and content hash (the state
store every worker shares): a second shard waits for the first one's upload, then finds its code and reuses it.
A task uploads one file at a time, and holds at most one claim (given back when it records the upload or
claims the next content), so no two shards can wait on each other. On SQLite (one machine, the CLI and
`dag.test()` running the shards one after the other) claims are not needed and not taken.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from icecat_akeneo.steps.media import MediaRegistry


def claim_key(client: str, sha256: str) -> int:
    """A signed 64-bit advisory lock key for one client's content."""
    return int.from_bytes(hashlib.sha256(f"{client}:{sha256}".encode()).digest()[:8], "big", signed=True)


class ClaimingRegistry:
    """`registry` with every new content claimed before its upload (see the module docstring)."""

    def __init__(self, registry: MediaRegistry, engine: Engine, client: str) -> None:
        self.registry, self.client = registry, client
        self._connection: Connection | None = engine.connect() if engine.dialect.name == "postgresql" else None
        self._held: int | None = None

    def prepare(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.registry.prepare(rows)

    def already_applied(self, row: Mapping[str, Any]) -> bool:
        return self.registry.already_applied(row)

    def code_for_url(self, url: str) -> str | None:
        return self.registry.code_for_url(url)

    def held_value(self, row: Mapping[str, Any]) -> Any:
        return self.registry.held_value(row)

    def code_for_content(self, sha256: str) -> str | None:
        """The code of a file with this content; when there is none yet, this task holds the content's claim on
        return (any other shard uploading it has finished: its code is returned instead)."""
        known = self.registry.code_for_content(sha256)
        if known or self._connection is None:
            return known
        self._release()
        self._held = claim_key(self.client, sha256)
        self._connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self._held})
        return self.registry.code_for_content(sha256)

    def remember(self, row: Mapping[str, Any], sha256: str, code: str) -> None:
        self.registry.remember(row, sha256, code)
        self._release()

    def close(self) -> None:
        self._release()
        if self._connection is not None:
            self._connection.close()

    def _release(self) -> None:
        if self._held is not None and self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._held})
        self._held = None
