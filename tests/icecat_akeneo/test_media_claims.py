"""Two load shards meeting the same new media content at once upload it once: the second waits for the first
one's upload (a PostgreSQL advisory lock per client and content) and reuses its code."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from icecat_akeneo.media_claims import ClaimingRegistry

CONTENT = "ab" * 32


class SharedRegistry:
    """What the state store remembers of uploaded media, shared by both shards."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    def prepare(self, rows: Any) -> None:
        pass

    def already_applied(self, row: Any) -> bool:
        return False

    def code_for_url(self, url: str) -> str | None:
        return None

    def code_for_content(self, sha256: str) -> str | None:
        return self.codes.get(sha256)

    def remember(self, row: Any, sha256: str, code: str) -> None:
        self.codes[sha256] = code


@pytest.mark.postgres
def test_the_second_shard_waits_for_the_first_upload_and_reuses_its_code(postgres_url: str) -> None:
    engine, shared = sqlalchemy.create_engine(postgres_url), SharedRegistry()
    first, second = (ClaimingRegistry(shared, engine, "acme") for _ in range(2))
    assert first.code_for_content(CONTENT) is None  # first claims the content and uploads it
    answers: list[str | None] = []
    waiting = threading.Thread(target=lambda: answers.append(second.code_for_content(CONTENT)))
    waiting.start()
    time.sleep(0.5)
    assert answers == [], "the second shard did not wait for the upload in progress"
    first.remember({"identifier": "P1"}, CONTENT, "a/b/c/file.jpg")
    waiting.join(timeout=10)
    assert answers == ["a/b/c/file.jpg"]
    second.close()
    first.close()


@pytest.mark.postgres
def test_a_failed_upload_s_claim_is_given_back_at_the_next_content(postgres_url: str) -> None:
    engine, shared = sqlalchemy.create_engine(postgres_url), SharedRegistry()
    first, second = (ClaimingRegistry(shared, engine, "acme") for _ in range(2))
    assert first.code_for_content(CONTENT) is None  # its upload fails: nothing remembered
    assert first.code_for_content("cd" * 32) is None  # claiming the next content gives the first one back
    assert second.code_for_content(CONTENT) is None, "the second shard may now upload it"
    first.close()
    second.close()


def test_on_sqlite_nothing_is_claimed(tmp_path: Path) -> None:
    registry = ClaimingRegistry(SharedRegistry(), sqlalchemy.create_engine(f"sqlite:///{tmp_path / 's.db'}"), "acme")
    assert registry.code_for_content(CONTENT) is None and registry.code_for_content(CONTENT) is None
    registry.close()
