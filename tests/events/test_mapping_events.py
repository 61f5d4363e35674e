"""The mapping's `events:` block: optional, validated with the file's line like every other key."""
from __future__ import annotations

from pathlib import Path

import pytest
from icecat_akeneo.mapping import MappingError, load_mapping

from tests.events.support import DEMO_MAPPING, events_mapping


def test_events_are_off_unless_the_mapping_asks() -> None:
    assert load_mapping(DEMO_MAPPING).events is None


def test_the_events_block_sets_polling_and_batch(tmp_path: Path) -> None:
    events = load_mapping(events_mapping(tmp_path, poll_seconds=30, batch=200)).events
    assert (events.poll_seconds, events.batch) == (30, 200)


@pytest.mark.parametrize("block", ["{poll_seconds: 1}", "{batch: 0}", "{poll_every: 60}"])
def test_a_bad_events_block_names_its_key(tmp_path: Path, block: str) -> None:
    path = events_mapping(tmp_path)
    path.write_text(path.read_text().replace("events: {poll_seconds: 30, batch: 500}", f"events: {block}"))
    with pytest.raises(MappingError, match=r"demo\.yaml:\d+ events"):
        load_mapping(path)
